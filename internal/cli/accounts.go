package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"text/tabwriter"
)

func runLogin(ctx context.Context, env *Env, args []string) error {
	fs := flagSet(env, "login")
	cf := addClientFlags(fs, env)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *cf.apiKey == "" {
		return usagef("login needs --api-key or NUMAN_API_KEY")
	}
	*cf.token = ""
	c, err := cf.connect(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "account %s; export NUMAN_TOKEN with:\n", c.account)
	fmt.Fprintln(env.Stdout, c.token)
	return nil
}

func runAccounts(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "accounts", args)
	if err != nil {
		return err
	}
	fs := flagSet(env, "accounts "+sub)
	cf := addClientFlags(fs, env)
	var name, parent *string
	var descendants, release *bool
	switch sub {
	case "delete":
		release = fs.Bool("release-numbers", false, "release the account's numbers first (otherwise an account holding numbers is not deleted)")
	case "create":
		name = fs.String("name", "", "the new account's name (required)")
		parent = fs.String("parent", "", "parent account id (default: --account)")
	case "list":
		descendants = fs.Bool("descendants", false, "every account below, not only children")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := cf.connect(ctx)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		if *name == "" {
			return usagef("--name is required")
		}
		if *parent != "" {
			c.account = *parent
		}
		data, err := c.call(ctx, http.MethodPut, c.accountPath(""), map[string]any{"data": map[string]any{"name": *name}})
		if err != nil {
			return err
		}
		var acc struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(data, &acc)
		c.account = acc.ID
		keyData, err := c.call(ctx, http.MethodGet, c.accountPath("/api_key"), nil)
		if err != nil {
			return err
		}
		var k struct {
			APIKey string `json:"api_key"`
		}
		_ = json.Unmarshal(keyData, &k)
		fmt.Fprintf(env.Stdout, "id\t%s\napi_key\t%s\n", acc.ID, k.APIKey)
		return nil
	case "list":
		what := "/children"
		if *descendants {
			what = "/descendants"
		}
		data, err := c.call(ctx, http.MethodGet, c.accountPath(what), nil)
		if err != nil {
			return err
		}
		var list []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Enabled bool   `json:"enabled"`
		}
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tENABLED")
		for _, a := range list {
			fmt.Fprintf(tw, "%s\t%s\t%v\n", a.ID, a.Name, a.Enabled)
		}
		return tw.Flush()
	case "delete":
		if fs.NArg() != 1 {
			return usagef("delete takes one account id")
		}
		c.account = fs.Arg(0)
		path := c.accountPath("")
		if *release {
			path += "?release_numbers=true"
		}
		if _, err := c.call(ctx, http.MethodDelete, path, nil); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "deleted %s\n", fs.Arg(0))
		return nil
	case "get":
		if fs.NArg() > 0 {
			c.account = fs.Arg(0)
		}
		data, err := c.call(ctx, http.MethodGet, c.accountPath(""), nil)
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, data)
	default: // api-key
		if fs.NArg() > 0 {
			c.account = fs.Arg(0)
		}
		data, err := c.call(ctx, http.MethodGet, c.accountPath("/api_key"), nil)
		if err != nil {
			return err
		}
		var k struct {
			APIKey string `json:"api_key"`
		}
		_ = json.Unmarshal(data, &k)
		fmt.Fprintln(env.Stdout, k.APIKey)
		return nil
	}
}
