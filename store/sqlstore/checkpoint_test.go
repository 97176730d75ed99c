package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlstore"
)

// TestSQLiteCheckpointsInTheBackground: a commit wakes a checkpoint on a
// read connection, which copies the write-ahead log into the database
// file (the writer would only past walBackstopPages, far more than this
// test writes).
func TestSQLiteCheckpointsInTheBackground(t *testing.T) {
	ctx, st, path, ran := checkpointedStore(t)
	size := func() int64 { return fileSize(t, path) }
	before := size()
	now := time.Now()
	var ns []*number.Number
	for i := range 2000 {
		ns = append(ns, number.New(fmt.Sprintf("+1415%07d", i), number.Available, "local", now))
	}
	if err := st.InsertNumbers(ctx, ns); err != nil {
		t.Fatal(err)
	}
	// The insert's commit wakes a checkpoint that starts after it (one
	// woken by an earlier commit may run first).
	for range 2 {
		select {
		case <-ran:
		case <-time.After(time.Minute):
			t.Fatal("no background checkpoint a minute after a commit")
		}
		if size() > before+1<<20 {
			return
		}
	}
	t.Fatalf("the database file grew from %d to %d bytes after the insert's checkpoint; want its pages copied from the log", before, size())
}

// TestSQLiteWatchHearsCommitsInOrder: a store reports its writes to its
// watches after releasing the write connection, in commit order, and
// before the write returns: 20 writers updating one number concurrently
// are heard version after version.
func TestSQLiteWatchHearsCommitsInOrder(t *testing.T) {
	ctx := event.WithActor(t.Context(), event.Actor{Via: "system"}, "")
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const e164 = "+14155550700"
	var (
		mu    sync.Mutex
		heard []int64
	)
	err = st.WatchNumbers(ctx, store.NumberWatch{
		Changed: func(cs []store.NumberChange) {
			mu.Lock()
			defer mu.Unlock()
			for _, c := range cs {
				if c.Number == e164 && c.Written != nil {
					heard = append(heard, c.Written.Version)
				}
			}
		},
		Resync: func() {},
		Lost:   func() {},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.InsertNumber(ctx, number.New(e164, number.Available, "local", time.Now())); err != nil {
		t.Fatal(err)
	}
	const writers, each = 20, 10
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				var mine int64
				err := st.InTx(ctx, func(tx store.Tx) error {
					n, err := tx.GetNumber(ctx, e164)
					if err != nil {
						return err
					}
					n.UsedBy = "callflow"
					if err := tx.UpdateNumber(ctx, n); err != nil {
						return err
					}
					mine = n.Version
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got := slices.Contains(heard, mine)
				mu.Unlock()
				if !got {
					t.Errorf("version %d committed but not heard when its write returned", mine)
				}
			}
		})
	}
	wg.Wait()
	want := make([]int64, 0, writers*each+1)
	for v := range int64(writers*each + 1) {
		want = append(want, v+1)
	}
	if !slices.Equal(heard, want) {
		t.Fatalf("heard versions %v; want 1 to %d in order", heard, writers*each+1)
	}
}

// TestSQLiteCutsItsLogBack: after a transaction larger than WALSizeLimit
// has been checkpointed, the next write starts the log again and cuts the
// file back to the limit (it stayed at its largest, 724 MB after
// numan bench's bulk loads).
func TestSQLiteCutsItsLogBack(t *testing.T) {
	ctx, st, path, ran := checkpointedStore(t)
	walSize := func() int64 { return fileSize(t, path+"-wal") }
	now := time.Now()
	big, _ := json.Marshal(strings.Repeat("x", 64<<10))
	var ns []*number.Number
	for i := range sqlstore.WALSizeLimit/(64<<10) + 200 {
		n := number.New(fmt.Sprintf("+1415%07d", i), number.Available, "local", now)
		n.Public = number.Doc{"note": big}
		ns = append(ns, n)
	}
	if err := st.InsertNumbers(ctx, ns); err != nil {
		t.Fatal(err)
	}
	if walSize() <= sqlstore.WALSizeLimit {
		t.Fatalf("the log is %d bytes after the load, not past the limit: the test shows nothing", walSize())
	}
	// A checkpoint after a commit, then a write: the log starts again
	// once a checkpoint copied all of it (each commit wakes another).
	for i := range 5 {
		select {
		case <-ran:
		case <-time.After(time.Minute):
			t.Fatal("no background checkpoint a minute after a commit")
		}
		if err := st.InsertNumber(ctx, number.New(fmt.Sprintf("+1416%07d", i), number.Available, "local", now)); err != nil {
			t.Fatal(err)
		}
		if walSize() <= sqlstore.WALSizeLimit {
			return
		}
	}
	t.Fatalf("the log is still %d bytes, past the limit of %d", walSize(), sqlstore.WALSizeLimit)
}

// checkpointedStore opens a SQLite store in a new file, with a context of
// the system acting; ran receives a value after each background
// checkpoint.
func checkpointedStore(t *testing.T) (ctx context.Context, st *sqlstore.Store, path string, ran chan struct{}) {
	t.Helper()
	ctx = event.WithActor(t.Context(), event.Actor{Via: "system"}, "")
	path = filepath.Join(t.TempDir(), "numan.db")
	st, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ran = make(chan struct{}, 100)
	sqlstore.SetAfterCheckpointForTest(st, func() { ran <- struct{}{} })
	return ctx, st, path, ran
}

// fileSize is the size of the file at path.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
