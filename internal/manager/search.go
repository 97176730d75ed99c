package manager

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/number"
)

// SearchRequest is a search for numbers to buy (Kazoo's find_numbers).
type SearchRequest struct {
	Prefix     string // national digits (415), E.164 (+1415) or a toll-free wildcard (80*)
	Quantity   int    // default 1; capped by maximum_search_quantity
	Offset     int    // row offset into the merged results
	Country    string // ISO 3166 alpha-2; default US
	AccountID  string
	ResellerID string
	Blocks     int
	QueryID    string
	// By is who searches: it decides what the results show beyond where
	// a number is and what it can do (searchSight).
	By number.Requester
}

// Found is one number a search offers: Kazoo's number and state, then what
// the carrier said of it (carrier.Details, flat). Search leaves out what
// the requester may not see: the carrier's cost unless it is an admin or a
// reseller, the carrier's name unless it is an admin.
type Found struct {
	Number string       `json:"number"`
	State  number.State `json:"state"`
	carrier.Details
	Carrier     string     `json:"carrier,omitempty"`
	CarrierData number.Doc `json:"-"`
}

// SearchResponse is the merged answer of every carrier asked.
type SearchResponse struct {
	Numbers []Found
	// Failed names each carrier that failed or timed out, with why: for
	// admins the carrier's error (secrets in URLs masked), for everyone
	// else a generic reason (timeout, rate_limited, unavailable), since a
	// carrier's own error text can hold account paths, account ids and
	// logins, and searches are open to anonymous callers. The log has the
	// error in every case.
	Failed map[string]string
	// Total is how many distinct numbers the carriers offered.
	Total int
}

// dialcodes maps the countries Numan searches most to their calling code;
// others are looked up by the normaliser's phonenumbers data.
var dialcodes = map[string]string{"US": "+1", "CA": "+1", "GB": "+44", "FR": "+33", "DE": "+49"}

// NormalizePrefix turns the prefix forms clients send into the normalised
// prefix carriers receive: "415" -> "+1415", "+1415" stays, "80*" -> "+180*".
// Letters are a vanity prefix, searched as their keypad digits
// ("628FLOWERS" -> "+16283569377"), as Monster UI sends them.
func NormalizePrefix(prefix, country string) (string, error) {
	p := strings.Join(strings.Fields(prefix), "")
	p = strings.NewReplacer("-", "", "(", "", ")", "", ".", "").Replace(p)
	p = number.Keypad(p)
	if p == "" {
		return "", number.Errorf(number.KindInvalid, "", "prefix is required")
	}
	body := strings.TrimPrefix(p, "+")
	for _, r := range body {
		if (r < '0' || r > '9') && r != '*' {
			return "", number.Errorf(number.KindInvalid, p, "prefix %q is not digits", prefix)
		}
	}
	if body == "" || len(body) > 15 {
		return "", number.Errorf(number.KindInvalid, p, "prefix %q has no digits or is too long", prefix)
	}
	if strings.HasPrefix(p, "+") {
		return p, nil
	}
	dc := Dialcode(country)
	if dc == "+1" && len(body) == 11 && body[0] == '1' {
		body = body[1:]
	}
	return dc + body, nil
}

// Dialcode returns the calling code of a country (default US).
func Dialcode(country string) string {
	country = strings.ToUpper(country)
	if len(country) != 2 {
		country = "US"
	}
	if dc, ok := dialcodes[country]; ok {
		return dc
	}
	if cc := number.CountryCallingCode(country); cc != 0 {
		return "+" + itoa(cc)
	}
	return "+1"
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [12]byte
	p := len(b)
	for i > 0 {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
	}
	return string(b[p:])
}

