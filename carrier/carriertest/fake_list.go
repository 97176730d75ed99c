package carriertest

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// fakeList is what the fake's ListNumbers answers: the numbers it holds, in
// number order, pageSize at a time, failing from page failFrom on.
type fakeList struct {
	held     map[string]carrier.Held
	pageSize int
	failFrom int // 1-based page that fails, and every later one; 0 = none
	failErr  error
}

// SetHeld makes the fake hold exactly hs (in addition to nothing): what
// ListNumbers lists, in number order.
func (f *Fake) SetHeld(hs ...carrier.Held) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list.held = make(map[string]carrier.Held, len(hs))
	for _, h := range hs {
		h.CarrierData = h.CarrierData.Clone()
		f.list.held[h.Number] = h
	}
}

// HoldNumbers adds numbers the fake holds (lists), with no carrier data.
func (f *Fake) HoldNumbers(e164s ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.list.held == nil {
		f.list.held = map[string]carrier.Held{}
	}
	for _, e := range e164s {
		f.list.held[e] = carrier.Held{Number: e, CarrierData: number.Doc{}}
	}
}

// SetListPageSize sets how many numbers a page lists (default
// carrier.MaxListPage).
func (f *Fake) SetListPageSize(n int) {
	f.mu.Lock()
	f.list.pageSize = n
	f.mu.Unlock()
}

// FailListFrom makes page (1-based) and every later page of a listing fail
// with err; 0 lists every page.
func (f *Fake) FailListFrom(page int, err error) {
	f.mu.Lock()
	f.list.failFrom, f.list.failErr = page, err
	f.mu.Unlock()
}

// ListNumbers lists the held numbers in number order; the token is the
// offset of the page. It implements carrier.Lister.
func (f *Fake) ListNumbers(ctx context.Context, token string) (carrier.HeldPage, error) {
	if err := f.enter(ctx, OpList); err != nil {
		return carrier.HeldPage{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	offset := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 {
			return carrier.HeldPage{}, number.Errorf(number.KindByCarrier, "", "fake: bad page token %q", token)
		}
		offset = n
	}
	size := f.list.pageSize
	if size <= 0 || size > carrier.MaxListPage {
		size = carrier.MaxListPage
	}
	if f.list.failFrom > 0 && offset/size+1 >= f.list.failFrom {
		return carrier.HeldPage{}, f.list.failErr
	}
	nums := make([]string, 0, len(f.list.held))
	for n := range f.list.held {
		nums = append(nums, n)
	}
	slices.SortFunc(nums, strings.Compare)
	offset = min(offset, len(nums))
	end := min(offset+size, len(nums))
	page := carrier.HeldPage{Numbers: make([]carrier.Held, 0, end-offset)}
	for _, n := range nums[offset:end] {
		h := f.list.held[n]
		h.CarrierData = h.CarrierData.Clone()
		page.Numbers = append(page.Numbers, h)
	}
	if end < len(nums) {
		page.Next = strconv.Itoa(end)
	}
	return page, nil
}

var _ carrier.Lister = (*Fake)(nil)
