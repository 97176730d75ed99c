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
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/numan-dev/numan/event"
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
		"accounts":  {"accounts: create, list, get, api-key, delete", runAccounts},
		"numbers":   {"numbers: search, list, get, history, add, activate, reserve, release, delete, used-by, import, export", runNumbers},
		"config":    {"system config: get, set, delete", runConfig},
		"features":  {"an account's number_manager settings, routing jobs, manual feature actions", runFeatures},
		"ports":     {"port requests: list, create, get, update, move, comment, timeline, attach, the LOA", runPorts},
		"webhooks":  {"webhooks: list, create, get, enable, disable, rotate, attempts, deliveries, replay, delete", runWebhooks},
		"quote":     {"what buying (or creating, reserving) numbers would cost an account", runQuote},
		"bench":     {"load-test GET of a number and search over HTTP", runBench},
		"carriers":  {"list carriers and their settings; 'carriers test NAME' checks one, 'carriers audit NAME' compares its numbers with Numan's", runCarriers},
		"reconcile": {"settle purchases interrupted between a carrier's answer and the database", runReconcile},
		"secrets":   {"the key sealing secrets in the database: generate, rotate", runSecrets},
	}
}

// Main runs the numan command with the process's environment and returns
// its exit code.
func Main(ctx context.Context, args []string) int {
	return Run(ctx, args, &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
}

// Run runs the numan command line args in env and returns the exit code:
// 0 on success, 2 on a usage error, 1 on any other failure. Help (numan
// help, -h, --help, at any level) goes to stdout and exits 0.
func Run(ctx context.Context, args []string, env *Env) int {
	// What the command changes in a store it opens is recorded as done by
	// the command line (the server sets its own actor per request).
	ctx = event.WithActor(ctx, event.Actor{Via: "cli"}, "")
	if len(args) == 0 {
		usage(env.Stderr)
		return 2
	}
	if isHelp(args[0]) {
		if len(args) == 1 {
			usage(env.Stdout)
			return 0
		}
		// numan help numbers [list] is numan numbers [list] -h.
		args = slices.Concat(args[1:], []string{"-h"})
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
		fmt.Fprintf(env.Stderr, "numan %s: %v\n(numan %s -h shows how to use it)\n", args[0], err, args[0])
		return 2
	default:
		fmt.Fprintf(env.Stderr, "numan %s: %v\n", args[0], err)
		return 1
	}
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
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
	fmt.Fprintln(w, "\nRun 'numan <command> -h' (or 'numan help <command>') for a command's flags.")
	fmt.Fprintln(w, "Flags may come before or after the arguments; '--' ends the flags.")
}

// usageError is a command line that does not make sense.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// flagSet returns the FlagSet of "numan <name>": its help goes to stdout;
// its errors are returned, never printed (Run prints them on stderr).
func flagSet(env *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("numan "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stdout)
	fs.Usage = func() { printCommandHelp(fs, name) }
	return fs
}

// printCommandHelp writes the help of "numan <name>": its synopsis, what
// it does, and its flags.
func printCommandHelp(fs *flag.FlagSet, name string) {
	w := fs.Output()
	h := helpOf(name)
	fmt.Fprintf(w, "usage: numan %s %s\n", name, h.synopsis)
	if h.summary != "" {
		fmt.Fprintf(w, "\n%s\n", h.summary)
	}
	fmt.Fprintln(w, "\nflags (before or after the arguments):")
	fs.PrintDefaults()
}

// parse parses args with flags anywhere among the positional arguments
// (Go's flag package stops at the first argument; an operator types
// "numan config delete ID --node n1"). "--" ends the flags. A lone "help"
// argument, like -h, prints the help to stdout and returns flag.ErrHelp;
// any other flag error is a usage error.
func parse(fs *flag.FlagSet, args []string) error {
	out, help := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard) // the flag package would print errors and usage itself
	fs.Usage = func() {}
	restore := func() { fs.SetOutput(out); fs.Usage = help }
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			restore()
			if errors.Is(err, flag.ErrHelp) {
				fs.Usage()
				return err
			}
			return usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	restore()
	if len(positional) == 1 && positional[0] == "help" {
		fs.Usage()
		return flag.ErrHelp
	}
	// Leave the positional arguments as fs.Args().
	return fs.Parse(append([]string{"--"}, positional...))
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

// intEnv reads an integer from the environment, else def.
func intEnv(env *Env, name string, def int) int {
	if v := env.Getenv(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

// subcommand splits "numbers list ..." style arguments. "numan numbers",
// with -h, --help or help, prints the command's subcommands to stdout
// (flag.ErrHelp); "numan numbers help list" is "numan numbers list -h".
func subcommand(env *Env, cmd string, args []string) (string, []string, error) {
	subs := subcommands[cmd]
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	if len(args) == 0 {
		return "", nil, usagef("missing subcommand: one of %s", strings.Join(names, ", "))
	}
	if isHelp(args[0]) {
		if len(args) > 1 && slices.Contains(names, args[1]) {
			return args[1], slices.Concat(args[2:], []string{"-h"}), nil
		}
		printSubcommands(env.Stdout, cmd)
		return "", nil, flag.ErrHelp
	}
	if slices.Contains(names, args[0]) {
		return args[0], args[1:], nil
	}
	return "", nil, usagef("unknown subcommand %q: one of %s", args[0], strings.Join(names, ", "))
}

// printSubcommands is the help of a command with subcommands.
func printSubcommands(w io.Writer, cmd string) {
	fmt.Fprintf(w, "usage: numan %s <subcommand> [flags] [args]\n\n%s\n\nsubcommands:\n", cmd, commands()[cmd].summary)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range subcommands[cmd] {
		fmt.Fprintf(tw, "  %s %s\t%s\n", s.name, s.synopsis, s.summary)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nRun 'numan %s <subcommand> -h' for its flags.\n", cmd)
}

func runVersion(_ context.Context, env *Env, args []string) error {
	fs := flagSet(env, "version")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "numan", version())
	return nil
}
