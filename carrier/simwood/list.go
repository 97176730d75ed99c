package simwood

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Simwood lists allocated numbers only as asynchronous reports: POST
// numbers/{account}/allocated/{10|100|1000|10000} asks for a report of the
// first N numbers matching a pattern and answers with its hash; GET
// files/{account}/{hash} answers 204 until the report is ready, then the
// report once (it is deleted when read). There is no paging, so
// ListNumbers pages by pattern: a report of every number (no pattern)
// that comes back full is split into the patterns 1*..9*, a full 20* into
// 200*..209*, and so on, depth first; a page is one report that was not
// full. The token is the pattern's digits.

// Defaults of the listing.
const (
	// defaultReportSize is the report asked for: a page of at most
	// carrier.MaxListPage numbers.
	defaultReportSize = 1000
	// defaultReportPollInterval and defaultReportMaxWait bound the wait
	// for a report (Simwood keeps one five minutes once it is ready).
	defaultReportPollInterval = time.Second
	defaultReportMaxWait      = 45 * time.Second
	// maxPatternDigits is the longest pattern split further: no national
	// number is longer.
	maxPatternDigits = 15
)

// listing tunes ListNumbers; tests use a small report and no waiting.
type listing struct {
	reportSize int
	poller     httpx.Poller
}

func (c *Carrier) reportSize() int {
	if c.listing.reportSize > 0 {
		return c.listing.reportSize
	}
	return defaultReportSize
}

func (c *Carrier) reportPoller() httpx.Poller {
	p := c.listing.poller
	if p.Interval == 0 && p.MaxWait == 0 && p.MaxChecks == 0 {
		p.Interval, p.MaxWait = defaultReportPollInterval, defaultReportMaxWait
	}
	if p.Sleep == nil {
		p.Sleep = c.client.Sleep
	}
	return p
}

// ListNumbers lists the numbers allocated to the account, one report at a
// time, as the package comment above describes. A report that comes back
// full yields an empty page whose Next is its first sub-pattern. Reports
// carry no ids Numan records: each number is listed with empty carrier
// data and no status.
func (c *Carrier) ListNumbers(ctx context.Context, token string) (carrier.HeldPage, error) {
	if token != "" && (len(token) > maxPatternDigits || !allDigits(token)) {
		return carrier.HeldPage{}, carrier.NotSent(number.Errorf(number.KindInvalid, "", "%s: bad page token %q", Name, token))
	}
	account, err := c.account("")
	if err != nil {
		return carrier.HeldPage{}, err
	}
	entries, err := c.report(ctx, account, token)
	if err != nil {
		return carrier.HeldPage{}, err
	}
	size := c.reportSize()
	if len(entries) >= size && len(token) < maxPatternDigits {
		// More numbers may match than the report holds: read the
		// sub-patterns instead.
		first := token + "0"
		if token == "" {
			first = "1" // no national number starts with 0
		}
		return carrier.HeldPage{Numbers: []carrier.Held{}, Next: first}, nil
	}
	page := carrier.HeldPage{Numbers: make([]carrier.Held, 0, len(entries)), Next: nextPattern(token)}
	for _, raw := range entries {
		var d number.Doc
		if json.Unmarshal(raw, &d) != nil || d == nil {
			continue
		}
		num, ok := e164(d["country_code"], d["number"])
		nsn, _ := digitsOf(d["number"])
		if !ok || !strings.HasPrefix(nsn, token) {
			// Not a number, or one another pattern's page lists.
			continue
		}
		page.Numbers = append(page.Numbers, carrier.Held{Number: num, CarrierData: number.Doc{}})
	}
	return page, nil
}

// nextPattern is the pattern after p in depth-first order: its next
// sibling, or its parent's ("" after 9, 99, ...: the listing is over).
func nextPattern(p string) string {
	for p != "" {
		last := p[len(p)-1]
		if last < '9' {
			return p[:len(p)-1] + string(last+1)
		}
		p = p[:len(p)-1]
	}
	return ""
}

// reportRequest is Simwood's answer to a report request.
type reportRequest struct {
	Hash string `json:"hash"`
}

// report asks for the report of the numbers matching pattern* (every
// number when pattern is empty) and waits for it.
func (c *Carrier) report(ctx context.Context, account, pattern string) ([]json.RawMessage, error) {
	files, err := c.filesURL(account)
	if err != nil {
		return nil, err
	}
	req := &httpx.Request{
		Method: http.MethodPost,
		Path:   account + "/allocated/" + strconv.Itoa(c.reportSize()),
		// Simwood runs an identical report once until it is read, so
		// asking again after a lost reply is safe.
		Idempotent: true,
	}
	if pattern != "" {
		req.Body = []byte(url.Values{"pattern": {pattern + "*"}}.Encode())
		req.ContentType = "application/x-www-form-urlencoded"
	}
	resp, err := c.client.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	asked, err := httpx.DecodeJSON[reportRequest](Name, resp.Body)
	if err != nil {
		return nil, err
	}
	if asked.Hash == "" || len(asked.Hash) > 64 || strings.Trim(asked.Hash, "0123456789abcdefABCDEF") != "" {
		return nil, carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "%s: report request answered no usable hash (%.64q)", Name, asked.Hash))
	}
	fileURL := files + asked.Hash
	var entries []json.RawMessage
	err = c.reportPoller().Poll(ctx, func(ctx context.Context) (bool, error) {
		resp, err := c.client.Get(ctx, fileURL, nil)
		if err != nil {
			return false, err
		}
		if resp.Status == http.StatusNoContent || len(resp.Body) == 0 {
			return false, nil // not ready yet
		}
		got, err := httpx.DecodeJSON[[]json.RawMessage](Name, resp.Body)
		if err != nil {
			return false, err
		}
		entries = got
		return true, nil
	})
	if errors.Is(err, httpx.ErrStillPending) {
		return nil, &number.Error{
			Kind:    number.KindByCarrier,
			Cause:   fmt.Sprintf("%s: allocated numbers report %s not ready in time", Name, asked.Hash),
			Details: map[string]any{"carrier": Name},
			Err:     &carrier.Failure{Class: carrier.Transient, Err: err},
		}
	}
	if err != nil {
		return nil, err
	}
	if entries == nil {
		return nil, carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "%s: allocated numbers report %s is not a list", Name, asked.Hash))
	}
	return entries, nil
}

// filesURL is where the account's reports are fetched, files/{account}/
// next to the numbers API (https://api.simwood.com/v3/files/...): the
// report's hash completes it.
func (c *Carrier) filesURL(account string) (string, error) {
	base := strings.TrimRight(c.cfg.URL(), "/")
	v3, ok := strings.CutSuffix(base, "/numbers")
	if !ok {
		return "", carrier.NotSent(number.Errorf(number.KindInvalid, "", "%s: api_url %q does not end in /numbers: cannot tell where reports are fetched", Name, httpx.RedactText(base, nil)))
	}
	return v3 + "/files/" + account + "/", nil
}

var _ carrier.Lister = (*Carrier)(nil)
