package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"text/tabwriter"
)

// runWebhooks is "numan webhooks": an account's webhooks (docs/events.md)
// through the API: list, create (the secret is printed once), get,
// enable/disable, rotate the secret, the delivery log, replay, delete.
func runWebhooks(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "webhooks", args)
	if err != nil {
		return err
	}
	fs := flagSet(env, "webhooks "+sub)
	cf := addClientFlags(fs, env)
	var (
		name, uri, hook, verb, eventID, since, until, status *string
		subaccounts                                          *bool
	)
	switch sub {
	case "create":
		name = fs.String("name", "", "the webhook's name")
		uri = fs.String("uri", "", "where events are sent (http or https URL)")
		hook = fs.String("hook", "all", "the events it takes: all, a category (number.*) or one type (number.moved)")
		verb = fs.String("http-verb", "post", "post, put or get")
		subaccounts = fs.Bool("include-subaccounts", false, "also the events of the accounts below the account")
	case "replay":
		eventID = fs.String("event", "", "the id of the one event to deliver again")
		since = fs.String("since", "", "deliver again the events from this time (RFC 3339)")
		until = fs.String("until", "", "... until this time (RFC 3339; default now)")
	case "deliveries":
		status = fs.String("status", "", "only pending, delivered or failed (dead-lettered) deliveries")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := cf.connect(ctx)
	if err != nil {
		return err
	}
	pos := fs.Args()
	if sub != "list" && sub != "create" && len(pos) < 1 {
		return usagef("%s needs the webhook's id", sub)
	}
	hookPath := func(suffix string) string {
		return c.accountPath("/webhooks/" + url.PathEscape(pos[0]) + suffix)
	}
	show := func(data json.RawMessage, err error) error {
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, data)
	}
	switch sub {
	case "list":
		data, err := c.call(ctx, http.MethodGet, c.accountPath("/webhooks"), nil)
		if err != nil {
			return err
		}
		var hs []struct {
			ID, Name, URI, Hook, DisabledMessage string
			Enabled                              bool
			Failures                             int
		}
		if err := json.Unmarshal(data, &hs); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tHOOK\tENABLED\tFAILURES\tURI")
		for _, h := range hs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%d\t%s\n", h.ID, h.Name, h.Hook, h.Enabled, h.Failures, h.URI)
		}
		return tw.Flush()
	case "create":
		if *name == "" || *uri == "" {
			return usagef("--name and --uri are required")
		}
		body := map[string]any{"data": map[string]any{"name": *name, "uri": *uri, "hook": *hook, "http_verb": *verb,
			"include_subaccounts": *subaccounts}}
		data, err := c.call(ctx, http.MethodPut, c.accountPath("/webhooks"), body)
		if err != nil {
			return err
		}
		return printSecret(env, data)
	case "get":
		return show(c.call(ctx, http.MethodGet, hookPath(""), nil))
	case "enable", "disable":
		return show(c.call(ctx, http.MethodPatch, hookPath(""), map[string]any{"data": map[string]any{"enabled": sub == "enable"}}))
	case "rotate":
		data, err := c.call(ctx, http.MethodPost, hookPath("/rotate_secret"), nil)
		if err != nil {
			return err
		}
		return printSecret(env, data)
	case "attempts":
		return show(c.call(ctx, http.MethodGet, hookPath("/attempts"), nil))
	case "deliveries":
		q := ""
		if *status != "" {
			q = "?status=" + url.QueryEscape(*status)
		}
		return show(c.call(ctx, http.MethodGet, hookPath("/deliveries"+q), nil))
	case "replay":
		if (*eventID == "") == (*since == "") {
			return usagef("give --event, or --since (and --until)")
		}
		d := map[string]any{}
		for k, v := range map[string]string{"event_id": *eventID, "since": *since, "until": *until} {
			if v != "" {
				d[k] = v
			}
		}
		return show(c.call(ctx, http.MethodPost, hookPath("/replay"), map[string]any{"data": d}))
	case "delete":
		_, err := c.call(ctx, http.MethodDelete, hookPath(""), nil)
		return err
	}
	return usagef("unknown subcommand %s", sub)
}

// printSecret prints a created or rotated webhook and, apart, its secret,
// which is never shown again.
func printSecret(env *Env, data json.RawMessage) error {
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	secret, _ := v["secret"].(string)
	delete(v, "secret")
	raw, _ := json.Marshal(v)
	if err := printJSON(env.Stdout, raw); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "secret\t%s\n", secret)
	fmt.Fprintln(env.Stderr, "The secret verifies the webhook-signature header (Standard Webhooks); it is shown only now.")
	return nil
}
