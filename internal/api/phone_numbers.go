package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// op is the manager options every phone_numbers write starts from (Kazoo's
// default_knm_options): the caller authorizes, the path's account receives.
func (c *call) op() manager.Op {
	op := manager.Op{AuthBy: c.requester(), RequestID: c.requestID}
	if c.account != nil {
		op.AssignTo = c.account.ID
	}
	return op
}

// charged runs a write the way Kazoo's crossbar does: a client that has
// not accepted charges gets 402 "accept charges" with the quote when the
// write costs anything, and nothing is done. The manager decides between
// quoting and committing (manager.Op.QuoteFirst); this only says whether the
// client accepted.
//
// Kazoo returns a dry run that has any failure as if it were final (having
// saved nothing); Numan commits the numbers that can be and reports the
// others, since a client cannot tell the two apart.
func (c *call) charged(accept bool, op manager.Op, run func(manager.Op) *manager.Result) {
	op.QuoteFirst = !accept
	res := run(op)
	if res.NeedsAcceptance {
		c.fail(errAcceptCharges(res.Charges))
		return
	}
	c.replyResult(res)
}

// replyResult renders an operation's outcome as Kazoo does (§11.2): one
// success alone is the number's JSON; one failure alone is an error reply;
// anything else is {"success": {...}, "error": [] or {...}}.
func (c *call) replyResult(res *manager.Result) {
	by := c.requester()
	switch {
	case len(res.Succeeded) == 1 && len(res.Failed) == 0:
		c.ok(c.s.mgr.View(c.ctx, res.Succeeded[0], by))
		return
	case len(res.Succeeded) == 0 && len(res.Failed) == 1:
		for _, err := range res.Failed {
			c.fail(err)
		}
		return
	}
	success := make(map[string]any, len(res.Succeeded))
	for _, n := range res.Succeeded {
		success[n.Number] = c.s.mgr.View(c.ctx, n, by)
	}
	var failed any = []any{}
	if len(res.Failed) > 0 {
		m := make(map[string]any, len(res.Failed))
		for k, err := range res.Failed {
			m[k] = numberFailure(err)
		}
		failed = m
	}
	c.ok(map[string]any{"success": success, "error": failed})
}

// numberBody reads a single-number write: the data object, validated
// against the number schema, and whether charges were accepted.
func (c *call) numberBody() (number.Doc, bool, error) {
	env, err := c.body()
	if err != nil {
		return nil, false, err
	}
	data, err := env.data()
	if err != nil {
		return nil, false, err
	}
	if err := validateNumberDoc(data); err != nil {
		return nil, false, err
	}
	if err := number.CheckPublicFields(data); err != nil {
		return nil, false, err
	}
	accept := c.acceptCharges(env, data)
	delete(data, "accept_charges")
	return data, accept, nil
}

// createState reads create_with_state from a create's body.
func createState(data number.Doc) number.State {
	var s string
	if data.Get("create_with_state", &s) {
		return number.State(s)
	}
	return ""
}

