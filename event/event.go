// Package event is the domain of Numan's events: what happened to a number,
// a purchase, a feature, a port request or a webhook, who did it and from
// which request, with the number's state before and after. Events are
// written to the store's outbox in the same transaction as the change they
// describe (a transactional outbox), so an event exists exactly when its
// change committed; webhooks, the message bus and a number's history all
// read that outbox.
//
// Like package number, it imports no infrastructure: the store, the
// services and the HTTP layer depend on it.
package event

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/numan-dev/numan/number"
)

// BusConfigID is the system-config document that sends every event to
// message buses. The store queues events for dispatch only while it
// exists or an enabled webhook does (see store.Events).
const BusConfigID = "events"

// Event types. They are dot-separated, [a-z0-9_], as Standard Webhooks
// recommends; a webhook's hook may name one, a prefix ending in ".*", or
// "all".
const (
	NumberCreated      = "number.created"       // a number stored for the first time (import, purchase, port placeholder)
	NumberStateChanged = "number.state_changed" // any other transition of the state table
	NumberAssigned     = "number.assigned"      // an unowned number given an owner
	NumberMoved        = "number.moved"         // a number moved from one account to another
	NumberReleased     = "number.released"      // a number released (state released)
	NumberUpdated      = "number.updated"       // any other change (features, used_by, public fields)
	NumberDeleted      = "number.deleted"       // a number removed from the store

	PurchasePending   = "purchase.pending"   // a purchase intent stored before the carrier is asked
	PurchaseCompleted = "purchase.completed" // the carrier sold the number and it is recorded
	PurchaseFailed    = "purchase.failed"    // the carrier certainly refused; the intent is removed
	PurchaseSettled   = "purchase.settled"   // reconciliation settled an intent left open

	FeatureProvisioned = "feature.provisioned" // a provider carried out a feature
	FeatureFailed      = "feature.failed"      // a provider failed to carry out a feature

	PortChanged = "port_request.changed" // a port request changed state (data: id, state, previous_state)

	ChargePosted = "charge.posted" // a charge posted to the ledger

	WebhookDisabled = "webhook.disabled" // a webhook disabled after failing for too long
)

// Types lists every event type, for validating a webhook's hook.
var Types = []string{
	NumberCreated, NumberStateChanged, NumberAssigned, NumberMoved, NumberReleased, NumberUpdated, NumberDeleted,
	PurchasePending, PurchaseCompleted, PurchaseFailed, PurchaseSettled,
	FeatureProvisioned, FeatureFailed, PortChanged, ChargePosted, WebhookDisabled,
}

// Known reports whether t is one of Types.
func Known(t string) bool { return slices.Contains(Types, t) }

// Actor is who caused an event: the authenticated account (and user, when a
// person signed in), and the way in.
type Actor struct {
	AccountID string `json:"account_id,omitempty"`
	UserID    string `json:"user_id,omitempty"`
	Via       string `json:"via,omitempty"` // api, cli, job, system
}

// AppendJSON appends a's JSON encoding, as json.Marshal encodes it (the
// store encodes an actor per event; a bulk load writes an event per number).
func (a Actor) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	sep := false
	for _, f := range [...]struct{ key, val string }{{`"account_id":`, a.AccountID}, {`"user_id":`, a.UserID}, {`"via":`, a.Via}} {
		if f.val == "" {
			continue
		}
		if sep {
			b = append(b, ',')
		}
		b = AppendJSONString(append(b, f.key...), f.val)
		sep = true
	}
	return append(b, '}')
}

// Event is one entry of the outbox.
type Event struct {
	Seq       int64           `json:"-"` // position in the outbox, assigned by the store
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Time      time.Time       `json:"timestamp"`
	AccountID string          `json:"account_id,omitempty"` // whose event it is (the number's owner after the change, or before it)
	Number    string          `json:"number,omitempty"`     // the number it is about, if any
	Actor     Actor           `json:"actor"`
	RequestID string          `json:"request_id,omitempty"`
	Before    json.RawMessage `json:"before,omitempty"` // the number's snapshot before the change
	After     json.RawMessage `json:"after,omitempty"`  // the number's snapshot after it
	Data      json.RawMessage `json:"data,omitempty"`   // what else the type carries
}

// NewID returns a new event id: "evt_" and 26 base32 characters, a
// millisecond timestamp followed by 80 random bits (a ULID's layout), so
// ids sort roughly by time.
func NewID(now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16) //nolint:gosec // a timestamp, positive
	_, _ = rand.Read(b[6:])
	return "evt_" + idEncoding.EncodeToString(b[:])
}

// IDFloor returns the least id NewID returns in t's millisecond: ids sort
// by the millisecond they were made in (the same clock reading as the
// event's Time, see New), so an event made at or after t has an id at or
// above IDFloor(t). The store finds a time range of events by their ids
// rather than by an index on their time.
func IDFloor(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(max(t.UnixMilli(), 0))<<16) //nolint:gosec // non-negative
	return "evt_" + idEncoding.EncodeToString(b[:])
}

var idEncoding = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

type ctxKey int

const (
	actorKey ctxKey = iota
	requestKey
	clockKey
)

// WithActor returns ctx carrying who acts and from which request: the API
// sets it for each request, the CLI and the jobs for what they do. Every
// event written under ctx records them.
func WithActor(ctx context.Context, a Actor, requestID string) context.Context {
	ctx = context.WithValue(ctx, actorKey, a)
	if requestID != "" {
		ctx = context.WithValue(ctx, requestKey, requestID)
	}
	return ctx
}

// ActorOf returns the actor ctx carries (Via "system" when none).
func ActorOf(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey).(Actor); ok {
		return a
	}
	return Actor{Via: "system"}
}

