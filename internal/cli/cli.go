// Package cli is the numan command: the server (serve, migrate), and the
// operator commands that talk to a running server over its Kazoo-compatible
// API. Each subcommand is a function over a flag.FlagSet in its own file;
// nothing here calls os.Exit.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// Version is the numan version, set at build time with
// -ldflags "-X github.com/numan-dev/numan/internal/cli.Version=v1.2.3".
var Version = ""

// version returns Version, or the module version the binary was built from.
func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Env is what a command may touch of the outside world, so tests can run
// commands in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Interrupt, when set, stops serve (tests); signals do it otherwise.
	Interrupt <-chan struct{}
}

type command struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":     {"run the API server", runServe},
		"migrate":   {"apply database migrations and exit", runMigrate},
		"version":   {"print the version", runVersion},
		"login":     {"trade an API key for an auth token", runLogin},
		"accounts":  {"accounts: create, list, get, api-key", runAccounts},
		"numbers":   {"numbers: search, list, get, add, activate, reserve, release, delete, import, export", runNumbers},
		"config":    {"system config: get, set, delete", runConfig},
		"quote":     {"what buying (or creating, reserving) numbers would cost an account", runQuote},
		"bench":     {"load-test GET of a number and search over HTTP", runBench},
		"carriers":  {"list carriers and their settings; 'carriers test NAME' checks one", runCarriers},
		"reconcile": {"settle purchases interrupted between a carrier's answer and the database", runReconcile},
	}
}

// Main runs the numan command with the process's environment and returns
// its exit code.
func Main(ctx context.Context, args []string) int {
	return Run(ctx, args, &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
}

// Run runs the numan command line args in env and returns the exit code:
// 0 on success, 2 on a usage error, 1 on any other failure.
func Run(ctx context.Context, args []string, env *Env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "numan: unknown command %q\n\n", args[0])
		usage(env.Stderr)
		return 2
	}
	err := cmd.run(ctx, env, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(env.Stderr, "numan %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(env.Stderr, "numan %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: numan <command> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'numan <command> -h' for a command's flags.")
}

// usageError is a command line that does not make sense.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// flagSet returns a FlagSet that reports errors instead of exiting.
func flagSet(env *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("numan "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// envOr is the environment variable name when set, else def.
func envOr(env *Env, name, def string) string {
	if v := env.Getenv(name); v != "" {
		return v
	}
	return def
}

// durationEnv reads a duration from the environment, else def.
func durationEnv(env *Env, name string, def time.Duration) time.Duration {
	if v := env.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

// subcommand splits "numbers list ..." style arguments.
func subcommand(args []string, known []string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, usagef("missing subcommand: one of %s", strings.Join(known, ", "))
	}
	for _, k := range known {
		if args[0] == k {
			return k, args[1:], nil
		}
	}
	return "", nil, usagef("unknown subcommand %q: one of %s", args[0], strings.Join(known, ", "))
}

func runVersion(_ context.Context, env *Env, args []string) error {
	fs := flagSet(env, "version")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "numan", version())
	return nil
}