func without(d number.Doc, keys ...string) number.Doc {
	out := d.Clone()
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// handleNumberGet is GET …/phone_numbers/{PHONE_NUMBER}: visibility is
// decided by the caller's account, as Kazoo's auth_by.
func handleNumberGet(c *call) {
	c.replyResult(c.s.mgr.Get(c.ctx, []string{c.param("PHONE_NUMBER")}, c.op()))
}

// handleNumberCreate is PUT …/phone_numbers/{PHONE_NUMBER}.
func handleNumberCreate(c *call) {
	data, accept, err := c.numberBody()
	if err != nil {
		c.fail(err)
		return
	}
	op := c.op()
	op.State = createState(data)
	op.PublicFields = without(data, "create_with_state")
	nums := []string{c.param("PHONE_NUMBER")}
	c.charged(accept, op, func(op manager.Op) *manager.Result { return c.s.mgr.Create(c.ctx, nums, op) })
}

// handleNumberUpdate is POST (replace the public fields) and PATCH (merge
// into them) of …/phone_numbers/{PHONE_NUMBER}.
func handleNumberUpdate(c *call) {
	data, accept, err := c.numberBody()
	if err != nil {
		c.fail(err)
		return
	}
	mode := manager.Replace
	if c.r.Method == http.MethodPatch {
		mode = manager.Merge
	}
	nums := []string{c.param("PHONE_NUMBER")}
	c.charged(accept, c.op(), func(op manager.Op) *manager.Result { return c.s.mgr.Update(c.ctx, nums, mode, data, op) })
}

// handleNumberDelete is DELETE …/phone_numbers/{PHONE_NUMBER}[?hard=true].
func handleNumberDelete(c *call) {
	c.release([]string{c.param("PHONE_NUMBER")})
}

// release releases numbers, or deletes them for good with ?hard=true when
// the caller is an admin (others get a release, as in Kazoo). Releasing
// costs nothing, so it is not run dry first: a carrier disconnect cannot be
// rehearsed.
func (c *call) release(nums []string) {
	op := c.op()
	op.AssignTo = ""
	if truthy(c.r.URL.Query().Get("hard")) && c.auth.SuperduperAdmin {
		c.replyResult(c.s.mgr.Delete(c.ctx, nums, op))
		return
	}
	c.replyResult(c.s.mgr.Release(c.ctx, nums, op))
}

// handleNumberActivate is PUT …/phone_numbers/{PHONE_NUMBER}/activate: buy
// the number into the path's account.
func handleNumberActivate(c *call) {
	data, accept, err := c.numberBody()
	if err != nil {
		c.fail(err)
		return
	}
	op := c.op()
	if len(data) > 0 {
		op.PublicFields = data
	}
	nums := []string{c.param("PHONE_NUMBER")}
	c.charged(accept, op, func(op manager.Op) *manager.Result { return c.s.mgr.Move(c.ctx, nums, c.account.ID, op) })
}

// handleNumberReserve is PUT …/phone_numbers/{PHONE_NUMBER}/reserve (the
// body is ignored, as in Kazoo, but for accept_charges).
func handleNumberReserve(c *call) {
	env, err := c.body()
	if err != nil {
		c.fail(err)
		return
	}
	data, _ := env.data()
	nums := []string{c.param("PHONE_NUMBER")}
	c.charged(c.acceptCharges(env, data), c.op(), func(op manager.Op) *manager.Result { return c.s.mgr.Reserve(c.ctx, nums, op) })
}

// handleNumberPort is PUT …/phone_numbers/{PHONE_NUMBER}/port: create the
// number in port_in for the path's account, with the local carrier. Any
// account may start a port, so the creation itself is not the caller's.
func handleNumberPort(c *call) {
	data, accept, err := c.numberBody()
	if err != nil {
		c.fail(err)
		return
	}
	op := c.op()
	op.AuthBy = number.SystemRequester
	op.State = number.PortIn
	op.ModuleName = "local"
	op.PublicFields = without(data, "create_with_state")
	nums := []string{c.param("PHONE_NUMBER")}
	c.charged(accept, op, func(op manager.Op) *manager.Result { return c.s.mgr.Create(c.ctx, nums, op) })
}

// handleNumberIdentify is GET …/phone_numbers/{PHONE_NUMBER}/identify:
// what a switch needs at call time (manager.Lookup), for the number's
// owner, its ancestors and admins; anyone else gets what a GET of the
// number answers (manager.Identify).
func handleNumberIdentify(c *call) {
	l, err := c.s.mgr.Identify(c.ctx, c.param("PHONE_NUMBER"), c.requester())
	if err != nil {
		var ne *number.Error
		if errors.As(err, &ne) && ne.Kind == number.KindInvalid {
			// Kazoo answers the routing refusals as a bare client error.
			if ne.Details != nil {
				err = errClient(ne.Details)
			} else {
				err = errClient(ne.Msg())
			}
		}
		c.fail(err)
		return
	}
	c.ok(l)
}

// collectionBody reads {"data": {"numbers": [...], <public fields>}}, with
// Kazoo's checks of the list.
func (c *call) collectionBody() (nums []string, rest number.Doc, accept bool, err error) {
	env, err := c.body()
	if err != nil {
		return nil, nil, false, err
	}
	data, err := env.data()
	if err != nil {
		return nil, nil, false, err
	}
	accept = c.acceptCharges(env, data)
	var v validationErrors
	raw, ok := data["numbers"]
	switch {
	case !ok:
		v.add("numbers", "required", "list of numbers missing")
	case number.JSONType(raw) != "array":
		v.add("numbers", "type", "numbers must be a list")
	default:
		var items []json.RawMessage
		_ = json.Unmarshal(raw, &items)
		if len(items) == 0 {
			v.add("numbers", "minimum", "minimum 1 number required")
		}
		seen := map[string]bool{}
		for i, it := range items {
			var s string
			if number.JSONType(it) != "string" || json.Unmarshal(it, &s) != nil {
				v.add("numbers."+strconv.Itoa(i), "type", "Value did not match type(s): string", "target", "string")
				continue
			}
			key := s
			if e, err := c.s.mgr.Normalize(c.ctx, s); err == nil {
				key = e
			}
			if seen[key] {
				v.add("numbers", "uniqueItems", "some numbers appear twice", "value", s)
				break
			}
			seen[key] = true
			nums = append(nums, s)
		}
	}
	if err := v.err(); err != nil {
		return nil, nil, false, err
	}
	rest = without(data, "numbers", "accept_charges")
	if err := number.CheckPublicFields(rest); err != nil {
		return nil, nil, false, err
	}
	return nums, rest, accept, nil
}

// handleCollectionCreate is PUT …/phone_numbers/collection.
func handleCollectionCreate(c *call) {
	nums, op, accept, ok := c.collectionCreate()
	if !ok {
		return
	}
	c.charged(accept, op, func(op manager.Op) *manager.Result { return c.s.mgr.Create(c.ctx, nums, op) })
}

// collectionCreate reads a collection create's body: the numbers, the
// operation (create_with_state, the public fields) and whether charges
// were accepted; ok false once it answered an error.
func (c *call) collectionCreate() (nums []string, op manager.Op, accept, ok bool) {
	nums, rest, accept, err := c.collectionBody()
	if err != nil {
		c.fail(err)
		return nil, op, false, false
	}
	var v validationErrors
	if raw, ok := rest["create_with_state"]; ok {
		v.enumRule("create_with_state", raw, stateNames)
	}
	if err := v.err(); err != nil {
		c.fail(err)
		return nil, op, false, false
	}
	op = c.op()
	op.State = createState(rest)
	op.PublicFields = without(rest, "create_with_state")
	return nums, op, accept, true
}

// handleCollectionImport is PUT …/phone_numbers/collection/import: a bulk
// load (numan numbers import). It creates as PUT …/collection does, and
// answers {"success": [numbers created, in order], "error": {number:
// failure}} whatever their count: rendering every created number, as
// Kazoo's reply does, cost a bulk load more than writing it. Not in
// Kazoo.
func handleCollectionImport(c *call) {
	nums, op, accept, ok := c.collectionCreate()
	if !ok {
		return
	}
	op.QuoteFirst = !accept
	res := c.s.mgr.Create(c.ctx, nums, op)
	if res.NeedsAcceptance {
		c.fail(errAcceptCharges(res.Charges))
		return
	}
	success := make([]string, len(res.Succeeded))
	for i, n := range res.Succeeded {
		success[i] = n.Number
	}
	failed := make(map[string]any, len(res.Failed))
	for k, err := range res.Failed {
		failed[k] = numberFailure(err)
	}
	c.ok(map[string]any{"success": success, "error": failed})
}

// handleCollectionUpdate is POST (replace) and PATCH (merge) …/phone_numbers/collection.
func handleCollectionUpdate(c *call) {
	nums, rest, accept, err := c.collectionBody()
	if err != nil {
		c.fail(err)
		return
	}
	mode := manager.Replace
	if c.r.Method == http.MethodPatch {
		mode = manager.Merge
	}
	c.charged(accept, c.op(), func(op manager.Op) *manager.Result { return c.s.mgr.Update(c.ctx, nums, mode, rest, op) })
}

// handleCollectionDelete is DELETE …/phone_numbers/collection[?hard=true].
func handleCollectionDelete(c *call) {
	nums, _, _, err := c.collectionBody()
	if err != nil {
		c.fail(err)
		return
	}
	c.release(nums)
}

// handleCollectionActivate is PUT …/phone_numbers/collection/activate.
// Kazoo stores the whole request data, numbers list included, in every
// number; Numan leaves the list out.
func handleCollectionActivate(c *call) {
	nums, rest, accept, err := c.collectionBody()
	if err != nil {
		c.fail(err)
		return
	}
	op := c.op()
	if len(rest) > 0 {
		op.PublicFields = rest
	}
	c.charged(accept, op, func(op manager.Op) *manager.Result { return c.s.mgr.Move(c.ctx, nums, c.account.ID, op) })
}

// handleNumbersIndex is GET /v2/accounts/{ACCOUNT_ID}/phone_numbers: a
// carrier search with ?prefix=, else the account's listing.
func handleNumbersIndex(c *call) {
	q := c.r.URL.Query()
	if q.Has("prefix") {
		reseller, err := c.s.accounts.ResellerOf(c.ctx, c.account)
		if err != nil {
			c.fail(err)
			return
		}
		c.search(c.account.ID, reseller)
		return
	}
	c.listing()
}

// handleOpenSearch is GET /v2/phone_numbers: the search Kazoo allows
// without an account. With reseller_id it searches for that reseller, if
// number_manager allows unauthorized lookups and it is a reseller.
func handleOpenSearch(c *call) {
	q := c.r.URL.Query()
	if id := q.Get("reseller_id"); id != "" {
		cfg, _, err := c.s.mgr.Config(c.ctx)
		if err != nil {
			c.fail(err)
			return
		}
		acc, err := c.s.accounts.Get(c.ctx, id)
		if err != nil || !number.IsAccountID(id) {
			c.fail(&apiError{http.StatusNotFound, "nonexistent reseller_id", map[string]any{"message": "nonexistent reseller_id"}})
			return
		}
		if !cfg.UnauthorizedNumberLookup || !(acc.Reseller || acc.SuperduperAdmin) {
			c.fail(&apiError{http.StatusNotFound, "number search restricted", map[string]any{"message": "number search restricted"}})
			return
		}
		c.search(acc.ID, acc.ID)
		return
	}
	if c.auth == nil {
		c.search("", "")
		return
	}
	reseller, err := c.s.accounts.ResellerOf(c.ctx, c.auth)
	if err != nil {
		c.fail(err)
		return
	}
	c.search(c.auth.ID, reseller)
}

// search runs a carrier search from the query string.
func (c *call) search(accountID, resellerID string) {
	q := c.r.URL.Query()
	var v validationErrors
	rawPrefix := q.Get("prefix")
	if strings.HasPrefix(rawPrefix, " ") && strings.Contains(c.r.URL.RawQuery, "prefix=+") {
		// An unencoded "+1415" arrives as " 1415": the client meant E.164.
		rawPrefix = "+" + strings.TrimSpace(rawPrefix)
	}
	prefix := strings.Join(strings.Fields(rawPrefix), "")
	if prefix == "" {
		v.add("prefix", "required", "Field is required but missing")
	} else if len(prefix) > 16 {
		v.add("prefix", "maxLength", "String must not be more than 16 characters", "target", 16, "value", prefix)
	}
	intParam := func(name string, def, min int) int {
		s := q.Get(name)
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			v.add(name, "type", "Value did not match type(s): integer", "target", "integer", "value", s)
			return def
		}
		if n < min {
			v.add(name, "minimum", "Value must be at least "+strconv.Itoa(min), "target", min, "value", n)
		}
		return n
	}
	quantity := intParam("quantity", 1, 1)
	offset := intParam("offset", 0, 0)
	blocks := intParam("blocks", 0, 0)
	country := strings.ToUpper(q.Get("country"))
	if country == "" {
		country = "US"
	}
	if len(country) != 2 {
		v.add("country", "maxLength", "String must be 2 characters", "target", 2, "value", country)
	}
	if err := v.err(); err != nil {
		c.fail(err)
		return
	}
	res, err := c.s.mgr.Search(c.ctx, manager.SearchRequest{
		Prefix: prefix, Quantity: quantity, Offset: offset, Country: country,
		AccountID: accountID, ResellerID: resellerID, Blocks: blocks,
		QueryID: accountID + ":" + country + ":" + prefix,
		By:      c.requester(),
	})
	if err != nil {
		if number.IsKind(err, number.KindInvalid) {
			var v validationErrors
			v.add("prefix", "pattern", number.AsError(err).Cause, "value", prefix)
			err = v.err()
		}
		c.fail(err)
		return
	}
	// Kazoo's {number, state}, then what the carrier said of the number,
	// as much of it as the manager lets the requester see.
	out := res.Numbers
	if out == nil {
		out = []manager.Found{}
	}
	rp := reply{status: http.StatusOK, data: out}
	if len(res.Failed) > 0 {
		// Not in Kazoo: which carriers failed, so a partial answer is not
		// mistaken for everything there is. A carrier's own error text is
		// for admins only (manager.SearchResponse.Failed).
		rp.page = append(rp.page, pageKey{"failed_carriers", res.Failed})
	}
	c.write(rp)
}