// searchCarriers is Kazoo's available_carriers: with an account and a
// reseller the carriers that rank first for accounts (reserved stock, then
// local inventory) come first, then the configured ones.
func searchCarriers(cfg number.Config, req SearchRequest) []string {
	var names []string
	if req.AccountID != "" && req.ResellerID != "" {
		names = accountFirstCarriers()
	}
	for _, n := range cfg.CarrierModules {
		n = number.CarrierName(n)
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return slices.DeleteFunc(names, func(n string) bool { return !carrier.Registered(n) })
}

// allStored reports whether every carrier named answers from the store
// (carrier.Info.Stored).
func allStored(names []string) bool {
	for _, n := range names {
		if i, ok := carrier.Lookup(n); !ok || !i.Stored {
			return false
		}
	}
	return true
}

// accountFirstCarriers are the registered carriers with an
// AccountSearchRank, in rank order.
func accountFirstCarriers() []string {
	var first []carrier.Info
	for _, i := range carrier.Infos() {
		if i.AccountSearchRank > 0 {
			first = append(first, i)
		}
	}
	slices.SortStableFunc(first, func(a, b carrier.Info) int { return a.AccountSearchRank - b.AccountSearchRank })
	names := make([]string, 0, len(first))
	for _, i := range first {
		names = append(names, i.Name)
	}
	return names
}

// Search asks every configured carrier in parallel, each within
// number_search_timeout_ms, and merges what they offer: de-duplicated,
// numbers already in Numan's inventory first, then by number. A carrier
// that fails or is slow is named in Failed and never empties the answer.
func (m *Manager) Search(ctx context.Context, req SearchRequest) (*SearchResponse, error) {
	cfg, _, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return nil, err
	}
	if req.Country == "" || len(req.Country) != 2 {
		req.Country = "US"
	}
	req.Country = strings.ToUpper(req.Country)
	prefix, err := NormalizePrefix(req.Prefix, req.Country)
	if err != nil {
		return nil, err
	}
	quantity := req.Quantity
	if quantity < 1 {
		quantity = 1
	}
	if quantity > cfg.MaximumSearchQuantity {
		quantity = cfg.MaximumSearchQuantity
	}
	if req.Offset < 0 {
		req.Offset = 0
	}
	if req.AccountID != "" {
		// The carriers the account's resellers chose (carrier_modules of
		// their number_manager documents), else system config's.
		settings, err := m.AccountSettings(ctx, cfg, req.AccountID)
		if err != nil {
			return nil, err
		}
		cfg.CarrierModules = settings.CarrierModules
	}
	names := searchCarriers(cfg, req)
	if allStored(names) {
		// Numbers Numan already holds need no discovery record, and their
		// pages come straight from the store's number order: the search
		// costs its indexed query, offset+quantity rows per carrier.
		req.QueryID = ""
	}
	if resp, ok := m.recallSearch(ctx, req, quantity); ok {
		resp.Numbers = m.sighted(ctx, req.By, resp.Numbers)
		return resp, nil
	}
	timeout := time.Duration(cfg.NumberSearchTimeoutMS) * time.Millisecond
	opts := carrier.SearchOptions{
		Country: req.Country, Dialcode: Dialcode(req.Country), AccountID: req.AccountID,
		ResellerID: req.ResellerID, Blocks: req.Blocks, QueryID: req.QueryID,
	}
	// Every carrier is asked for enough rows to serve this page and the
	// next ones, which are then served from the remembered results.
	want := cfg.MaximumSearchQuantity
	if req.QueryID == "" {
		want = min(req.Offset+quantity, want)
	}

	type answer struct {
		name    string
		results []carrier.Result
		err     error
	}
	answers := make([]answer, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := answer{name: name}
			defer func() {
				if r := recover(); r != nil {
					a.err = number.Errorf(number.KindByCarrier, "", "carrier crashed: %v", r)
				}
				answers[i] = a
			}()
			c, err := m.carriers.Get(ctx, name)
			if err != nil {
				a.err = err
				return
			}
			// number_search_timeout_ms bounds the carriers' remote
			// searches; a store-backed carrier (local inventory) answers
			// from the database, on the request's own deadline, so a busy
			// database does not drop the pool from the results.
			cctx, cancel := ctx, context.CancelFunc(func() {})
			if !c.Info().Stored {
				cctx, cancel = context.WithTimeout(ctx, timeout)
			}
			defer cancel()
			a.results, a.err = c.FindNumbers(cctx, prefix, want, opts)
			if a.err == nil && cctx.Err() != nil {
				a.err = cctx.Err()
			}
		}()
	}
	wg.Wait()

	resp := &SearchResponse{Failed: map[string]string{}}
	detailed := map[string]string{}
	seen := map[string]int{} // number -> index in all
	var all []Found
	for _, a := range answers {
		if a.err != nil {
			detail := number.AsError(a.err).Msg()
			if e := number.AsError(a.err); e.Cause != "" {
				detail = e.Cause
			}
			detail = config.RedactText(detail)
			resp.Failed[a.name] = failureReason(a.err)
			detailed[a.name] = detail
			m.log.WarnContext(ctx, "carrier search failed", "carrier", a.name, "err", config.RedactText(a.err.Error()))
		}
		for _, r := range a.results {
			if r.Number == "" {
				continue
			}
			if i, dup := seen[r.Number]; dup {
				// The first carrier's offer stands (buying goes to it);
				// another may still say where the number is.
				all[i].Details.Fill(r.Details)
				continue
			}
			seen[r.Number] = len(all)
			st := r.State
			if st == "" {
				st = number.Discovery
			}
			name := r.Carrier
			if name == "" {
				name = a.name
			}
			all = append(all, Found{Number: r.Number, State: st, Details: r.Details, Carrier: name, CarrierData: r.CarrierData})
		}
	}
	slices.SortStableFunc(all, func(a, b Found) int {
		ia, ib := a.State != number.Discovery, b.State != number.Discovery
		if ia != ib {
			if ia {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Number, b.Number)
	})
	resp.Total = len(all)
	if err := m.rememberSearch(ctx, cfg, req, all); err != nil {
		m.log.WarnContext(ctx, "remembering search results failed", "err", err)
	}
	if req.Offset < len(all) {
		all = all[req.Offset:]
	} else {
		all = nil
	}
	if len(all) > quantity {
		all = all[:quantity]
	}
	resp.Numbers = m.sighted(ctx, req.By, all)
	if len(detailed) > 0 {
		if admin, _ := m.searchSight(ctx, req.By); admin {
			resp.Failed = detailed
		}
	}
	return resp, nil
}

