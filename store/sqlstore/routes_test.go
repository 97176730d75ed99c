package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/migrations"
	"github.com/numan-dev/numan/store/sqlstore"
	"github.com/numan-dev/numan/store/storetest"
)

// Events are queued only while something takes them (migration 00016):
// on PostgreSQL a webhook saved enabled while a transaction that wrote
// events without queueing them is open commits after it, and an event
// written while such a webhook's transaction is open waits for it and is
// queued. Without the advisory lock between them, the first transaction's
// event would commit after the webhook, unqueued, and the second event
// would miss the webhook not yet committed.
func TestEventsAndAWebhookSavedAtOnce(t *testing.T) {
	ctx, st, acc := routesStore(t)
	hook := func(id string) *store.Webhook {
		return &store.Webhook{ID: id, AccountID: acc.ID, Enabled: true, Doc: json.RawMessage(`{}`), Created: time.Now(), Modified: time.Now()}
	}

	// A transaction wrote an event, not queued (nothing takes events):
	// the webhook's insert waits until it has committed.
	commit := insertHeld(ctx, st, number.New("+14155550941", number.Available, "local", time.Now()))
	saved := make(chan error, 1)
	go func() { saved <- st.InsertWebhook(ctx, hook("hook-1")) }()
	waitForRoutesLock(t, st)
	select {
	case err := <-saved:
		t.Fatalf("the webhook was saved (%v) while a transaction that wrote an unqueued event was open", err)
	default:
	}
	if err := commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteWebhook(ctx, "hook-1"); err != nil {
		t.Fatal(err)
	}

	// A webhook saved enabled in a transaction still open: an event
	// written meanwhile waits for it, and is queued.
	inserted, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- st.InTx(ctx, func(tx store.Tx) error {
			err := tx.InsertWebhook(ctx, hook("hook-2"))
			close(inserted)
			<-release
			return err
		})
	}()
	<-inserted
	wrote := make(chan error, 1)
	go func() {
		wrote <- st.InsertNumber(ctx, number.New("+14155550942", number.Available, "local", time.Now()))
	}()
	waitForRoutesLock(t, st)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	var routed []string
	dispatchAll(t, st, 10, time.Now(), func(e *event.Event) []store.Delivery {
		routed = append(routed, e.Number)
		return nil
	})
	if !slices.Equal(routed, []string{"+14155550942"}) {
		t.Errorf("dispatched %v, want only the event written while the webhook was saved", routed)
	}
}

// A webhook's save whose context ends while it waits for the routes'
// lock fails and saves nothing; the events' writer it waited for goes on.
func TestWebhookSaveCancelledWhileWaitingForEvents(t *testing.T) {
	ctx, st, acc := routesStore(t)
	commit := insertHeld(ctx, st, number.New("+14155550951", number.Available, "local", time.Now()))
	saveCtx, cancel := context.WithCancel(ctx)
	saved := make(chan error, 1)
	go func() {
		saved <- st.InsertWebhook(saveCtx, &store.Webhook{ID: "hook-cancelled", AccountID: acc.ID, Enabled: true,
			Doc: json.RawMessage(`{}`), Created: time.Now(), Modified: time.Now()})
	}()
	waitForRoutesLock(t, st)
	cancel()
	if err := <-saved; err == nil {
		t.Fatal("a webhook saved although its context ended while it waited")
	}
	if err := commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetWebhook(ctx, "hook-cancelled"); !number.IsKind(err, number.KindNotFound) {
		t.Errorf("GetWebhook after the cancelled save: %v, want not found", err)
	}
	if _, err := st.GetNumber(ctx, "+14155550951"); err != nil {
		t.Errorf("the writer's number: %v", err)
	}
}

// routesStore opens a PostgreSQL store for a routes test, with a
// context of the system acting and an account for webhooks.
func routesStore(t *testing.T) (context.Context, *sqlstore.Store, *number.Account) {
	ctx := event.WithActor(t.Context(), event.Actor{Via: "system"}, "")
	st, err := sqlstore.OpenPostgres(ctx, storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	acc := &number.Account{ID: fmt.Sprintf("%032x", 7), Name: "a", Enabled: true, Public: number.Doc{}, Created: time.Now(), Modified: time.Now()}
	if err := st.InsertAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	return ctx, st, acc
}

// waitForRoutesLock returns once a transaction waits for the advisory lock
// between writes of events and of webhooks (a bigint key shows in pg_locks
// as its high and low halves). The deadline only guards against a hang.
func waitForRoutesLock(t *testing.T, st *sqlstore.Store) {
	t.Helper()
	key := uint64(sqlstore.RoutesLockKey)
	q := fmt.Sprintf("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = %d AND objid = %d AND objsubid = 1",
		key>>32, key&0xffffffff)
	guard := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		if err := st.RawQueryRowForTest(context.WithoutCancel(t.Context()), q, &waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		if time.Now().After(guard) {
			t.Fatal("nothing waits for the routes' lock")
		}
	}
}

// The trigger's lock (migration 00016) is the one the store's writes take.
func TestRoutesLockKeyIsTheMigrations(t *testing.T) {
	sql, err := fs.ReadFile(migrations.Postgres, "00016_event_queue_routes.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sql), "pg_advisory_xact_lock_shared("+strconv.FormatInt(sqlstore.RoutesLockKey, 10)+")") {
		t.Error("migration 00016's trigger takes another lock than routesLockKey")
	}
}
