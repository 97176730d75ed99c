package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/numan-dev/numan/event"
)

// Events is the outbox: events appended in the transaction of the change
// they describe, read by a number's history, the webhooks and the message
// bus, and the deliveries that carry them out.
//
// The store appends the events of number writes itself: InsertNumber(s),
// UpdateNumber and DeleteNumber each append an event.NumberChange (with the
// actor and request id of the context, see event.WithActor) in the same
// transaction as the write, so no write path can forget one; AppendLedger
// appends a charge.posted event with every debit the same way. Other
// events (purchases, features, port requests) are appended by the services
// with AppendEvents inside the transaction of their change.
type Events interface {
	// AppendEvents adds events to the outbox (atomically on the Store;
	// inside InTx, as part of the transaction). It sets each event's Seq.
	AppendEvents(ctx context.Context, es []*event.Event) error
	// ListEvents returns events matching q, in outbox order.
	ListEvents(ctx context.Context, q event.Query) ([]*event.Event, error)
	// PruneEvents removes events older than before, with their
	// deliveries (delivered, dead-lettered or still pending) and attempts,
	// and returns how many events it removed.
	PruneEvents(ctx context.Context, before time.Time) (int64, error)

	// Webhooks.

	// InsertWebhook stores a new webhook (Version 1).
	InsertWebhook(ctx context.Context, h *Webhook) error
	// GetWebhook returns one webhook, or KindNotFound.
	GetWebhook(ctx context.Context, id string) (*Webhook, error)
	// ListWebhooks returns an account's webhooks ("" = every account's), by id.
	ListWebhooks(ctx context.Context, accountID string) ([]*Webhook, error)
	// UpdateWebhook writes h if its stored version is still h.Version.
	UpdateWebhook(ctx context.Context, h *Webhook) error
	// DeleteWebhook removes a webhook and its deliveries.
	DeleteWebhook(ctx context.Context, id string) error

	// Deliveries.

	// DispatchEvents takes up to limit events not dispatched yet, in
	// outbox order, and for each one, in one transaction: takes it off the
	// queue of events not dispatched (conditionally, so one node does it)
	// and inserts the deliveries route returns for it, due at now. route
	// sees the event's header only (Seq, ID, Type, Time, AccountID,
	// Number), not its body. A nil route says nothing would take any event
	// (no webhook, no sink): the events are taken off the queue without
	// being read. It returns how many events it dispatched.
	//
	// Only the events that committed while something could take them are
	// ever dispatched: an enabled webhook, or the system config document
	// event.BusConfigID (message buses). Every event committed after such a
	// webhook or document was saved is; without either, events are not
	// queued at all (queueing them cost a bulk load an eighth of its rate).
	DispatchEvents(ctx context.Context, limit int, now time.Time, route func(*event.Event) []Delivery) (int, error)
	// ClaimDeliveries leases up to limit due deliveries to owner until
	// leaseUntil: pending, due by now, not leased (or the lease expired),
	// and with no earlier pending delivery of the same sink and subject
	// (so a sink gets one number's events in order). Each claim is a
	// conditional write: two nodes never claim the same delivery. sinks,
	// when not empty, restricts the claim to those sinks.
	ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int, sinks []string) ([]*Delivery, error)
	// FinishDelivery records an attempt of a delivery the owner leased,
	// and the delivery's new status (and next attempt when still pending),
	// and releases the lease; KindConflict when owner no longer holds it.
	FinishDelivery(ctx context.Context, owner string, d *Delivery, a DeliveryAttempt) error
	// FinishDeliveries is FinishDelivery of many, in one transaction; a
	// delivery whose lease owner no longer holds is skipped. It returns
	// how many it recorded.
	FinishDeliveries(ctx context.Context, owner string, fs []Finished) (int, error)
	// ListDeliveries returns a sink's deliveries, newest first.
	ListDeliveries(ctx context.Context, q DeliveryQuery) ([]*Delivery, error)
	// ListAttempts returns the attempts of a sink's deliveries, newest first.
	ListAttempts(ctx context.Context, sink string, limit int) ([]*DeliveryAttempt, error)
	// ReplayDeliveries makes the deliveries of sink's events matching q
	// pending again, due at now (creating those missing), and returns how
	// many.
	ReplayDeliveries(ctx context.Context, sink, accountID string, q event.Query, now time.Time) (int64, error)
}

// Webhook is a stored webhook: Kazoo's document (name, uri, http_verb,
// hook, custom_data, retries, ...) kept in Doc, with the columns the
// delivery needs.
type Webhook struct {
	ID           string
	AccountID    string
	Enabled      bool
	Doc          json.RawMessage // the webhook's document, as the service keeps it
	SecretSealed string          // the signing secret, sealed (internal/secrets)
	Failures     int             // consecutive failed deliveries
	LastSuccess  time.Time       // zero if never
	Created      time.Time
	Modified     time.Time
	Version      int64
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // to be attempted (again) at NextAttempt
	DeliveryDelivered = "delivered" // the sink took it
	DeliveryFailed    = "failed"    // dead-lettered after the last attempt; replay makes it pending
)

// Delivery is one event on its way to one sink (a webhook's id, or a bus
// such as "bus:nats").
type Delivery struct {
	ID          int64
	EventSeq    int64
	EventID     string
	Sink        string
	AccountID   string // the sink's account ("" for a bus)
	Subject     string // the event's number (deliveries of one subject go in order)
	Status      string
	Attempts    int
	NextAttempt time.Time
	Created     time.Time
	Modified    time.Time
	Event       *event.Event // filled by ClaimDeliveries
}

// DeliveryAttempt is one attempt of a delivery.
type DeliveryAttempt struct {
	DeliveryID int64
	EventID    string
	Sink       string
	Attempt    int
	At         time.Time
	StatusCode int           // the receiver's HTTP status; 0 when it did not answer
	Latency    time.Duration //
	Error      string        // why it failed; "" on success
}

// Finished is a delivery's new status and the attempt that gave it.
type Finished struct {
	Delivery *Delivery
	Attempt  DeliveryAttempt
}

// DeliveryQuery selects a sink's deliveries.
type DeliveryQuery struct {
	Sink   string
	Status string // "" = any
	Limit  int    // 0 = all
}
