package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"text/tabwriter"
)

func runNumbers(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "numbers", args)
	if err != nil {
		return err
	}
	switch sub {
	case "import":
		return runImport(ctx, env, args)
	case "export":
		return runExport(ctx, env, args)
	}
	fs := flagSet(env, "numbers "+sub)
	cf := addClientFlags(fs, env)
	accept := new(bool)
	if sub == "add" || sub == "activate" || sub == "reserve" {
		accept = fs.Bool("accept-charges", false, "accept the charges of the operation")
	}
	var prefix, country, state, carrierName, startKey *string
	var quantity, offset, pageSize *int
	var hard, all, clear *bool
	switch sub {
	case "search":
		prefix = fs.String("prefix", "", "area code (415), E.164 prefix (+1415), toll-free wildcard (80*) or vanity letters (628FLOWERS)")
		country = fs.String("country", "US", "country (ISO 3166 alpha-2)")
		quantity = fs.Int("quantity", 10, "how many numbers")
		offset = fs.Int("offset", 0, "skip this many results")
	case "list":
		state = fs.String("state", "", "only numbers in these states (comma-separated)")
		all = fs.Bool("all", false, "every page, not just the first")
		startKey = fs.String("start-key", "", "start at this number (the next page's key, which list prints)")
		pageSize = fs.Int("page-size", 500, "numbers per page")
	case "add":
		state = fs.String("state", "", "create_with_state: the state to create the numbers in")
		carrierName = fs.String("carrier", "", "the carrier module the numbers belong to (admins), e.g. inventory")
	case "history":
		all = fs.Bool("all", false, "every page, not just the first 500 events")
	case "used-by":
		clear = fs.Bool("clear", false, "clear used_by: no app routes the numbers (they are spare)")
	case "delete":
		hard = fs.Bool("hard", true, "delete for good (admins), not just release")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := cf.connect(ctx)
	if err != nil {
		return err
	}
	nums := fs.Args()
	needNumbers := func() error {
		if len(nums) == 0 {
			return usagef("give one or more numbers")
		}
		return nil
	}
	switch sub {
	case "search":
		if *prefix == "" {
			return usagef("--prefix is required")
		}
		q := url.Values{"prefix": {*prefix}, "quantity": {strconv.Itoa(*quantity)}, "offset": {strconv.Itoa(*offset)}, "country": {*country}}
		data, err := c.call(ctx, http.MethodGet, c.accountPath("/phone_numbers?"+q.Encode()), nil)
		if err != nil {
			return err
		}
		return printFound(env.Stdout, data)
	case "list":
		if *pageSize < 1 {
			return usagef("--page-size must be at least 1")
		}
		return listNumbers(ctx, env, c, listOptions{state: *state, all: *all, start: *startKey, pageSize: *pageSize})
	case "get":
		if err := needNumbers(); err != nil {
			return err
		}
		data, err := c.call(ctx, http.MethodGet, c.numberPath(nums[0], ""), nil)
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, data)
	case "history":
		if err := needNumbers(); err != nil {
			return err
		}
		return history(ctx, env, c, nums[0], *all)
	}
	if sub == "used-by" {
		return usedBy(ctx, env, c, nums, *clear)
	}
	if err := needNumbers(); err != nil {
		return err
	}
	body := map[string]any{"numbers": nums}
	method, path := http.MethodPut, c.accountPath("/phone_numbers/collection")
	switch sub {
	case "add":
		if *state != "" {
			body["create_with_state"] = *state
		}
		if *carrierName != "" {
			body["carrier_name"] = *carrierName
		}
	case "activate":
		path += "/activate"
	case "reserve":
		// Kazoo has no collection reserve: one call per number.
		return eachNumber(ctx, env, c, nums, *accept, func(n string) (string, string) { return http.MethodPut, c.numberPath(n, "/reserve") })
	case "release":
		method = http.MethodDelete
	case "delete":
		method = http.MethodDelete
		if *hard {
			path += "?hard=true"
		}
	}
	env2 := map[string]any{"data": body}
	if *accept {
		env2["accept_charges"] = true
	}
	r, err := c.request(ctx, method, path, env2)
	if err != nil {
		return explain402(err)
	}
	return printOutcome(env, nums, r.Data)
}

// explain402 turns a 402 into an instruction.
func explain402(err error) error {
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusPaymentRequired {
		return fmt.Errorf("this costs money; the quote is %s\nrun again with --accept-charges to go ahead", ae.Data)
	}
	return err
}

// eachNumber runs one request per number and prints the outcome.
func eachNumber(ctx context.Context, env *Env, c *client, nums []string, accept bool, req func(string) (string, string)) error {
	failed := 0
	for _, n := range nums {
		method, path := req(n)
		body := map[string]any{"data": map[string]any{}}
		if accept {
			body["accept_charges"] = true
		}
		data, err := c.call(ctx, method, path, body)
		if err != nil {
			failed++
			fmt.Fprintf(env.Stdout, "%s\tfailed\t%v\n", n, explain402(err))
			continue
		}
		var v struct{ State string }
		_ = json.Unmarshal(data, &v)
		fmt.Fprintf(env.Stdout, "%s\t%s\n", n, v.State)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d numbers failed", failed, len(nums))
	}
	return nil
}