// RequestIDOf returns the request id ctx carries, or "".
func RequestIDOf(ctx context.Context) string {
	id, _ := ctx.Value(requestKey).(string)
	return id
}

// WithClock returns ctx whose events are stamped by now (an injected
// clock) rather than the system's.
func WithClock(ctx context.Context, now func() time.Time) context.Context {
	return context.WithValue(ctx, clockKey, now)
}

// Now is the time events written under ctx carry.
func Now(ctx context.Context) time.Time {
	if f, ok := ctx.Value(clockKey).(func() time.Time); ok {
		return f().UTC()
	}
	return time.Now().UTC()
}

// New returns an event of type typ about ctx's actor and request, with a
// fresh id and ctx's time; data, if not nil, is encoded as its Data.
func New(ctx context.Context, typ, accountID, e164 string, data any) *Event {
	now := Now(ctx)
	e := &Event{ID: NewID(now), Type: typ, Time: now, AccountID: accountID, Number: e164,
		Actor: ActorOf(ctx), RequestID: RequestIDOf(ctx)}
	if data != nil {
		raw, err := json.Marshal(data)
		if err != nil {
			panic("event: data of " + typ + ": " + err.Error()) // only called with encodable values
		}
		e.Data = raw
	}
	return e
}

// Snapshot is what an event shows of a number: the fields a history and a
// receiver need, never carrier secrets or an E911 street address.
type Snapshot struct {
	Number         string    `json:"number"`
	State          string    `json:"state"`
	AssignedTo     string    `json:"assigned_to,omitempty"`
	PrevAssignedTo string    `json:"prev_assigned_to,omitempty"`
	UsedBy         string    `json:"used_by,omitempty"`
	Carrier        string    `json:"carrier_module,omitempty"`
	Pool           string    `json:"pool,omitempty"`
	PortedIn       bool      `json:"ported_in,omitempty"`
	Features       []string  `json:"features,omitempty"`
	Version        int64     `json:"version"`
	Created        time.Time `json:"created"`
	Modified       time.Time `json:"modified"`
}

// SnapshotOf returns n's snapshot encoded, or nil for nil: what
// json.Marshal of its Snapshot gives, appended field by field (a bulk load
// encodes one per number; reflection was most of the cost).
func SnapshotOf(n *number.Number) json.RawMessage {
	if n == nil {
		return nil
	}
	b := make([]byte, 0, 256)
	b = appendString(append(b, `{"number":`...), n.Number)
	b = appendString(append(b, `,"state":`...), string(n.State))
	for _, f := range []struct{ key, val string }{
		{`,"assigned_to":`, n.AssignedTo}, {`,"prev_assigned_to":`, n.PrevAssignedTo}, {`,"used_by":`, n.UsedBy},
		{`,"carrier_module":`, n.ModuleName}, {`,"pool":`, n.Pool},
	} {
		if f.val != "" {
			b = appendString(append(b, f.key...), f.val)
		}
	}
	if n.PortedIn {
		b = append(b, `,"ported_in":true`...)
	}
	if fs := n.Features.Keys(); len(fs) > 0 {
		b = append(b, `,"features":[`...)
		for i, f := range fs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, f)
		}
		b = append(b, ']')
	}
	b = strconv.AppendInt(append(b, `,"version":`...), n.Version, 10)
	b = appendTime(append(b, `,"created":`...), n.Created.UTC())
	b = appendTime(append(b, `,"modified":`...), n.Modified.UTC())
	return append(b, '}')
}

// appendString appends s as json.Marshal encodes it: quoted as is when
// it is printable ASCII that needs no escape (numbers, ids, states), else
// through json.Marshal.
func appendString(b []byte, s string) []byte { return AppendJSONString(b, s) }

// AppendJSONString appends s as json.Marshal encodes a string.
func AppendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			raw, _ := json.Marshal(s) // a string always encodes
			return append(b, raw...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}

// appendTime appends t as json.Marshal encodes a time.Time.
func appendTime(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		raw, err := json.Marshal(t)
		if err != nil {
			return append(b, `null`...) // json.Marshal refuses such a year; never stored
		}
		return append(b, raw...)
	}
	return append(t.AppendFormat(append(b, '"'), time.RFC3339Nano), '"')
}

// NumberChange returns the event of a number write: before is nil for an
// insert, after nil for a delete. Its type is the most significant change:
// created, deleted, released, moved, assigned, state changed, else updated.
func NumberChange(ctx context.Context, before, after *number.Number) *Event {
	typ := NumberUpdated
	switch {
	case before == nil:
		typ = NumberCreated
	case after == nil:
		typ = NumberDeleted
	case after.State == number.Released && before.State != number.Released:
		typ = NumberReleased
	case after.AssignedTo != before.AssignedTo && before.AssignedTo != "" && after.AssignedTo != "":
		typ = NumberMoved
	case after.AssignedTo != before.AssignedTo && before.AssignedTo == "":
		typ = NumberAssigned
	case after.State != before.State:
		typ = NumberStateChanged
	}
	n, account := after, ""
	if n == nil {
		n = before
	}
	if after != nil {
		account = after.AssignedTo
	}
	if account == "" && before != nil {
		account = before.AssignedTo
	}
	e := New(ctx, typ, account, n.Number, nil)
	e.Before, e.After = SnapshotOf(before), SnapshotOf(after)
	return e
}

// Query selects events of the outbox, in outbox order.
type Query struct {
	ID        string    // only the event of this id
	Number    string    // only events about this number
	AccountID string    // only events of this account ...
	Tree      bool      // ... and of its descendants
	Types     []string  // only these types; empty = all
	AfterSeq  int64     // only events after this position (paging)
	Since     time.Time // only events at or after this time; zero = any
	Until     time.Time // only events before this time; zero = any
	Limit     int       // at most this many; 0 = all
}
