package sqlstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlstore"
	"github.com/numan-dev/numan/store/storetest"
)

// outboxChildEnv makes TestOutboxChild a child writing to the store of
// its value ("mode dsn"); unset, TestOutboxChild does nothing.
const outboxChildEnv = "NUMAN_OUTBOX_CHILD"

// outboxNumbers are the numbers the child writes.
var outboxNumbers = []string{"+14155550700", "+14155550701", "+14155550702", "+14155550703"}

// TestOutboxChild is the child process of TestOutboxSurvivesKill. In mode
// "hold" it updates a number and appends an explicit event in one
// transaction, says IN_TX, and waits inside the transaction to be killed.
// In mode "loop" it does such transactions forever, saying COMMITTED
// after each commit.
func TestOutboxChild(t *testing.T) {
	arg := os.Getenv(outboxChildEnv)
	if arg == "" {
		t.Skip("only run as the child of TestOutboxSurvivesKill")
	}
	mode, dsn, _ := strings.Cut(arg, " ")
	ctx := event.WithActor(context.Background(), event.Actor{Via: "job"}, "kill-test")
	s, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	write := func(i int, hold bool) error {
		return s.InTx(ctx, func(tx store.Tx) error {
			n, err := tx.GetNumberForUpdate(ctx, outboxNumbers[i%len(outboxNumbers)])
			if err != nil {
				return err
			}
			n.UsedBy = fmt.Sprint("app", i)
			if err := tx.UpdateNumber(ctx, n); err != nil {
				return err
			}
			if err := tx.AppendEvents(ctx, []*event.Event{event.New(ctx, event.ChargePosted, "", n.Number, map[string]int{"i": i})}); err != nil {
				return err
			}
			if hold {
				fmt.Println("IN_TX")
				select {} // until killed
			}
			return nil
		})
	}
	for i := 0; ; i++ {
		if err := write(i, mode == "hold"); err != nil {
			t.Fatal(err)
		}
		fmt.Println("COMMITTED")
	}
}

// TestOutboxSurvivesKill kills (SIGKILL) a process writing numbers and
// their events, inside a transaction and between transactions, on both
// stores: afterwards every number has exactly the events of the writes
// that committed (one number event per version, one explicit event per
// update), never an event without its change or a change without its
// event.
func TestOutboxSurvivesKill(t *testing.T) {
	storetest.EachKind(t, func(t *testing.T, _ storetest.Opener) {
		for _, mode := range []string{"hold", "loop"} {
			t.Run(mode, func(t *testing.T) {
				var dsn string
				if strings.HasPrefix(t.Name(), "TestOutboxSurvivesKill/SQLite") {
					dsn = filepath.Join(t.TempDir(), "numan.db")
				} else {
					dsn = storetest.PostgresDSN(t)
				}
				s, err := sqlstore.Open(t.Context(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				for _, e := range outboxNumbers {
					if err := s.InsertNumber(t.Context(), number.New(e, number.InService, "local", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))); err != nil {
						t.Fatal(err)
					}
				}
				killChild(t, mode, dsn)
				total := 0
				for _, e := range outboxNumbers {
					n, err := s.GetNumber(t.Context(), e)
					if err != nil {
						t.Fatal(err)
					}
					es, err := s.ListEvents(t.Context(), event.Query{Number: e})
					if err != nil {
						t.Fatal(err)
					}
					numberEvents, explicit := 0, 0
					for _, ev := range es {
						if strings.HasPrefix(ev.Type, "number.") {
							numberEvents++
						} else {
							explicit++
						}
					}
					if int64(numberEvents) != n.Version || int64(explicit) != n.Version-1 {
						t.Errorf("%s at version %d has %d number events and %d explicit ones, want %d and %d",
							e, n.Version, numberEvents, explicit, n.Version, n.Version-1)
					}
					total += int(n.Version - 1)
				}
				if mode == "hold" && total != 0 {
					t.Errorf("the transaction killed before its commit left %d writes", total)
				}
				if mode == "loop" && total == 0 {
					t.Errorf("the looping child committed nothing")
				}
			})
		}
	})
}

// killChild runs the child in mode on dsn and kills it with SIGKILL: in
// "hold" once it is inside its transaction, in "loop" after 20 commits
// (while it goes on writing).
func killChild(t *testing.T, mode, dsn string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestOutboxChild$")
	cmd.Env = append(os.Environ(), outboxChildEnv+"="+mode+" "+dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines, want := bufio.NewScanner(out), map[string]int{"hold": 1, "loop": 20}[mode]
	seen := 0
	for seen < want && lines.Scan() {
		if l := lines.Text(); l == "IN_TX" || l == "COMMITTED" {
			seen++
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if seen < want {
		t.Fatalf("the child ended after %d lines: %v", seen, lines.Err())
	}
}
