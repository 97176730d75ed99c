package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// runPorts is "numan ports": an account's port requests (Kazoo's
// port_requests) through the API: create, list, read, update, move
// through their states, comment, attach documents, the LOA.
func runPorts(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "ports", args)
	if err != nil {
		return err
	}
	fs := flagSet(env, "ports "+sub)
	cf := addClientFlags(fs, env)
	var (
		types, number, name, file, reason, scheduleOn, timezone, out, as *string
		descendants, agent, private, action, replace                     *bool
	)
	switch sub {
	case "list":
		types = fs.String("types", "", "by_types: states and groups (active, progressing, suspended, completed, all), comma separated")
		number = fs.String("number", "", "the requests holding this number (any state)")
		descendants = fs.Bool("descendants", false, "the requests of the accounts below the account")
		agent = fs.Bool("agent", false, "the requests the credentials' account handles as port authority")
	case "create":
		name = fs.String("name", "", "the request's name")
		file = fs.String("file", "", "JSON document of the request (bill, notifications, signee_name, ...; - for stdin)")
	case "update":
		file = fs.String("file", "", "JSON object of keys to set (- for stdin), besides key=value arguments")
		replace = fs.Bool("replace", false, "replace the whole document (POST; unconfirmed or rejected requests) instead of merging keys")
	case "move":
		reason = fs.String("reason", "", "why, recorded in the request's timeline")
		scheduleOn = fs.String("schedule-on", "", "for scheduled: the date agreed, \"YYYY-MM-DD HH:MM\"")
		timezone = fs.String("timezone", "", "for scheduled: the date's time zone (default: the account's)")
	case "comment":
		private = fs.Bool("private", false, "a comment only the port authority sees (port authorities)")
		action = fs.Bool("action-required", false, "ask the submitter to act (port authorities; not with --private)")
	case "attach":
		as = fs.String("name", "", "the document's name (default: the file's)")
	case "download", "loa":
		out = fs.String("out", "", "write to this file instead of stdout")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := cf.connect(ctx)
	if err != nil {
		return err
	}
	pos := fs.Args()
	need := map[string]int{"get": 1, "update": 1, "move": 2, "comment": 2, "timeline": 1, "notifications": 1, "attach": 2,
		"attachments": 1, "download": 2, "loa": 1, "delete": 1}
	if n := need[sub]; len(pos) < n {
		return usagef("%s needs %d argument(s)", sub, n)
	}
	portPath := func(suffix string) string {
		return c.accountPath("/port_requests/" + url.PathEscape(pos[0]) + suffix)
	}
	show := func(data json.RawMessage, err error) error {
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, data)
	}
	switch sub {
	case "list":
		path := c.accountPath("/port_requests")
		switch {
		case *agent:
			path = "/v2/port_requests"
		case *descendants:
			path = c.accountPath("/descendants/port_requests")
		}
		q := url.Values{}
		if *types != "" {
			q.Set("by_types", *types)
		}
		if *number != "" {
			q.Set("by_number", *number)
		}
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		data, err := c.call(ctx, http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		return printPorts(env.Stdout, data, *number != "")
	case "create":
		doc, err := readDoc(env, *file)
		if err != nil {
			return err
		}
		if *name != "" {
			doc["name"], _ = json.Marshal(*name)
		}
		nums := map[string]json.RawMessage{}
		if raw, ok := doc["numbers"]; ok {
			_ = json.Unmarshal(raw, &nums)
		}
		for _, n := range pos {
			nums[n] = json.RawMessage(`{}`)
		}
		doc["numbers"], _ = json.Marshal(nums)
		return show(c.call(ctx, http.MethodPut, c.accountPath("/port_requests"), map[string]any{"data": doc}))
	case "get":
		return show(c.call(ctx, http.MethodGet, portPath(""), nil))
	case "update":
		doc, err := readDoc(env, *file)
		if err != nil {
			return err
		}
		for _, kv := range pos[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return usagef("%q is not key=value", kv)
			}
			doc[k] = parseValue(v)
		}
		method := http.MethodPatch
		if *replace {
			method = http.MethodPost
		}
		return show(c.call(ctx, method, portPath(""), map[string]any{"data": doc}))
	case "move":
		data := map[string]any{}
		if *reason != "" {
			data["reason"] = *reason
		}
		if *scheduleOn != "" {
			so := map[string]string{"date_time": *scheduleOn}
			if *timezone != "" {
				so["timezone"] = *timezone
			}
			data["schedule_on"] = so
		}
		return show(c.call(ctx, http.MethodPatch, portPath("/"+url.PathEscape(pos[1])), map[string]any{"data": data}))
	case "comment":
		comment := map[string]any{"content": strings.Join(pos[1:], " "), "is_private": *private, "action_required": *action}
		data, err := c.call(ctx, http.MethodPatch, portPath(""), map[string]any{"data": map[string]any{"comments": []any{comment}}})
		if err != nil {
			return err
		}
		var v struct {
			Comments json.RawMessage `json:"comments"`
		}
		_ = json.Unmarshal(data, &v)
		return printJSON(env.Stdout, v.Comments)
	case "timeline":
		return show(c.call(ctx, http.MethodGet, portPath("/timeline"), nil))
	case "notifications":
		return show(c.call(ctx, http.MethodGet, portPath("/notifications"), nil))
	case "attachments":
		return show(c.call(ctx, http.MethodGet, portPath("/attachments"), nil))
	case "attach":
		raw, err := os.ReadFile(pos[1])
		if err != nil {
			return err
		}
		n := filepath.Base(pos[1])
		if *as != "" {
			n = *as
		}
		ctype := mime.TypeByExtension(strings.ToLower(filepath.Ext(n)))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		return show(c.upload(ctx, portPath("/attachments?filename="+url.QueryEscape(n)), ctype, raw))
	case "download", "loa":
		path, accept := portPath("/attachments/"+url.PathEscape(pos[min(1, len(pos)-1)])), "*/*"
		if sub == "loa" {
			path, accept = portPath("/loa"), "application/pdf"
		}
		body, err := c.stream(ctx, path, accept)
		if err != nil {
			return err
		}
		defer body.Close()
		w := env.Stdout
		if *out != "" {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		_, err = io.Copy(w, body)
		return err
	case "delete":
		return show(c.call(ctx, http.MethodDelete, portPath(""), nil))
	}
	return nil
}

