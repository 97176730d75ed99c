package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"
)

// history prints a number's events, oldest first: numbers history NUMBER.
func history(ctx context.Context, env *Env, c *client, num string, all bool) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tEVENT\tSTATE\tOWNER\tBY\tREQUEST")
	start := ""
	for {
		q := url.Values{"page_size": {"500"}}
		if start != "" {
			q.Set("start_key", start)
		}
		r, err := c.request(ctx, http.MethodGet, c.numberPath(num, "/history")+"?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		var es []struct {
			Type      string    `json:"type"`
			Time      time.Time `json:"timestamp"`
			RequestID string    `json:"request_id"`
			Actor     struct {
				AccountID string `json:"account_id"`
				UserID    string `json:"user_id"`
				Via       string `json:"via"`
			} `json:"actor"`
			Before, After *struct {
				State      string `json:"state"`
				AssignedTo string `json:"assigned_to"`
			}
		}
		if err := json.Unmarshal(r.Data, &es); err != nil {
			return err
		}
		for _, e := range es {
			state, owner := "", ""
			if e.Before != nil {
				state, owner = e.Before.State+" -> ", e.Before.AssignedTo+" -> "
			}
			if e.After != nil {
				state, owner = state+e.After.State, owner+e.After.AssignedTo
			} else if e.Before != nil {
				state, owner = state+"(gone)", owner+"(gone)"
			}
			by := e.Actor.Via
			if e.Actor.AccountID != "" {
				by += ":" + e.Actor.AccountID
			}
			if e.Actor.UserID != "" {
				by += "/" + e.Actor.UserID
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Format(time.RFC3339), e.Type, state, owner, by, e.RequestID)
		}
		if r.NextStartKey == "" || !all {
			if err := tw.Flush(); err != nil {
				return err
			}
			if r.NextStartKey != "" {
				fmt.Fprintln(env.Stderr, "more events exist: --all lists every page")
			}
			return nil
		}
		start = r.NextStartKey
	}
}