const (
	defaultPageSize = 50
	maxPageSize     = 5000
)

// listing answers the account's numbers, paginated as crossbar_view.
func (c *call) listing() {
	q := c.r.URL.Query()
	if q.Get("accept") == "csv" || strings.Contains(c.r.Header.Get("Accept"), "text/csv") {
		c.exportCSV()
		return
	}
	lq, err := listQuery(q)
	if err != nil {
		c.fail(err)
		return
	}
	page, err := c.listPage(lq)
	if err != nil {
		c.fail(err)
		return
	}
	by := c.requester()
	numbers := c.s.mgr.ListingEntries(c.ctx, page.Numbers, by)
	if !truthy(q.Get("all_accounts")) && len(lq.Modules) == 0 && (len(lq.States) == 0 || slices.Contains(lq.States, number.PortIn)) {
		// The account's port requests show in its listing, as Kazoo
		// merged them.
		if err := c.s.ports.MergeListing(c.ctx, c.account.ID, lq.Prefix, lq.StartKey, page.NextStartKey, numbers); err != nil {
			c.fail(err)
			return
		}
	}
	rp := reply{status: http.StatusOK, data: map[string]any{"numbers": numbers, "cascade_quantity": len(numbers)}}
	rp.page = append(rp.page, pageKey{"page_size", len(numbers)})
	// Start keys are the raw number, as Kazoo returns them.
	if lq.StartKey != "" {
		rp.page = append(rp.page, pageKey{"start_key", lq.StartKey})
	}
	if page.NextStartKey != "" {
		rp.page = append(rp.page, pageKey{"next_start_key", page.NextStartKey})
	}
	c.write(rp)
}

