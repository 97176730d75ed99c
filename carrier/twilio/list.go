package twilio

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// listPageSize is the PageSize of a listing: the most Twilio returns.
const listPageSize = 1000

// ListNumbers lists the account's IncomingPhoneNumbers, 1000 a page. The
// token is Twilio's next_page_uri; only its query is used, on this
// account's own path, so a token never takes the credentials elsewhere.
// Each number's sid is its carrier data (what Disconnect deletes), its
// trunk its route; a status other than in-use is inactive.
func (c *Carrier) ListNumbers(ctx context.Context, token string) (carrier.HeldPage, error) {
	path := c.account + "/IncomingPhoneNumbers.json"
	q := url.Values{"PageSize": {strconv.Itoa(listPageSize)}}
	if token != "" {
		u, err := url.Parse(token)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasSuffix(u.Path, "/"+path) {
			return carrier.HeldPage{}, carrier.NotSent(number.Errorf(number.KindInvalid, "", "%s: bad page token %.100q", Name, token))
		}
		q = u.Query()
		q.Set("PageSize", strconv.Itoa(listPageSize))
	}
	resp, err := c.http.Get(ctx, path, q)
	if err != nil {
		return carrier.HeldPage{}, err
	}
	owned, next, err := parseIncomingPage(resp.Body)
	if err != nil {
		return carrier.HeldPage{}, err
	}
	out := carrier.HeldPage{Numbers: make([]carrier.Held, 0, len(owned)), Next: next}
	for _, p := range owned {
		if !isE164(p.PhoneNumber) {
			continue
		}
		data := number.Doc{}
		if p.SID != "" {
			data.Set("sid", p.SID)
		}
		status := strings.ToLower(strings.TrimSpace(p.Status))
		out.Numbers = append(out.Numbers, carrier.Held{
			Number:      p.PhoneNumber,
			CarrierData: data,
			Status:      status,
			Inactive:    status != "" && status != "in-use",
			Route:       p.TrunkSID,
			WantRoute:   c.cfg.TrunkSID,
		})
	}
	return out, nil
}

// ownedNumber is an IncomingPhoneNumber as a listing shows it.
type ownedNumber struct {
	SID         string `json:"sid"`
	PhoneNumber string `json:"phone_number"`
	Status      string `json:"status"`
	TrunkSID    string `json:"trunk_sid"`
}

// parseIncomingPage reads a page of IncomingPhoneNumbers and its
// next_page_uri ("" on the last page). A reply without the list is not a
// listing.
func parseIncomingPage(body []byte) ([]ownedNumber, string, error) {
	r, err := httpx.DecodeJSON[struct {
		Numbers *[]ownedNumber `json:"incoming_phone_numbers"`
		Next    *string        `json:"next_page_uri"`
	}](Name, body)
	if err != nil {
		return nil, "", err
	}
	if r.Numbers == nil {
		return nil, "", carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "%s: reply has no incoming_phone_numbers", Name))
	}
	next := ""
	if r.Next != nil {
		next = strings.TrimSpace(*r.Next)
	}
	return *r.Numbers, next, nil
}

var _ carrier.Lister = (*Carrier)(nil)
