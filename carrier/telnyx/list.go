package telnyx

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// listPageSize is the page[size] of a listing: the largest Telnyx takes.
const listPageSize = 250

// notHeld are the statuses of numbers Telnyx lists but the account no
// longer holds (nor pays for): deleted, ported away, or never bought.
var notHeld = map[string]bool{
	"deleted":         true,
	"ported-out":      true,
	"purchase-failed": true,
	"port-failed":     true,
}

// ListNumbers lists the numbers on the Telnyx account (GET
// /v2/phone_numbers, sorted by number), a page of 250 at a time; the
// token is the page number. Each number's Telnyx id is its carrier data
// (phone_number_id, what Disconnect deletes), its connection its route.
// Numbers Telnyx deleted, ported out or failed to buy are not held and
// not listed; any status but active is inactive.
func (c *Carrier) ListNumbers(ctx context.Context, token string) (carrier.HeldPage, error) {
	page := 1
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 1 {
			return carrier.HeldPage{}, carrier.NotSent(number.Errorf(number.KindInvalid, "", "%s: bad page token %q", Name, token))
		}
		page = n
	}
	q := url.Values{
		"page[number]": {strconv.Itoa(page)},
		"page[size]":   {strconv.Itoa(listPageSize)},
		"sort":         {"phone_number"},
	}
	resp, err := c.http.Get(ctx, "v2/phone_numbers", q)
	if err != nil {
		return carrier.HeldPage{}, err
	}
	owned, meta, err := parsePhoneNumberPage(resp.Body)
	if err != nil {
		return carrier.HeldPage{}, err
	}
	out := carrier.HeldPage{Numbers: make([]carrier.Held, 0, len(owned))}
	for _, p := range owned {
		status := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(p.Status)), "_", "-")
		if !isE164(p.PhoneNumber) || notHeld[status] {
			continue
		}
		data := number.Doc{}
		if p.ID != "" {
			data.Set("phone_number_id", p.ID)
		}
		out.Numbers = append(out.Numbers, carrier.Held{
			Number:      p.PhoneNumber,
			CarrierData: data,
			Status:      status,
			Inactive:    status != "active",
			Route:       p.ConnectionID,
			WantRoute:   c.cfg.ConnectionID,
		})
	}
	if meta.PageNumber != 0 && meta.PageNumber != page {
		return carrier.HeldPage{}, carrier.Uncertain(c.http.CarrierError("", "asked for page %d of the phone numbers, got page %d", page, meta.PageNumber))
	}
	if page < meta.TotalPages {
		out.Next = strconv.Itoa(page + 1)
	}
	return out, nil
}

// listedNumber is a number on the account as the listing shows it.
type listedNumber struct {
	ID           string `json:"id"`
	PhoneNumber  string `json:"phone_number"`
	Status       string `json:"status"`
	ConnectionID string `json:"connection_id"`
}

// pageMeta is the paging part of a Telnyx list reply.
type pageMeta struct {
	TotalPages   int `json:"total_pages"`
	TotalResults int `json:"total_results"`
	PageNumber   int `json:"page_number"`
	PageSize     int `json:"page_size"`
}

// parsePhoneNumberPage reads a page of GET /v2/phone_numbers. A reply
// without its data array or its paging meta cannot say what the account
// holds, so it is an error.
func parsePhoneNumberPage(body []byte) ([]listedNumber, pageMeta, error) {
	r, err := httpx.DecodeJSON[struct {
		Data *[]listedNumber `json:"data"`
		Meta *pageMeta       `json:"meta"`
	}](Name, body)
	if err != nil {
		return nil, pageMeta{}, err
	}
	if r.Data == nil || r.Meta == nil {
		return nil, pageMeta{}, carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "%s: phone numbers reply has no data or no meta", Name))
	}
	return *r.Data, *r.Meta, nil
}

var _ carrier.Lister = (*Carrier)(nil)
