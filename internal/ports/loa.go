package ports

import (
	"context"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/internal/manager"
)

// LOA generates a request's Letter of Authorization as a PDF (Kazoo's GET
// .../loa with Accept: application/x-pdf): the account holder on the
// losing carrier's bill, the numbers, the requested date and the signee,
// for the account holder to sign. Kazoo rendered a reseller's template;
// Numan writes one layout (the account PIN is left out: it does not
// belong on a letter that travels).
func (s *Service) LOA(ctx context.Context, by By, accountID, id string) ([]byte, error) {
	sc, err := s.load(ctx, by, accountID, id)
	if err != nil {
		return nil, err
	}
	return s.loaPDF(ctx, sc), nil
}

func (s *Service) loaPDF(ctx context.Context, sc scope) []byte {
	p := sc.p
	str := func(key string) string {
		var v string
		p.Public.Get(key, &v)
		return strings.TrimSpace(v)
	}
	date := func(key string) string {
		var g int64
		if !p.Public.Get(key, &g) || g <= 0 {
			return ""
		}
		return manager.FromGregorian(g).Format("January 2, 2006")
	}
	var bill map[string]string
	p.Public.Get("bill", &bill)
	losing := str("carrier")
	if losing == "" {
		losing = bill["carrier"]
	}
	gaining := p.AuthorityName
	if gaining == "" {
		gaining = "the gaining service provider"
	}
	nums := p.Numbers
	if p.State == Completed {
		nums = p.portedKeys()
	}
	signed := date("signing_date")
	if signed == "" {
		signed = s.now().UTC().Format("January 2, 2006")
	}

	w := newPDF("Letter of Authorization " + p.ID)
	w.line("Letter of Authorization", 18, true, 0)
	w.line("Local number portability", 11, false, 0)
	w.space(12)
	w.line("Port request: "+or(str("name"), p.ID)+" ("+p.ID+")", 10, false, 0)
	w.line("Account: "+p.AccountName, 10, false, 0)
	w.line("Date: "+signed, 10, false, 0)
	w.space(12)
	w.line("The undersigned, authorized to act for the account holder named below, authorizes "+gaining+
		" and the carriers acting for it to act as the account holder's agent to port the telephone numbers listed below from "+
		or(losing, "the current service provider")+" and to make the changes needed for their transfer. The account holder"+
		" understands that service for these numbers with the current provider ends when they are ported.", 11, false, 0)
	w.space(12)
	w.line("Account holder, as on the current provider's bill", 12, true, 0)
	field := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			w.line(label+": "+value, 11, false, 12)
		}
	}
	field("Name", bill["name"])
	street := strings.Join(strings.Fields(strings.Join([]string{bill["street_number"], bill["street_pre_dir"], bill["street_address"],
		bill["street_type"], bill["street_post_dir"]}, " ")), " ")
	field("Service address", strings.Join(nonEmpty(street, bill["extended_address"],
		strings.TrimSpace(bill["locality"]+" "+bill["region"]+" "+bill["postal_code"])), ", "))
	field("Current provider", losing)
	field("Billing telephone number", bill["btn"])
	field("Account number", bill["account_number"])
	field("Requested transfer date", date("transfer_date"))
	w.space(12)
	w.line("Telephone numbers to port ("+strconv.Itoa(len(nums))+")", 12, true, 0)
	for i := 0; i < len(nums); i += 4 {
		w.line(strings.Join(nums[i:min(i+4, len(nums))], "     "), 11, false, 12)
	}
	w.space(24)
	w.line("Authorized signature: ____________________________________", 11, false, 0)
	w.space(6)
	w.line("Name: "+or(str("signee_name"), "____________________________________"), 11, false, 0)
	w.line("Date: "+signed, 11, false, 0)
	return w.bytes()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