// listPage reads one page of the listing: the path account's numbers, or,
// with all_accounts=true, every number whoever holds it (the pool; the
// manager allows it to admins only).
func (c *call) listPage(lq manager.ListQuery) (manager.Page, error) {
	if truthy(c.r.URL.Query().Get("all_accounts")) {
		return c.s.mgr.ListAll(c.ctx, c.requester(), lq)
	}
	return c.s.mgr.List(c.ctx, c.account.ID, lq)
}

// listQuery reads page_size, start_key, paginate and the filters.
func listQuery(q map[string][]string) (manager.ListQuery, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var v validationErrors
	lq := manager.ListQuery{Limit: defaultPageSize}
	if s := get("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			v.add("page_size", "minimum", "Value must be at least 1", "target", 1, "value", s)
		}
		lq.Limit = min(n, maxPageSize)
	}
	if s := get("paginate"); s != "" && !truthy(s) {
		lq.Limit = 0
	}
	if s := get("start_key"); s != "" {
		lq.StartKey = decodeStartKey(s)
	}
	for _, raw := range q["filter_state"] {
		for _, s := range splitList(raw) {
			st, err := number.ParseState(s)
			if err != nil {
				v.add("filter_state", "enum", "Value not found in enumerated list of values", "target", stateNames, "value", s)
				continue
			}
			lq.States = append(lq.States, st)
		}
	}
	if s := get("filter_prefix"); s != "" {
		lq.Prefix = s
	}
	// Active features (Numan's: Kazoo has no such filter); cnam means
	// either half of it.
	for _, k := range []string{"filter_feature", "filter_features"} {
		for _, raw := range q[k] {
			for _, s := range splitList(raw) {
				f := number.CanonicalFeature(strings.ToLower(s))
				if !featureName(f) {
					v.add(k, "pattern", "Value must be a feature name (e911, outbound_cnam, ...)", "value", s)
					continue
				}
				if f == number.FeatureCNAM {
					lq.Features = append(lq.Features, number.FeatureInboundCNAM, number.FeatureOutboundCNAM)
					continue
				}
				lq.Features = append(lq.Features, f)
			}
		}
	}
	// The carrier, by the listing's field (carrier_module) or its short name.
	for _, k := range []string{"filter_carrier_module", "filter_carrier"} {
		for _, raw := range q[k] {
			for _, s := range splitList(raw) {
				lq.Modules = append(lq.Modules, number.CarrierName(s))
			}
		}
	}
	return lq, v.err()
}

