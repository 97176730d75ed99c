package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"text/tabwriter"
)

// quoteReply is the data of POST /v2/accounts/{A}/quotes.
type quoteReply struct {
	Quote []struct {
		AccountID string `json:"account_id"`
		Currency  string `json:"currency"`
		Plan      struct {
			ID        string `json:"id"`
			Name      string `json:"name"`
			AccountID string `json:"account_id"`
		} `json:"plan"`
		ActivationCharges []quoteCharge `json:"activation_charges"`
		Items             []quoteCharge `json:"items"`
		Summary           struct {
			Today     json.Number `json:"today"`
			Recurring json.Number `json:"recurring"`
		} `json:"summary"`
	} `json:"quote"`
	Success []string                   `json:"success"`
	Error   map[string]json.RawMessage `json:"error"`
}

type quoteCharge struct {
	Category string      `json:"category"`
	Item     string      `json:"item"`
	Name     string      `json:"name"`
	Quantity int64       `json:"quantity"`
	Rate     json.Number `json:"rate"`
	Total    json.Number `json:"total"`
}

// runQuote is `numan quote [--action activate|create|reserve] NUMBER...`:
// what the operation would cost the account, from the server's dry run.
// Nothing is bought or written. Amounts are printed as the server's exact
// decimals; --json prints the server's reply (with the *_minor integers).
func runQuote(ctx context.Context, env *Env, args []string) error {
	fs := flagSet(env, "quote")
	cf := addClientFlags(fs, env)
	action := fs.String("action", "activate", "the operation to price: activate (buy), create or reserve")
	asJSON := fs.Bool("json", false, "print the server's reply as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch *action {
	case "activate", "create", "reserve":
	default:
		return usagef("--action must be activate, create or reserve")
	}
	nums := fs.Args()
	if len(nums) == 0 {
		return usagef("give one or more numbers")
	}
	c, err := cf.connect(ctx)
	if err != nil {
		return err
	}
	data, err := c.call(ctx, http.MethodPost, c.accountPath("/quotes"),
		map[string]any{"data": map[string]any{"numbers": nums, "action": *action}})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env.Stdout, data)
	}
	var q quoteReply
	if err := json.Unmarshal(data, &q); err != nil {
		return fmt.Errorf("unexpected quote reply: %w", err)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	if len(q.Quote) == 0 {
		fmt.Fprintf(tw, "no charges for %d number(s)\n", len(q.Success))
	}
	for _, inv := range q.Quote {
		fmt.Fprintf(tw, "account %s, plan %s (%s", inv.AccountID, inv.Plan.Name, inv.Plan.ID)
		if inv.Plan.AccountID != inv.AccountID {
			fmt.Fprintf(tw, ", from %s", inv.Plan.AccountID)
		}
		fmt.Fprintln(tw, ")")
		fmt.Fprintln(tw, "CHARGE\tCATEGORY\tITEM\tQUANTITY\tRATE\tTOTAL")
		for _, ch := range inv.ActivationCharges {
			fmt.Fprintf(tw, "one-time\t%s\t%s\t%d\t%s\t%s\n", ch.Category, ch.Item, ch.Quantity, ch.Rate, ch.Total)
		}
		for _, ch := range inv.Items {
			fmt.Fprintf(tw, "monthly\t%s\t%s\t%d\t%s\t%s\n", ch.Category, ch.Item, ch.Quantity, ch.Rate, ch.Total)
		}
		fmt.Fprintf(tw, "today\t\t\t\t\t%s %s\n", inv.Summary.Today, inv.Currency)
		fmt.Fprintf(tw, "monthly\t\t\t\t\t+%s %s\n", inv.Summary.Recurring, inv.Currency)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(q.Error) > 0 {
		failed := make([]string, 0, len(q.Error))
		for n := range q.Error {
			failed = append(failed, n)
		}
		sort.Strings(failed)
		for _, n := range failed {
			fmt.Fprintf(env.Stdout, "%s\tfailed\t%s\n", n, failureReason(q.Error[n]))
		}
		return fmt.Errorf("%d of %d numbers cannot be %sd", len(failed), len(nums), *action)
	}
	return nil
}
