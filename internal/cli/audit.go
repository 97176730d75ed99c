package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
)

// runCarriersAudit is numan carriers audit NAME: it compares what the
// carrier holds for the operator's account with what Numan records, and
// prints the numbers paid for but unknown to Numan, those Numan sells that
// the carrier no longer holds, and those they describe differently.
// Progress goes to stderr when it is a terminal, the report to stdout. Like
// carriers test it reads the database directly: the carrier's settings and
// Numan's numbers live there.
func runCarriersAudit(ctx context.Context, env *Env, args []string) error {
	fs := flagSet(env, "carriers audit")
	db := dbFlag(fs, env, DefaultDB, "SQLite `file`, or a postgres:// URL (NUMAN_DB)")
	node := fs.String("node", envOr(env, "NUMAN_NODE", ""), "node whose system-config sections apply (NUMAN_NODE)")
	doImport := fs.Bool("import", false, "add the numbers the carrier holds and Numan does not know to the pool (state available)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	limit := fs.Int("limit", manager.DefaultAuditLimit, "how many numbers of each finding the report lists (the counts are always complete)")
	callTimeout := fs.Duration("call-timeout", time.Minute, "deadline of each call to the carrier")
	progress := fs.String("progress", "auto", "progress on stderr: auto (when stderr is a terminal), always or never")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: numan carriers audit [flags] NAME")
		fmt.Fprintln(w, "\nCompare the numbers carrier NAME holds for the operator's account with Numan's records: numbers")
		fmt.Fprintln(w, "paid for but unknown to Numan (--import adds them to the pool), numbers Numan sells that the")
		fmt.Fprintln(w, "carrier no longer holds, and numbers they describe differently.")
		fmt.Fprintln(w, "\nflags (before or after the arguments):")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"carriers audit takes one carrier name"}
	}
	showProgress := false
	switch *progress {
	case "auto":
		showProgress = isTerminal(env.Stderr)
	case "always":
		showProgress = true
	case "never":
	default:
		return usagef("-progress is auto, always or never, not %q", *progress)
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return fmt.Errorf("open %s: %w", redactDSN(*db), err)
	}
	defer st.Close()
	m := manager.New(st, config.NewSource(st, *node, time.Second), manager.Options{Logger: newLogger(env, "text", "warn")})
	opts := manager.AuditOptions{Import: *doImport, Limit: *limit, CallTimeout: *callTimeout}
	if showProgress {
		opts.Progress = auditProgress(env.Stderr)
	}
	rep, err := m.Audit(ctx, fs.Arg(0), opts)
	if rep != nil {
		if *asJSON {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			if jerr := enc.Encode(rep); jerr != nil && err == nil {
				err = jerr
			}
		} else {
			printAudit(env.Stdout, rep, err != nil)
		}
	}
	return err
}

// firstArgument is the index in args of the first positional argument
// for fs (flags taking a value skip it), or -1 when there is none.
func firstArgument(fs *flag.FlagSet, args []string) int {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				return i + 1
			}
			return -1
		case len(a) > 1 && a[0] == '-':
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if f := fs.Lookup(name); f != nil {
				if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
					i++ // its value
				}
			}
		default:
			return i
		}
	}
	return -1
}

// auditProgress redraws one line on w after each page.
func auditProgress(w io.Writer) func(manager.AuditProgress) {
	return func(p manager.AuditProgress) {
		end := "\r"
		if p.Phase == "done" {
			end = "\n"
		}
		fmt.Fprintf(w, "\r%-8s %d pages, %d held, %d checked: %d unknown, %d vanished, %d mismatched, %d imported%s",
			p.Phase, p.Pages, p.Held, p.Checked, p.Unknown, p.Vanished, p.Mismatched, p.Imported, end)
	}
}

// isTerminal reports whether w is a character device (a terminal), where
// a redrawn progress line makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// printAudit writes the report for a person.
func printAudit(w io.Writer, rep *manager.AuditReport, stopped bool) {
	fmt.Fprintf(w, "carrier %s: %d pages listed, %d numbers held; %d of Numan's numbers checked, %d changed during the audit (not judged)\n",
		rep.Carrier, rep.Pages, rep.Held, rep.Checked, rep.Skipped)
	if stopped {
		fmt.Fprintln(w, "the audit stopped before the end of the listing: the findings below are partial")
	}
	section := func(title string, f manager.AuditFindings, line func(manager.AuditEntry) string) {
		fmt.Fprintf(w, "%s: %d\n", title, f.Count)
		for _, e := range f.Numbers {
			fmt.Fprintf(w, "  %s\n", line(e))
		}
		if more := f.Count - len(f.Numbers); more > 0 {
			fmt.Fprintf(w, "  ... and %d more (-limit, or -json)\n", more)
		}
	}
	section("unknown (the carrier holds them, Numan does not record them)", rep.Unknown, func(e manager.AuditEntry) string {
		parts := []string{e.Number}
		if e.CarrierStatus != "" {
			parts = append(parts, e.CarrierStatus)
		}
		if len(e.CarrierData) > 0 {
			raw, _ := json.Marshal(e.CarrierData)
			parts = append(parts, string(raw))
		}
		if e.Imported {
			parts = append(parts, "imported")
		}
		return strings.Join(parts, "  ")
	})
	switch {
	case rep.VanishedChecked:
		section("vanished (Numan sells them, the carrier does not hold them)", rep.Vanished, func(e manager.AuditEntry) string {
			return strings.TrimSpace(fmt.Sprintf("%s  %s  %s", e.Number, e.State, e.AssignedTo))
		})
	case !stopped:
		fmt.Fprintln(w, "vanished: not looked for (the carrier holds more numbers than an audit remembers)")
	}
	section("mismatched (both know them, and disagree)", rep.Mismatched, func(e manager.AuditEntry) string {
		diffs := make([]string, 0, len(e.Differences))
		for _, d := range e.Differences {
			diffs = append(diffs, fmt.Sprintf("%s: Numan %q, carrier %q", d.Field, d.Numan, d.Carrier))
		}
		return fmt.Sprintf("%s  %s  %s", e.Number, e.State, strings.Join(diffs, "; "))
	})
	fmt.Fprintf(w, "imported: %d\n", rep.Imported)
}