// featureName reports whether s can be a feature's name: lower-case
// letters, digits and underscores.
func featureName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// splitList reads a list parameter in any of the forms clients send:
// a,b — ["a","b"] — a single value.
func splitList(raw string) []string {
	raw = strings.TrimSpace(raw)
	if strings.HasPrefix(raw, "[") {
		var list []string
		if json.Unmarshal([]byte(raw), &list) == nil {
			return list
		}
		raw = strings.Trim(raw, "[]")
	}
	var out []string
	for _, s := range strings.Split(raw, ",") {
		if s = strings.Trim(strings.TrimSpace(s), `"`); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// decodeStartKey reads a start key: the raw number, as Kazoo sends it, or
// base64-encoded, as Numan sent it before.
func decodeStartKey(s string) string {
	if strings.HasPrefix(s, " ") && strings.TrimSpace(s) != "" {
		// A raw "+1415..." sent unencoded arrives as " 1415...".
		return "+" + strings.TrimSpace(s)
	}
	if strings.HasPrefix(s, "+") {
		return s
	}
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) > 0 && b[0] == '+' {
			return string(b)
		}
	}
	return s
}

// handleCarriersInfo is GET …/phone_numbers/carriers_info.
func handleCarriersInfo(c *call) {
	info, err := c.s.mgr.CarriersInfo(c.ctx, c.requester())
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(info)
}

