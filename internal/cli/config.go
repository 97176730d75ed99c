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
)

func runConfig(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "config", args)
	if err != nil {
		return err
	}
	fs := flagSet(env, "config "+sub)
	cf := addClientFlags(fs, env)
	node := fs.String("node", "", "address one node's overrides instead of every node's keys")
	var file *string
	var replace *bool
	if sub == "set" {
		file = fs.String("file", "", "JSON object of keys to set (- for stdin), besides key=value arguments")
		replace = fs.Bool("replace", false, "replace the whole section instead of merging keys into it")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return usagef("usage: numan config %s <ID> %s", sub, map[string]string{"set": "[key=value ...]"}[sub])
	}
	id := fs.Arg(0)
	c, err := cf.connect(ctx)
	if err != nil {
		return err
	}
	path := "/v2/system_configs/" + url.PathEscape(id)
	if *node != "" {
		path += "/" + url.PathEscape(*node)
	}
	switch sub {
	case "get":
		data, err := c.call(ctx, http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		return printJSON(env.Stdout, data)
	case "delete":
		if _, err := c.call(ctx, http.MethodDelete, path, nil); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, "deleted", id)
		return nil
	}
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
	for _, kv := range fs.Args()[1:] {
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
	data, err := c.call(ctx, method, path, map[string]any{"data": keys})
	if err != nil {
		return err
	}
	return printJSON(env.Stdout, data)
}

// parseValue reads a key=value value as JSON when it is JSON (true, 5,
// ["a"], {"x":1}, "quoted"), else as a string.
func parseValue(v string) json.RawMessage {
	if json.Valid([]byte(v)) {
		return json.RawMessage(v)
	}
	raw, _ := json.Marshal(v)
	return raw
}
