package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// runFeatures is "numan features": an account's number_manager settings
// (which carriers its accounts search, which features they may have,
// which providers serve E911 and CNAM, where carriers route its numbers),
// routing jobs, and the manual actions feature providers wait on.
func runFeatures(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "features", args)
	if err != nil {
		return err
	}
	fs := flagSet(env, "features "+sub)
	cf := addClientFlags(fs, env)
	var file *string
	var replace, wait *bool
	switch sub {
	case "set":
		file = fs.String("file", "", "JSON object of keys to set (- for stdin), besides key=value arguments")
		replace = fs.Bool("replace", false, "replace the whole document instead of merging keys into it")
	case "route":
		wait = fs.Bool("wait", true, "follow the job until it ends, printing its progress")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := cf.connect(ctx)
	if err != nil {
		return err
	}
	cfgPath := c.accountPath("/configs/number_manager")
	switch sub {
	case "get":
		data, err := c.call(ctx, http.MethodGet, cfgPath, nil)
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, data)
	case "reset":
		data, err := c.call(ctx, http.MethodDelete, cfgPath, nil)
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, data)
	case "set":
		keys := map[string]json.RawMessage{}
		if *file != "" {
			var raw []byte
			if *file == "-" {
				raw, err = io.ReadAll(env.Stdin)
			} else {
				raw, err = os.ReadFile(*file)
			}
			if err != nil {
				return err
			}
			if err := json.Unmarshal(raw, &keys); err != nil {
				return fmt.Errorf("%s: not a JSON object: %w", *file, err)
			}
		}
		for _, kv := range fs.Args() {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return usagef("%q is not key=value", kv)
			}
			keys[k] = parseValue(v)
		}
		if len(keys) == 0 {
			return usagef("nothing to set: give key=value arguments or --file")
		}
		method := http.MethodPatch
		if *replace {
			method = http.MethodPost
		}
		data, err := c.call(ctx, method, cfgPath, map[string]any{"data": keys})
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, data)
	case "route":
		var body any
		if fs.NArg() > 0 {
			body = map[string]any{"data": map[string]any{"carriers": fs.Args()}}
		}
		data, err := c.call(ctx, http.MethodPut, c.accountPath("/routing_jobs"), body)
		if err != nil {
			return err
		}
		var job routingJob
		if err := json.Unmarshal(data, &job); err != nil {
			return err
		}
		if !*wait {
			return printJSON(env.Stdout, data)
		}
		return followJob(ctx, env, c, job.ID)
	case "job":
		if fs.NArg() != 1 {
			return usagef("usage: numan features job JOB_ID")
		}
		data, err := c.call(ctx, http.MethodGet, c.accountPath("/routing_jobs/"+url.PathEscape(fs.Arg(0))), nil)
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, data)
	case "actions":
		data, err := c.call(ctx, http.MethodGet, c.accountPath("/manual_actions"), nil)
		if err != nil {
			return err
		}
		var list []struct {
			ID, Number, Provider, Feature, Action string
			Details                               map[string]any
		}
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNUMBER\tFEATURE\tACTION\tPROVIDER\tDETAILS")
		for _, a := range list {
			d, _ := json.Marshal(a.Details)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Number, a.Feature, a.Action, a.Provider, d)
		}
		return tw.Flush()
	case "done":
		if fs.NArg() != 2 {
			return usagef("usage: numan features done NUMBER ACTION_ID")
		}
		path := c.accountPath("/phone_numbers/" + url.PathEscape(fs.Arg(0)) + "/manual_actions/" + url.PathEscape(fs.Arg(1)))
		if _, err := c.call(ctx, http.MethodDelete, path, nil); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, "done", fs.Arg(1))
		return nil
	}
	return usagef("unknown subcommand %q", sub)
}

// routingJob is what the CLI reads of a routing job.
type routingJob struct {
	ID       string            `json:"id"`
	Status   string            `json:"status"`
	Total    int               `json:"total"`
	Done     int               `json:"done"`
	Skipped  int               `json:"skipped"`
	Failed   int               `json:"failed"`
	Failures map[string]string `json:"failures"`
}

// followJob prints a routing job's progress until it ends; a job with
// failures is an error (exit 1) after its report.
func followJob(ctx context.Context, env *Env, c *client, id string) error {
	path := c.accountPath("/routing_jobs/" + url.PathEscape(id))
	for {
		data, err := c.call(ctx, http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		var job routingJob
		if err := json.Unmarshal(data, &job); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "routing job %s: %s, %d found, %d re-pointed, %d skipped, %d failed\n",
			job.ID, job.Status, job.Total, job.Done, job.Skipped, job.Failed)
		if job.Status != "running" {
			for n, why := range job.Failures {
				fmt.Fprintf(env.Stdout, "%s\t%s\n", n, why)
			}
			if job.Failed > 0 {
				return fmt.Errorf("%d numbers were not re-pointed; 'numan features route' retries", job.Failed)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