// handleClassifiers is GET …/phone_numbers/classifiers.
func handleClassifiers(c *call) {
	cl, err := c.s.mgr.Classifiers(c.ctx)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(cl)
}

// handleClassify is GET …/phone_numbers/classifiers/{PHONE_NUMBER}.
func handleClassify(c *call) {
	raw := c.param("PHONE_NUMBER")
	cl, e164, ok, err := c.s.mgr.Classify(c.ctx, raw)
	if err != nil {
		c.fail(err)
		return
	}
	out := map[string]any{"number": raw, "e164": e164}
	if ok {
		out["name"] = cl.Name
		out["regex"] = cl.Regex
		if cl.FriendlyName != "" {
			out["friendly_name"] = cl.FriendlyName
		}
		if cl.PrettyPrint != "" {
			out["pretty_print"] = cl.PrettyPrint
		}
		if cl.Emergency {
			out["emergency"] = true
		}
	}
	c.ok(out)
}

// numbersList reads {"data": {"numbers": [...]}} for check and locality.
func (c *call) numbersList() ([]string, error) {
	env, err := c.body()
	if err != nil {
		return nil, err
	}
	data, err := env.data()
	if err != nil {
		return nil, err
	}
	var nums []string
	var v validationErrors
	raw, ok := data["numbers"]
	switch {
	case !ok:
		v.add("numbers", "required", "list of numbers missing")
	case number.JSONType(raw) != "array" || json.Unmarshal(raw, &nums) != nil:
		v.add("numbers", "type", "numbers must be a list of strings")
	case len(nums) == 0:
		v.add("numbers", "minimum", "minimum 1 number required")
	}
	return nums, v.err()
}

// handleCheck is POST …/phone_numbers/check.
func handleCheck(c *call) {
	nums, err := c.numbersList()
	if err != nil {
		c.fail(err)
		return
	}
	out, err := c.s.mgr.Check(c.ctx, nums)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(out)
}

// handleFix is POST …/phone_numbers/fix. Kazoo repairs the copies of number
// documents it keeps in account databases; Numan keeps one record per
// number, so there is nothing to repair and it answers the listing.
func handleFix(c *call) { c.listing() }

// handleFixNumber is POST …/phone_numbers/fix/{PHONE_NUMBER}: nothing to
// repair (see handleFix); Kazoo answers {}.
func handleFixNumber(c *call) {
	if _, err := c.s.mgr.Normalize(c.ctx, c.param("PHONE_NUMBER")); err != nil {
		c.fail(err)
		return
	}
	c.ok(map[string]any{})
}
