package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// eventDoc is the stored document of an event: what is not a column.
type eventDoc struct {
	Actor     event.Actor     `json:"actor"`
	RequestID string          `json:"request_id,omitempty"`
	Before    json.RawMessage `json:"before,omitempty"`
	After     json.RawMessage `json:"after,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// encodeEventDoc encodes e's eventDoc as json.Marshal does, but appends
// the snapshots (event.SnapshotOf's encoding, the only one they have) as
// they are, where json.Marshal would check and copy them again: a bulk
// load writes an event per number. Data, which callers encode, is checked.
func encodeEventDoc(e *event.Event) ([]byte, error) {
	if len(e.Data) > 0 && !json.Valid(e.Data) {
		return nil, errors.New("event data is not JSON")
	}
	a := e.Actor
	doc := make([]byte, 0, 128+len(a.AccountID)+len(a.UserID)+len(a.Via)+len(e.RequestID)+len(e.Before)+len(e.After)+len(e.Data))
	doc = e.Actor.AppendJSON(append(doc, `{"actor":`...))
	if e.RequestID != "" {
		doc = event.AppendJSONString(append(doc, `,"request_id":`...), e.RequestID)
	}
	for _, f := range []struct {
		key string
		raw json.RawMessage
	}{{`,"before":`, e.Before}, {`,"after":`, e.After}, {`,"data":`, e.Data}} {
		if len(f.raw) > 0 {
			doc = append(append(doc, f.key...), f.raw...)
		}
	}
	return append(doc, '}'), nil
}

// eventHeaderColumns are what scanEventHeader reads; eventColumns, what
// scanEvent reads.
const (
	eventHeaderColumns = "seq, id, type, created, account_id, number"
	eventColumns       = eventHeaderColumns + ", doc"
)

var eventColumnList = []string{"id", "type", "created", "account_id", "number", "doc", "origin"}

func (x *executor) eventArgs(e *event.Event) ([]any, error) {
	doc, err := encodeEventDoc(e)
	if err != nil {
		return nil, err
	}
	e.Time = storedTime(e.Time)
	return []any{e.ID, e.Type, x.d.time(e.Time), e.AccountID, e.Number, string(doc), x.s.origin}, nil
}

func scanEvent(row scanner) (*event.Event, error) {
	var (
		e   event.Event
		doc []byte
	)
	if err := row.Scan(&e.Seq, &e.ID, &e.Type, scanTime(&e.Time), &e.AccountID, &e.Number, &doc); err != nil {
		return nil, err
	}
	var d eventDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	e.Actor, e.RequestID, e.Before, e.After, e.Data = d.Actor, d.RequestID, d.Before, d.After, d.Data
	return &e, nil
}

// scanEventHeader reads an event without its body (actor, request,
// snapshots and data).
func scanEventHeader(row scanner) (*event.Event, error) {
	var e event.Event
	return &e, row.Scan(&e.Seq, &e.ID, &e.Type, scanTime(&e.Time), &e.AccountID, &e.Number)
}

// bulkEvents is from how many events AppendEvents inserts in bulk (and
// leaves Seq unset) rather than one statement per event.
const bulkEvents = 20

// insertEventRows inserts events' rows (eventArgs) without reading their
// seq back: in bulk from bulkEvents on, else one statement each.
func (x *executor) insertEventRows(ctx context.Context, rows [][]any) error {
	if len(rows) >= bulkEvents {
		if err := x.insertRows(ctx, "events", eventColumnList, rows); err != nil {
			return x.d.internal("append events", "", err)
		}
		return nil
	}
	for _, r := range rows {
		if _, err := x.exec(ctx, insertEventSQL, r...); err != nil {
			return x.d.internal("append event", "", err)
		}
	}
	return nil
}

// AppendEvents implements store.Events.
func (x *executor) AppendEvents(ctx context.Context, es []*event.Event) error {
	if len(es) == 0 {
		return nil
	}
	return x.atomic(ctx, func(x *executor) error {
		rows := make([][]any, len(es))
		for i, e := range es {
			if e.Type == "" || e.ID < event.IDFloor(e.Time) || e.ID >= idCeiling(e.Time) {
				// Not made by event.New: its id would not find it by time.
				return number.NewError(number.KindInternal, e.Number)
			}
			args, err := x.eventArgs(e)
			if err != nil {
				return x.d.internal("append events", e.Number, err)
			}
			rows[i] = args
		}
		if len(es) >= bulkEvents {
			return x.insertEventRows(ctx, rows)
		}
		for i, e := range es {
			if err := x.queryRow(ctx, insertEventReturningSQL, rows[i]...).Scan(&e.Seq); err != nil {
				return x.d.internal("append event", e.Number, err)
			}
		}
		return nil
	})
}

// eventsWhere returns the conditions of q.
func (x *executor) eventsWhere(q event.Query) *where {
	var w where
	if q.ID != "" {
		w.and("id = " + w.arg(q.ID))
	}
	if q.Number != "" {
		w.and("number <> ''")
		w.and("number = " + w.arg(q.Number))
	}
	if q.AccountID != "" {
		if q.Tree {
			a := w.arg(q.AccountID)
			w.and("account_id IN (SELECT id FROM accounts WHERE id = " + a +
				" OR (path > (SELECT path FROM accounts WHERE id = " + a + ")" +
				" AND path < (SELECT substr(path, 1, length(path) - 1) || '0' FROM accounts WHERE id = " + a + ")))")
		} else {
			w.and("account_id = " + w.arg(q.AccountID))
		}
	}
	w.in("type", q.Types)
	if q.AfterSeq > 0 {
		w.and("seq > " + w.arg(q.AfterSeq))
	}
	// A time range is a range of ids too (event.IDFloor), which the id's
	// index finds: events have no index on their time (migration 00015).
	if !q.Since.IsZero() {
		w.and("id >= " + w.arg(event.IDFloor(q.Since)))
		w.and("created >= " + w.arg(x.d.time(q.Since)))
	}
	if !q.Until.IsZero() {
		w.and("id < " + w.arg(idCeiling(q.Until)))
		w.and("created < " + w.arg(x.d.time(q.Until)))
	}
	return &w
}

// sql is the WHERE clause of q's conditions ("" when there are none).
func (q *where) sql() string {
	if len(q.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.conds, " AND ")
}

// ListEvents implements store.Events.
func (x *executor) ListEvents(ctx context.Context, q event.Query) ([]*event.Event, error) {
	w := x.eventsWhere(q)
	query := "SELECT " + eventColumns + " FROM events" + w.sql() + " ORDER BY seq"
	if q.Limit > 0 {
		query += " LIMIT " + w.arg(q.Limit)
	}
	es, err := nonNil(collect(x.query(ctx, query, w.args...), scanEvent))
	if err != nil {
		return nil, x.d.internal("list events", q.Number, err)
	}
	return es, nil
}

// idCeiling is above the id of every event made before t (event.IDFloor
// of the next millisecond).
func idCeiling(t time.Time) string {
	return event.IDFloor(t.Truncate(time.Millisecond).Add(time.Millisecond))
}

// PruneEvents implements store.Events.
func (x *executor) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := x.atomic(ctx, func(x *executor) error {
		// By their ids' range, as eventsWhere does.
		const older = "id < $1 AND created < $2"
		old := "(SELECT seq FROM events WHERE " + older + ")"
		id, t := idCeiling(before), x.d.time(before)
		if _, err := x.exec(ctx, "DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_seq IN "+old+")", id, t); err != nil {
			return err
		}
		if _, err := x.exec(ctx, "DELETE FROM deliveries WHERE event_seq IN "+old, id, t); err != nil {
			return err
		}
		res, err := x.exec(ctx, "DELETE FROM events WHERE "+older, id, t)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, x.d.internal("prune events", "", err)
	}
	return n, nil
}

// appendNumberEvent appends the event of a number write, in x's
// transaction (its Seq is not read back: nobody holds the event).
func (x *executor) appendNumberEvent(ctx context.Context, before, after *number.Number) error {
	e := event.NumberChange(ctx, before, after)
	args, err := x.eventArgs(e)
	if err != nil {
		return x.d.internal("append event", e.Number, err)
	}
	if _, err := x.exec(ctx, insertEventSQL, args...); err != nil {
		return x.d.internal("append event", e.Number, err)
	}
	return nil
}

const (
	insertEventSQL          = "INSERT INTO events (id, type, created, account_id, number, doc, origin) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	insertEventReturningSQL = insertEventSQL + " RETURNING seq"
)

// Webhooks.

const webhookColumns = "id, account_id, enabled, doc, secret_sealed, failures, last_success, created, modified, version"

func scanWebhook(row scanner) (*store.Webhook, error) {
	var (
		h   store.Webhook
		doc []byte
	)
	if err := row.Scan(&h.ID, &h.AccountID, &h.Enabled, &doc, &h.SecretSealed, &h.Failures,
		nullTimeScanner{&h.LastSuccess}, scanTime(&h.Created), scanTime(&h.Modified), &h.Version); err != nil {
		return nil, err
	}
	h.Doc = doc
	return &h, nil
}

// routesLockKey is the advisory lock (PostgreSQL) between the writes of
// events and the writes that let something take them: the trigger that
// queues events for the dispatcher (migration 00016) holds it shared
// before it looks for an enabled webhook or the bus config, and such a
// write holds it exclusively (takingEvents).
const routesLockKey int64 = 7959953074868867141

// takingEvents runs write, which lets something take events when takes
// is set (a webhook saved enabled, the bus config saved): then in one
// transaction, holding the routes' lock exclusively before it writes.
// Events are queued only while something may take them (migration
// 00016), so a transaction that wrote events without queueing them must
// end before such a write commits, and every later one must see it.
// SQLite's writes are serialized anyway (lockRoutes is empty).
func (x *executor) takingEvents(ctx context.Context, takes bool, op, id string, write func(x *executor) error) error {
	if !takes {
		return write(x)
	}
	return x.atomic(ctx, func(x *executor) error {
		if x.d.lockRoutes != "" {
			if _, err := x.exec(ctx, x.d.lockRoutes); err != nil {
				return x.d.internal(op, id, err)
			}
		}
		return write(x)
	})
}

// InsertWebhook implements store.Events.
func (x *executor) InsertWebhook(ctx context.Context, h *store.Webhook) error {
	return x.takingEvents(ctx, h.Enabled, "insert webhook", h.ID, func(x *executor) error { return x.insertWebhook(ctx, h) })
}

func (x *executor) insertWebhook(ctx context.Context, h *store.Webhook) error {
	h.Created, h.Modified = storedTime(h.Created), storedTime(h.Modified)
	_, err := x.exec(ctx, "INSERT INTO webhooks ("+webhookColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)",
		h.ID, h.AccountID, h.Enabled, string(h.Doc), h.SecretSealed, h.Failures, x.d.nullTime(h.LastSuccess),
		x.d.time(h.Created), x.d.time(h.Modified))
	if x.d.is(err, uniqueViolation) {
		return number.NewError(number.KindConflict, h.ID)
	}
	if err != nil {
		return x.d.internal("insert webhook", h.ID, err)
	}
	h.Version = 1
	return nil
}

// GetWebhook implements store.Events.
func (x *executor) GetWebhook(ctx context.Context, id string) (*store.Webhook, error) {
	h, err := scanWebhook(x.queryRow(ctx, "SELECT "+webhookColumns+" FROM webhooks WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, number.NewError(number.KindNotFound, id)
	}
	if err != nil {
		return nil, x.d.internal("get webhook", id, err)
	}
	return h, nil
}

// ListWebhooks implements store.Events.
func (x *executor) ListWebhooks(ctx context.Context, accountID string) ([]*store.Webhook, error) {
	query, args := "SELECT "+webhookColumns+" FROM webhooks ORDER BY id", []any(nil)
	if accountID != "" {
		query, args = "SELECT "+webhookColumns+" FROM webhooks WHERE account_id = $1 ORDER BY id", []any{accountID}
	}
	hs, err := nonNil(collect(x.query(ctx, query, args...), scanWebhook))
	if err != nil {
		return nil, x.d.internal("list webhooks", accountID, err)
	}
	return hs, nil
}

// UpdateWebhook implements store.Events.
func (x *executor) UpdateWebhook(ctx context.Context, h *store.Webhook) error {
	return x.takingEvents(ctx, h.Enabled, "update webhook", h.ID, func(x *executor) error { return x.updateWebhook(ctx, h) })
}

func (x *executor) updateWebhook(ctx context.Context, h *store.Webhook) error {
	h.Modified = storedTime(h.Modified)
	changed, err := x.execOne(ctx, "UPDATE webhooks SET enabled = $2, doc = $3, secret_sealed = $4, failures = $5,"+
		" last_success = $6, modified = $7, version = version + 1 WHERE id = $1 AND version = $8",
		h.ID, h.Enabled, string(h.Doc), h.SecretSealed, h.Failures, x.d.nullTime(h.LastSuccess), x.d.time(h.Modified), h.Version)
	if err != nil {
		return x.d.internal("update webhook", h.ID, err)
	}
	if !changed {
		if _, err := x.GetWebhook(ctx, h.ID); err != nil {
			return err
		}
		return number.NewError(number.KindConflict, h.ID)
	}
	h.Version++
	return nil
}

// DeleteWebhook implements store.Events.
func (x *executor) DeleteWebhook(ctx context.Context, id string) error {
	return x.atomic(ctx, func(x *executor) error {
		changed, err := x.execOne(ctx, "DELETE FROM webhooks WHERE id = $1", id)
		if err != nil {
			return x.d.internal("delete webhook", id, err)
		}
		if !changed {
			return number.NewError(number.KindNotFound, id)
		}
		if _, err := x.exec(ctx, "DELETE FROM delivery_attempts WHERE sink = $1", id); err != nil {
			return x.d.internal("delete webhook", id, err)
		}
		if _, err := x.exec(ctx, "DELETE FROM deliveries WHERE sink = $1", id); err != nil {
			return x.d.internal("delete webhook", id, err)
		}
		return nil
	})
}

// Deliveries.

const deliveryColumns = "id, event_seq, event_id, sink, account_id, subject, status, attempts, next_attempt, created, modified"

func scanDelivery(row scanner) (*store.Delivery, error) {
	var d store.Delivery
	err := row.Scan(&d.ID, &d.EventSeq, &d.EventID, &d.Sink, &d.AccountID, &d.Subject, &d.Status, &d.Attempts,
		scanTime(&d.NextAttempt), scanTime(&d.Created), scanTime(&d.Modified))
	return &d, err
}

var deliveryInsertColumns = []string{"event_seq", "event_id", "sink", "account_id", "subject", "status", "attempts",
	"next_attempt", "lease_owner", "lease_until", "created", "modified"}

// DispatchEvents implements store.Events.
func (x *executor) DispatchEvents(ctx context.Context, limit int, now time.Time, route func(*event.Event) []store.Delivery) (int, error) {
	// The events not dispatched yet are the queue's (migration 00013: a
	// trigger adds each event as it is inserted).
	// Routing needs an event's header only: its body (the number's
	// snapshots), decoded, was most of the dispatcher's cost under a bulk
	// import.
	//
	// The read starts at the queue's head, whatever the last batch was:
	// on PostgreSQL an event below it can commit late (seqs are taken
	// before commit), and the next event of its number, written once it
	// committed, must not be dispatched first (a delivery waits only for
	// earlier deliveries of its number). Without anything to route to,
	// order does not matter: see dropQueued.
	if route == nil {
		return x.dropQueued(ctx, limit)
	}
	es, err := collect(x.query(ctx, "SELECT "+eventHeaderColumns+" FROM events"+
		" WHERE seq IN (SELECT seq FROM event_queue ORDER BY seq LIMIT $1) ORDER BY seq", limit), scanEventHeader)
	if err != nil {
		return 0, x.d.internal("dispatch events", "", err)
	}
	if len(es) == 0 {
		// Queued events pruned before anything dispatched them leave
		// their seq behind: take it out, or the queue's head stays stuck.
		if _, err := x.exec(ctx, "DELETE FROM event_queue WHERE seq IN (SELECT q.seq FROM event_queue q"+
			" LEFT JOIN events e ON e.seq = q.seq WHERE e.seq IS NULL ORDER BY q.seq LIMIT $1)", limit); err != nil {
			return 0, x.d.internal("dispatch events", "", err)
		}
		return 0, nil
	}
	if x.s.afterDispatchRead != nil {
		x.s.afterDispatchRead()
	}
	done := 0
	err = x.atomic(ctx, func(x *executor) error {
		// One conditional statement takes the batch's range off the queue:
		// of two nodes dispatching one event, one gets it back. (A range,
		// not the list of seqs: SQLite parses a statement of 500
		// parameters in time that grows with their square.)
		mine, err := collect(x.query(ctx, "DELETE FROM event_queue WHERE seq >= $1 AND seq <= $2 RETURNING seq", es[0].Seq, es[len(es)-1].Seq),
			func(r scanner) (seq int64, err error) { return seq, r.Scan(&seq) })
		if err != nil {
			return err
		}
		got := make(map[int64]bool, len(mine))
		for _, seq := range mine {
			got[seq] = true
		}
		// On PostgreSQL an event of the range can have committed after
		// the batch was read (seqs are taken before commit): it was taken
		// off the queue with the rest, so the range is read again, now
		// with it, to route it too.
		taken := 0
		for _, e := range es {
			if got[e.Seq] {
				taken++
			}
		}
		if taken < len(mine) {
			if es, err = collect(x.query(ctx, "SELECT "+eventHeaderColumns+" FROM events WHERE seq >= $1 AND seq <= $2 ORDER BY seq",
				es[0].Seq, es[len(es)-1].Seq), scanEventHeader); err != nil {
				return err
			}
		}
		var rows [][]any
		for _, e := range es {
			if !got[e.Seq] {
				continue
			}
			done++
			for _, d := range route(e) {
				t := x.d.time(now)
				rows = append(rows, []any{e.Seq, e.ID, d.Sink, d.AccountID, e.Number, store.DeliveryPending, 0,
					t, "", x.d.time(time.Unix(0, 0)), t, t})
			}
		}
		return x.insertRows(ctx, "deliveries", deliveryInsertColumns, rows)
	})
	if err != nil {
		return 0, x.d.internal("dispatch events", "", err)
	}
	return done, nil
}

// dropQueued is DispatchEvents with nothing to route to: it takes up to
// limit events off the queue without reading them, from after the last
// batch it took: on PostgreSQL the seqs taken off stay in the queue's
// index as dead entries until the table is vacuumed, and every read from
// the head walked them all (under a bulk import, 4 ms a batch, a sixth of
// the database's time). An event below that start that committed late,
// or one another node left, is taken from the head: every
// dispatchSweepEvery passes, and whenever there is none after the last
// batch.
func (x *executor) dropQueued(ctx context.Context, limit int) (int, error) {
	from := x.s.dispatchFrom.Load()
	if x.s.dispatchReads.Add(1)%dispatchSweepEvery == 0 {
		from = 0
	}
	drop := func(from int64) (seqs []int64, err error) {
		err = x.atomic(ctx, func(x *executor) error {
			// A range of the index: as an IN list of the batch's seqs the
			// same delete cost PostgreSQL a third more CPU under a bulk
			// import.
			seqs, err = collect(x.query(ctx, "DELETE FROM event_queue WHERE seq >= $1 AND seq <="+
				" (SELECT max(seq) FROM (SELECT seq FROM event_queue WHERE seq >= $1 ORDER BY seq LIMIT $2) b) RETURNING seq", from, limit),
				func(r scanner) (seq int64, err error) { return seq, r.Scan(&seq) })
			return err
		})
		return seqs, err
	}
	seqs, err := drop(from)
	if err == nil && len(seqs) == 0 && from > 0 {
		seqs, err = drop(0)
	}
	if err != nil {
		return 0, x.d.internal("dispatch events", "", err)
	}
	if len(seqs) > 0 {
		x.s.dispatchFrom.Store(slices.Max(seqs) + 1)
	}
	return len(seqs), nil
}

// dispatchSweepEvery is how often dropQueued takes from the queue's head,
// for events below its last batch (see there).
const dispatchSweepEvery = 20

// ClaimDeliveries implements store.Events: one conditional UPDATE takes
// the due deliveries whose lease expired (on PostgreSQL skipping rows
// another node is claiming right now), and one read returns them with
// their events.
func (x *executor) ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int, sinks []string) ([]*store.Delivery, error) {
	var w where
	t := w.arg(x.d.time(now))
	o := w.arg(owner)
	u := w.arg(x.d.time(storedTime(leaseUntil)))
	w.and("d.status = 'pending'")
	w.and("d.next_attempt <= " + t)
	w.and("d.lease_until <= " + t)
	w.in("d.sink", sinks)
	w.and("NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.status = 'pending' AND p.sink = d.sink" +
		" AND p.subject = d.subject AND d.subject <> '' AND p.event_seq < d.event_seq)")
	pick := "SELECT d.id FROM deliveries d" + w.sql() + " ORDER BY d.next_attempt, d.id LIMIT " + w.arg(limit) + x.d.skipLocked
	// The lease: conditional on no live lease, so of two nodes one wins.
	claim := "UPDATE deliveries SET lease_owner = " + o + ", lease_until = " + u +
		" WHERE id IN (" + pick + ") AND status = 'pending' AND lease_until <= " + t
	var out []*store.Delivery
	err := x.atomic(ctx, func(x *executor) error {
		ids, err := collect(x.query(ctx, claim+" RETURNING id", w.args...), func(r scanner) (id int64, err error) { return id, r.Scan(&id) })
		if err != nil || len(ids) == 0 {
			return err
		}
		var in where
		in.and("d.lease_owner = " + in.arg(owner))
		marks := make([]string, len(ids))
		for i, id := range ids {
			marks[i] = in.arg(id)
		}
		in.and("d.id IN (" + strings.Join(marks, ", ") + ")")
		out, err = collect(x.query(ctx, "SELECT d.id, d.event_seq, d.event_id, d.sink, d.account_id, d.subject, d.status, d.attempts,"+
			" d.next_attempt, d.created, d.modified, e.seq, e.id, e.type, e.created, e.account_id, e.number, e.doc"+
			" FROM deliveries d JOIN events e ON e.seq = d.event_seq"+in.sql()+" ORDER BY d.next_attempt, d.id", in.args...), scanClaimed)
		return err
	})
	if err != nil {
		return nil, x.d.internal("claim deliveries", "", err)
	}
	return out, nil
}

// scanClaimed scans a delivery and its event.
func scanClaimed(row scanner) (*store.Delivery, error) {
	var (
		d   store.Delivery
		e   event.Event
		doc []byte
	)
	if err := row.Scan(&d.ID, &d.EventSeq, &d.EventID, &d.Sink, &d.AccountID, &d.Subject, &d.Status, &d.Attempts,
		scanTime(&d.NextAttempt), scanTime(&d.Created), scanTime(&d.Modified),
		&e.Seq, &e.ID, &e.Type, scanTime(&e.Time), &e.AccountID, &e.Number, &doc); err != nil {
		return nil, err
	}
	var ed eventDoc
	if err := json.Unmarshal(doc, &ed); err != nil {
		return nil, err
	}
	e.Actor, e.RequestID, e.Before, e.After, e.Data = ed.Actor, ed.RequestID, ed.Before, ed.After, ed.Data
	d.Event = &e
	return &d, nil
}

// FinishDelivery implements store.Events.
func (x *executor) FinishDelivery(ctx context.Context, owner string, d *store.Delivery, a store.DeliveryAttempt) error {
	n, err := x.FinishDeliveries(ctx, owner, []store.Finished{{Delivery: d, Attempt: a}})
	if err == nil && n == 0 {
		return number.NewError(number.KindConflict, strconv.FormatInt(d.ID, 10))
	}
	return err
}

// FinishDeliveries implements store.Events, in one transaction.
func (x *executor) FinishDeliveries(ctx context.Context, owner string, fs []store.Finished) (int, error) {
	done := 0
	// Rows are locked in one order on every node, webhook by webhook and
	// delivery by delivery: two nodes finishing batches that share
	// webhooks wait for each other instead of deadlocking (PostgreSQL).
	fs = slices.Clone(fs)
	slices.SortFunc(fs, func(a, b store.Finished) int {
		return cmp.Or(strings.Compare(a.Delivery.Sink, b.Delivery.Sink), cmp.Compare(a.Delivery.ID, b.Delivery.ID))
	})
	err := x.atomic(ctx, func(x *executor) error {
		epoch := x.d.time(time.Unix(0, 0))
		for _, f := range fs {
			d, a := f.Delivery, f.Attempt
			d.Modified = storedTime(a.At)
			mine, err := x.execOne(ctx, "UPDATE deliveries SET status = $3, attempts = $4, next_attempt = $5, lease_owner = '',"+
				" lease_until = $6, modified = $7 WHERE id = $1 AND lease_owner = $2", d.ID, owner, d.Status, d.Attempts,
				x.d.time(d.NextAttempt), epoch, x.d.time(d.Modified))
			if err != nil {
				return err
			}
			if !mine {
				continue // our lease ran out and another node took it
			}
			done++
			if _, err := x.exec(ctx, "INSERT INTO delivery_attempts (delivery_id, attempt, event_id, sink, at, status_code, latency_us, error)"+
				" VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", d.ID, a.Attempt, d.EventID, d.Sink, x.d.time(storedTime(a.At)),
				a.StatusCode, a.Latency.Microseconds(), a.Error); err != nil {
				return err
			}
			if strings.HasPrefix(d.Sink, "bus:") {
				continue
			}
			// The webhook's run of failures, which disables it when too long.
			if a.Error == "" {
				_, err = x.exec(ctx, "UPDATE webhooks SET failures = 0, last_success = $2 WHERE id = $1 AND (failures <> 0 OR last_success IS NULL OR last_success < $2)",
					d.Sink, x.d.time(storedTime(a.At)))
			} else {
				_, err = x.exec(ctx, "UPDATE webhooks SET failures = failures + 1 WHERE id = $1", d.Sink)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, x.d.internal("finish deliveries", "", err)
	}
	return done, nil
}

// ListDeliveries implements store.Events.
func (x *executor) ListDeliveries(ctx context.Context, q store.DeliveryQuery) ([]*store.Delivery, error) {
	var w where
	w.and("sink = " + w.arg(q.Sink))
	if q.Status != "" {
		w.and("status = " + w.arg(q.Status))
	}
	query := "SELECT " + deliveryColumns + " FROM deliveries" + w.sql() + " ORDER BY event_seq DESC"
	if q.Limit > 0 {
		query += " LIMIT " + w.arg(q.Limit)
	}
	ds, err := nonNil(collect(x.query(ctx, query, w.args...), scanDelivery))
	if err != nil {
		return nil, x.d.internal("list deliveries", "", err)
	}
	return ds, nil
}

// ListAttempts implements store.Events.
func (x *executor) ListAttempts(ctx context.Context, sink string, limit int) ([]*store.DeliveryAttempt, error) {
	query := "SELECT delivery_id, attempt, event_id, sink, at, status_code, latency_us, error FROM delivery_attempts" +
		" WHERE sink = $1 ORDER BY id DESC"
	args := []any{sink}
	if limit > 0 {
		query += " LIMIT $2"
		args = append(args, limit)
	}
	as, err := nonNil(collect(x.query(ctx, query, args...), func(r scanner) (*store.DeliveryAttempt, error) {
		var (
			a  store.DeliveryAttempt
			us int64
		)
		err := r.Scan(&a.DeliveryID, &a.Attempt, &a.EventID, &a.Sink, scanTime(&a.At), &a.StatusCode, &us, &a.Error)
		a.Latency = time.Duration(us) * time.Microsecond
		return &a, err
	}))
	if err != nil {
		return nil, x.d.internal("list attempts", sink, err)
	}
	return as, nil
}

// ReplayDeliveries implements store.Events.
func (x *executor) ReplayDeliveries(ctx context.Context, sink, accountID string, q event.Query, now time.Time) (int64, error) {
	var n int64
	err := x.atomic(ctx, func(x *executor) error {
		es, err := x.ListEvents(ctx, q)
		if err != nil {
			return err
		}
		t := x.d.time(now)
		for _, e := range es {
			again, err := x.execOne(ctx, "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt = $3, modified = $3"+
				" WHERE sink = $1 AND event_seq = $2", sink, e.Seq, t)
			if err != nil {
				return err
			}
			if !again {
				if _, err := x.exec(ctx, "INSERT INTO deliveries ("+strings.Join(deliveryInsertColumns, ", ")+
					") VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, '', $7, $6, $6)",
					e.Seq, e.ID, sink, accountID, e.Number, t, x.d.time(time.Unix(0, 0))); err != nil {
					return err
				}
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, x.d.internal("replay deliveries", sink, err)
	}
	return n, nil
}