// printOutcome prints a collection reply: Kazoo unwraps a single success,
// else answers {"success": {...}, "error": {...}}.
func printOutcome(env *Env, nums []string, data json.RawMessage) error {
	var multi struct {
		Success map[string]struct{ State string } `json:"success"`
		Error   json.RawMessage                   `json:"error"`
	}
	if json.Unmarshal(data, &multi) != nil || multi.Success == nil {
		// Not a collection reply: one number's JSON.
		var one struct{ ID, State string }
		_ = json.Unmarshal(data, &one)
		fmt.Fprintf(env.Stdout, "%s\t%s\n", one.ID, one.State)
		return nil //nolint:nilerr // a reply that is not a collection is printed as one number
	}
	keys := make([]string, 0, len(multi.Success))
	for k := range multi.Success {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(env.Stdout, "%s\t%s\n", k, multi.Success[k].State)
	}
	var failures map[string]json.RawMessage
	_ = json.Unmarshal(multi.Error, &failures)
	fk := make([]string, 0, len(failures))
	for k := range failures {
		fk = append(fk, k)
	}
	sort.Strings(fk)
	for _, k := range fk {
		fmt.Fprintf(env.Stdout, "%s\tfailed\t%s\n", k, failureReason(failures[k]))
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d numbers failed", len(failures), len(nums))
	}
	return nil
}

// failureReason is a one-line reason from a per-number error (an object
// or a bare string).
func failureReason(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
		Cause   string `json:"cause"`
	}
	_ = json.Unmarshal(raw, &e)
	out := e.Error
	if e.Message != "" && e.Message != e.Error {
		out += ": " + e.Message
	}
	if e.Cause != "" {
		out += " (" + e.Cause + ")"
	}
	return out
}

// listOptions are numbers list's flags.
type listOptions struct {
	state, start string
	all          bool
	pageSize     int
}

// listNumbers prints the account's numbers: one page, or every page with
// all. When more pages exist, it says so on stderr with the next page's key.
func listNumbers(ctx context.Context, env *Env, c *client, o listOptions) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tSTATE\tUSED_BY\tFEATURES")
	start := o.start
	shown := 0
	for {
		q := url.Values{"page_size": {strconv.Itoa(o.pageSize)}}
		if o.state != "" {
			q.Set("filter_state", o.state)
		}
		if start != "" {
			q.Set("start_key", start)
		}
		r, err := c.request(ctx, http.MethodGet, c.accountPath("/phone_numbers?"+q.Encode()), nil)
		if err != nil {
			return err
		}
		var d struct {
			Numbers map[string]struct {
				State    string   `json:"state"`
				UsedBy   string   `json:"used_by"`
				Features []string `json:"features"`
			} `json:"numbers"`
		}
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return err
		}
		keys := make([]string, 0, len(d.Numbers))
		for k := range d.Numbers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n := d.Numbers[k]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%v\n", k, n.State, n.UsedBy, n.Features)
		}
		shown += len(keys)
		if r.NextStartKey == "" {
			break
		}
		if !o.all {
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "%d numbers shown; more pages exist: --all lists every page, --start-key %s the next one\n", shown, r.NextStartKey)
			return nil
		}
		start = r.NextStartKey
	}
	return tw.Flush()
}

// usedBy sets (or, with clear, clears) the app that routes the numbers:
// numbers used-by APP NUMBER... or numbers used-by --clear NUMBER...
func usedBy(ctx context.Context, env *Env, c *client, args []string, clear bool) error {
	method, data := http.MethodDelete, map[string]any{}
	if !clear {
		if len(args) < 2 {
			return usagef("usage: numan numbers used-by APP NUMBER... (or --clear NUMBER...)")
		}
		method, data["used_by"] = http.MethodPut, args[0]
		args = args[1:]
	}
	if len(args) == 0 {
		return usagef("give one or more numbers")
	}
	data["numbers"] = args
	r, err := c.request(ctx, method, c.accountPath("/phone_numbers/collection/used_by"), map[string]any{"data": data})
	if err != nil {
		return err
	}
	return printUsedBy(env, args, r.Data)
}

// printUsedBy prints each number with the app that now routes it ("-" for
// none), and the failures.
func printUsedBy(env *Env, nums []string, data json.RawMessage) error {
	type view struct {
		ID     string `json:"id"`
		UsedBy string `json:"used_by"`
	}
	var multi struct {
		Success map[string]view            `json:"success"`
		Error   map[string]json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(data, &multi); err != nil || multi.Success == nil {
		var one view
		_ = json.Unmarshal(data, &one)
		multi.Success = map[string]view{one.ID: one}
	}
	for _, k := range slices.Sorted(maps.Keys(multi.Success)) {
		fmt.Fprintf(env.Stdout, "%s\t%s\n", k, cmp.Or(multi.Success[k].UsedBy, "-"))
	}
	for _, k := range slices.Sorted(maps.Keys(multi.Error)) {
		fmt.Fprintf(env.Stdout, "%s\tfailed\t%s\n", k, failureReason(multi.Error[k]))
	}
	if len(multi.Error) > 0 {
		return fmt.Errorf("%d of %d numbers failed", len(multi.Error), len(nums))
	}
	return nil
}