// readDoc reads a JSON object from file ("" for none, - for stdin).
func readDoc(env *Env, file string) (map[string]json.RawMessage, error) {
	doc := map[string]json.RawMessage{}
	if file == "" {
		return doc, nil
	}
	var (
		raw []byte
		err error
	)
	if file == "-" {
		raw, err = io.ReadAll(env.Stdin)
	} else {
		raw, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %w", file, err)
	}
	if doc == nil {
		return nil, fmt.Errorf("%s: not a JSON object", file)
	}
	return doc, nil
}

// printPorts writes a listing as a table: grouped by account, or flat
// (by_number).
func printPorts(w io.Writer, data json.RawMessage, flat bool) error {
	type port struct {
		ID        string         `json:"id"`
		Name      string         `json:"name"`
		State     string         `json:"port_state"`
		AccountID string         `json:"account_id"`
		Numbers   map[string]any `json:"numbers"`
		ReadOnly  struct {
			Ported map[string]any `json:"ported_numbers"`
		} `json:"_read_only"`
	}
	var ports []port
	if flat {
		if err := json.Unmarshal(data, &ports); err != nil {
			return printJSON(w, data)
		}
	} else {
		var groups []struct {
			Ports []port `json:"port_requests"`
		}
		if err := json.Unmarshal(data, &groups); err != nil {
			return printJSON(w, data)
		}
		for _, g := range groups {
			ports = append(ports, g.Ports...)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tACCOUNT\tNUMBERS\tNAME")
	for _, p := range ports {
		n := len(p.Numbers) + len(p.ReadOnly.Ported)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", p.ID, p.State, p.AccountID, n, p.Name)
	}
	return tw.Flush()
}

// upload sends a document as the raw body of a PUT.
func (c *client) upload(ctx context.Context, path, ctype string, data []byte) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.base+path, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Auth-Token", c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("PUT %s: %s: not a JSON envelope: %.200s", path, resp.Status, raw)
	}
	if resp.StatusCode >= 400 || r.Status == "error" {
		return nil, &apiError{Status: resp.StatusCode, Message: r.Message, Data: r.Data}
	}
	return r.Data, nil
}
