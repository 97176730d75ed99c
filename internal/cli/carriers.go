package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
)

// runCarriers lists the registered carriers with their settings (secrets
// masked), runs a harmless search at one to check its credentials, or
// audits one (audit.go). It reads the database directly, like migrate: the
// settings live there.
func runCarriers(ctx context.Context, env *Env, args []string) error {
	fs := flagSet(env, "carriers")
	db := dbFlag(fs, env, DefaultDB, "SQLite `file`, or a postgres:// URL (NUMAN_DB)")
	node := fs.String("node", envOr(env, "NUMAN_NODE", ""), "node whose system-config sections apply (NUMAN_NODE)")
	keyFile := keyFileFlag(fs, env)
	prefix := fs.String("prefix", "415", "prefix the test search uses")
	country := fs.String("country", "US", "country of the test search")
	timeout := fs.Duration("timeout", 15*time.Second, "how long the test search may take")
	if i := firstArgument(fs, args); i >= 0 && args[i] == "audit" {
		// audit has flags of its own (audit.go).
		return runCarriersAudit(ctx, env, slices.Delete(slices.Clone(args), i, i+1))
	}
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: numan carriers [flags]            list carriers and their settings")
		fmt.Fprintln(w, "       numan carriers test [flags] NAME  search once at NAME to check its settings")
		fmt.Fprintln(w, "       numan carriers audit [flags] NAME compare what NAME holds with Numan's numbers (its flags: carriers audit -h)")
		fmt.Fprintln(w, "\nflags (before or after the arguments):")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	isTest := fs.NArg() > 0 && fs.Arg(0) == "test"
	if isTest {
		if fs.NArg() == 2 && fs.Arg(1) == "help" {
			fs.Usage()
			return flag.ErrHelp
		}
		_ = fs.Parse(append([]string{"--"}, fs.Args()[1:]...))
	}
	ss, err := openSealed(ctx, env, *db, *keyFile)
	if err != nil {
		return err
	}
	st := ss.st
	defer st.Close()
	src := ss.source(*node, time.Second)
	if !isTest {
		if fs.NArg() != 0 {
			return usageError{"carriers takes no arguments (did you mean 'carriers test NAME'?)"}
		}
		cfg, _, err := src.NumberManager(ctx)
		if err != nil {
			return err
		}
		for _, name := range carrier.Names() {
			raw, err := src.Carrier(ctx, name)
			if err != nil {
				return err
			}
			var keys map[string]json.RawMessage
			_ = json.Unmarshal(raw, &keys)
			shown, _ := json.Marshal(config.Redact(keys))
			mark := " "
			if slices.Contains(cfg.CarrierModules, name) {
				mark = "*"
			}
			fmt.Fprintf(env.Stdout, "%s %-18s %s\n", mark, name, shown)
		}
		fmt.Fprintln(env.Stdout, "(* = searched: in number_manager.carrier_modules)")
		return nil
	}
	if fs.NArg() != 1 {
		return usageError{"carriers test takes one carrier name"}
	}
	m := manager.New(st, src, manager.Options{Logger: newLogger(env, "text", "warn")})
	c, err := m.Carrier(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	p, err := manager.NormalizePrefix(*prefix, *country)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	started := time.Now()
	found, err := c.FindNumbers(cctx, p, 1, carrier.SearchOptions{Country: *country, Dialcode: manager.Dialcode(*country), AccountID: "00000000000000000000000000000000"})
	if err != nil {
		return fmt.Errorf("%s: search %s failed after %s: %w", c.Info().Name, p, time.Since(started).Round(time.Millisecond), err)
	}
	fmt.Fprintf(env.Stdout, "%s: ok, search %s answered %d number(s) in %s\n", c.Info().Name, p, len(found), time.Since(started).Round(time.Millisecond))
	return nil
}

// runReconcile settles purchases interrupted between a carrier's answer and
// the database write (the server also does this in the background).
func runReconcile(ctx context.Context, env *Env, args []string) error {
	fs := flagSet(env, "reconcile")
	db := dbFlag(fs, env, DefaultDB, "SQLite `file`, or a postgres:// URL (NUMAN_DB)")
	node := fs.String("node", envOr(env, "NUMAN_NODE", ""), "node whose system-config sections apply (NUMAN_NODE)")
	older := fs.Duration("older-than", 5*time.Minute, "only settle purchase intents older than this (a younger one may still be in progress)")
	keyFile := keyFileFlag(fs, env)
	if err := parse(fs, args); err != nil {
		return err
	}
	ss, err := openSealed(ctx, env, *db, *keyFile)
	if err != nil {
		return err
	}
	st := ss.st
	defer st.Close()
	m := manager.New(st, ss.source(*node, time.Second), manager.Options{Logger: newLogger(env, "text", "warn")})
	rep, err := m.Reconcile(ctx, *older)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "recorded %d, dropped %d, pending %d\n", len(rep.Recorded), len(rep.Dropped), len(rep.Pending))
	for _, n := range rep.Recorded {
		fmt.Fprintf(env.Stdout, "recorded %s\n", n)
	}
	for _, n := range rep.Dropped {
		fmt.Fprintf(env.Stdout, "dropped  %s\n", n)
	}
	for _, n := range rep.Pending {
		fmt.Fprintf(env.Stdout, "pending  %s\n", n)
	}
	return nil
}