// searchSight is what a requester may see of a search's results beyond
// Kazoo's number and state. Where a number is and what it can do are for
// everyone. The carrier's price is the operator's cost, not what an
// account is billed: only admins and resellers (who set their own prices)
// see it. Which carrier offers a number is the operator's business: only
// admins see it.
func (m *Manager) searchSight(ctx context.Context, by number.Requester) (carrierName, cost bool) {
	if by.System {
		return true, true
	}
	if by.AccountID == "" {
		return false, false
	}
	rel, err := m.Relations(ctx, by.AccountID)
	if err != nil {
		// Shown less, never more, when the requester cannot be read.
		m.log.WarnContext(ctx, "search: reading the requester failed; costs and carriers are left out", "account", by.AccountID, "err", err)
		return false, false
	}
	admin := by.IsAdmin(rel)
	acc := rel[by.AccountID]
	return admin, admin || (acc != nil && acc.Reseller)
}

// sighted returns the results as by may see them (searchSight). The
// results given are not changed: the remembered ones keep everything.
func (m *Manager) sighted(ctx context.Context, by number.Requester, found []Found) []Found {
	if len(found) == 0 {
		return found
	}
	carrierName, cost := m.searchSight(ctx, by)
	out := make([]Found, len(found))
	for i, f := range found {
		if !carrierName {
			f.Carrier = ""
		}
		if !cost {
			f.Details = f.Details.WithoutCost()
		}
		out[i] = f
	}
	return out
}

// failureReason is the generic reason of a carrier's failure, safe for any
// caller to see.
func failureReason(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case number.IsKind(err, number.KindTooManyRequests):
		return "rate_limited"
	}
	return "unavailable"
}

// Classifiers returns the configured classifiers, in order.
func (m *Manager) Classifiers(ctx context.Context) (number.Classifiers, error) {
	cfg, _, err := m.cfg.NumberManager(ctx)
	return cfg.Classifiers, err
}

// Classify normalises raw and returns its classifier, if any matches.
func (m *Manager) Classify(ctx context.Context, raw string) (number.Classifier, string, bool, error) {
	_, norm, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return number.Classifier{}, "", false, err
	}
	e164 := norm.Convert(raw)
	c, ok := norm.Classify(e164)
	return c, e164, ok, nil
}

// CarriersInfo is Kazoo's carriers_info: the longest prefix searches use,
// the carriers numbers may be moved to, and the states the requester may
// create numbers in.
func (m *Manager) CarriersInfo(ctx context.Context, by number.Requester) (map[string]any, error) {
	cfg, _, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return nil, err
	}
	maxPrefix := 15
	for _, name := range searchCarriers(cfg, SearchRequest{}) {
		c, err := m.carriers.Get(ctx, name)
		if err != nil {
			continue
		}
		maxPrefix = min(maxPrefix, c.Info().MaxPrefixLength)
	}
	var usable []string
	for _, i := range carrier.Infos() {
		if i.Usable {
			usable = append(usable, i.Name)
		}
	}
	states, err := m.CreationStates(ctx, by)
	if err != nil {
		return nil, err
	}
	if states == nil {
		states = []number.State{}
	}
	return map[string]any{
		"maximal_prefix_length":  maxPrefix,
		"usable_carriers":        usable,
		"usable_creation_states": states,
	}, nil
}

// Check asks the configured carriers that can check numbers
// (carrier.Checker), in order, for the status of numbers; a number no
// carrier could check is "error".
func (m *Manager) Check(ctx context.Context, nums []string) (map[string]string, error) {
	cfg, norm, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var todo []string
	for _, raw := range nums {
		e, err := norm.Normalize(raw)
		if err != nil {
			out[raw] = "error"
			continue
		}
		todo = append(todo, e)
	}
	slices.Sort(todo)
	todo = slices.Compact(todo)
	for _, name := range searchCarriers(cfg, SearchRequest{}) {
		if len(todo) == 0 {
			break
		}
		c, err := m.carriers.Get(ctx, name)
		if err != nil {
			continue
		}
		checker, ok := c.(carrier.Checker)
		if !ok {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, time.Duration(cfg.NumberSearchTimeoutMS)*time.Millisecond)
		got, err := checker.CheckNumbers(cctx, todo)
		cancel()
		if err != nil {
			continue
		}
		var rest []string
		for _, n := range todo {
			if st, ok := got[n]; ok {
				out[n] = st
			} else {
				rest = append(rest, n)
			}
		}
		todo = rest
	}
	for _, n := range todo {
		out[n] = "error"
	}
	return out, nil
}
