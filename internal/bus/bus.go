// Package bus publishes Numan's events to a message bus for platforms:
// NATS JetStream or RabbitMQ. Each is a webhooks.Sink: the Deliverer hands
// it every event from the outbox, and retries on the webhooks' schedule
// until the broker confirms, so publication is at least once; the event id
// is the broker's deduplication key (JetStream's Nats-Msg-Id, AMQP's
// message_id).
package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/numan-dev/numan/event"
)

// ConfigID is the system-config document that configures the buses.
const ConfigID = event.BusConfigID

// Config is system config's events document.
type Config struct {
	NATS *NATSConfig `json:"nats,omitempty"`
	AMQP *AMQPConfig `json:"amqp,omitempty"`
}

// NATSConfig publishes to a JetStream stream.
type NATSConfig struct {
	URL     string `json:"url"`     // nats://host:4222
	Stream  string `json:"stream"`  // created (or updated) on start; default NUMAN_EVENTS
	Subject string `json:"subject"` // prefix; an event goes to <subject>.<account_id>.<type>; default numan.events
	// DuplicateWindowS is how long JetStream remembers an event id to drop
	// a second publication of it (default 120).
	DuplicateWindowS int `json:"duplicate_window_s"`
}

// AMQPConfig publishes to a RabbitMQ topic exchange.
type AMQPConfig struct {
	URL      string `json:"url"`      // amqp://user:password@host:5672/vhost (sealed at rest: it carries credentials)
	Exchange string `json:"exchange"` // durable topic exchange, declared on start; default numan.events
}

// ParseConfig reads the events document (nil or {} configures no bus).
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(raw) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("system config %s: %w", ConfigID, err)
	}
	if c.NATS != nil && c.NATS.URL == "" {
		return c, fmt.Errorf("system config %s: nats.url is empty", ConfigID)
	}
	if c.AMQP != nil && c.AMQP.URL == "" {
		return c, fmt.Errorf("system config %s: amqp.url is empty", ConfigID)
	}
	return c, nil
}

// DialTimeout bounds connecting to a broker.
var DialTimeout = 3 * time.Second

// token makes s one subject token (account ids are hex; "" is "none").
func token(s string) string {
	if s == "" {
		return "none"
	}
	return strings.NewReplacer(".", "_", "*", "_", ">", "_", " ", "_").Replace(s)
}

// NATS publishes events to a JetStream stream.
type NATS struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	subject string
}

// DialNATS connects to c.URL and creates (or updates) the stream.
func DialNATS(ctx context.Context, c NATSConfig) (*NATS, error) {
	if c.Stream == "" {
		c.Stream = "NUMAN_EVENTS"
	}
	if c.Subject == "" {
		c.Subject = "numan.events"
	}
	if c.DuplicateWindowS <= 0 {
		c.DuplicateWindowS = 120
	}
	nc, err := nats.Connect(c.URL, nats.Timeout(DialTimeout), nats.Name("numan"), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats: %w", err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: c.Stream, Subjects: []string{c.Subject + ".>"},
		Duplicates: time.Duration(c.DuplicateWindowS) * time.Second, Storage: jetstream.FileStorage}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats: stream %s: %w", c.Stream, err)
	}
	return &NATS{nc: nc, js: js, subject: c.Subject}, nil
}

// Name implements webhooks.Sink.
func (*NATS) Name() string { return "bus:nats" }

// Subject is where an event goes: <subject>.<account_id>.<type>, so a
// consumer filters with numan.events.*.number.> or numan.events.<id>.>.
func (n *NATS) Subject(e *event.Event) string {
	return n.subject + "." + token(e.AccountID) + "." + e.Type
}

// Publish implements webhooks.Sink: it returns once the stream stored the
// event (or had it already: the event id is Nats-Msg-Id).
func (n *NATS) Publish(ctx context.Context, e *event.Event, body []byte) error {
	msg := &nats.Msg{Subject: n.Subject(e), Data: body, Header: nats.Header{}}
	msg.Header.Set("Content-Type", "application/json")
	msg.Header.Set("Numan-Event-Type", e.Type)
	_, err := n.js.PublishMsg(ctx, msg, jetstream.WithMsgID(e.ID))
	return err
}

// Close closes the connection.
func (n *NATS) Close() error {
	n.nc.Close()
	return nil
}

// AMQP publishes events to a RabbitMQ topic exchange, with publisher
// confirms.
type AMQP struct {
	c    AMQPConfig
	mu   sync.Mutex
	conn *amqp.Connection
	ch   *amqp.Channel
}

// DialAMQP connects to c.URL and declares the exchange.
func DialAMQP(_ context.Context, c AMQPConfig) (*AMQP, error) {
	if c.Exchange == "" {
		c.Exchange = "numan.events"
	}
	a := &AMQP{c: c}
	if err := a.connect(); err != nil {
		return nil, err
	}
	return a, nil
}

// connect (re)opens the connection and a confirming channel; a.mu held or
// not shared yet.
func (a *AMQP) connect() error {
	conn, err := amqp.DialConfig(a.c.URL, amqp.Config{Dial: func(network, addr string) (net.Conn, error) {
		return net.DialTimeout(network, addr, DialTimeout)
	}, Properties: amqp.Table{"connection_name": "numan"}})
	if err != nil {
		return fmt.Errorf("amqp: %w", errors.New(redact(err.Error(), a.c.URL)))
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.ExchangeDeclare(a.c.Exchange, "topic", true, false, false, false, nil)
	}
	if err == nil {
		err = ch.Confirm(false)
	}
	if err != nil {
		conn.Close()
		return fmt.Errorf("amqp: exchange %s: %w", a.c.Exchange, err)
	}
	a.conn, a.ch = conn, ch
	return nil
}

// redact keeps the URL's credentials out of an error.
func redact(msg, url string) string { return strings.ReplaceAll(msg, url, "amqp://…") }

// Name implements webhooks.Sink.
func (*AMQP) Name() string { return "bus:amqp" }

// RoutingKey is an event's routing key: <type>.<account_id>, so a queue
// binds number.# or *.*.<account_id>.
func RoutingKey(e *event.Event) string { return e.Type + "." + token(e.AccountID) }

// Publish implements webhooks.Sink: a persistent message whose message_id
// is the event id, returned once the broker confirmed it. A lost
// connection is opened again on the next publication.
func (a *AMQP) Publish(ctx context.Context, e *event.Event, body []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn == nil || a.conn.IsClosed() || a.ch.IsClosed() {
		if a.conn != nil {
			a.conn.Close()
		}
		if err := a.connect(); err != nil {
			return err
		}
	}
	dc, err := a.ch.PublishWithDeferredConfirmWithContext(ctx, a.c.Exchange, RoutingKey(e), false, false, amqp.Publishing{
		ContentType: "application/json", DeliveryMode: amqp.Persistent, MessageId: e.ID, Type: e.Type,
		Timestamp: e.Time, AppId: "numan", Body: body})
	if err != nil {
		return fmt.Errorf("amqp: publish: %w", err)
	}
	ok, err := dc.WaitContext(ctx)
	if err != nil {
		return fmt.Errorf("amqp: confirm: %w", err)
	}
	if !ok {
		return errors.New("amqp: the broker refused the message (nack)")
	}
	return nil
}

// Close closes the connection.
func (a *AMQP) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn == nil {
		return nil
	}
	return a.conn.Close()
}

// Sink is a bus: what Open returns (a webhooks.Sink that closes).
type Sink interface {
	Name() string
	Publish(ctx context.Context, e *event.Event, body []byte) error
	Close() error
}

// Open returns the buses c configures. Each connects on its first
// publication, and again after a failure, so a broker that is down when
// the server starts (or later) only delays its events: their deliveries
// are retried on the webhooks' schedule.
func Open(c Config) []Sink {
	var out []Sink
	if c.NATS != nil {
		nc := *c.NATS
		out = append(out, &lazy{name: (*NATS)(nil).Name(), dial: func(ctx context.Context) (Sink, error) { return DialNATS(ctx, nc) }})
	}
	if c.AMQP != nil {
		ac := *c.AMQP
		out = append(out, &lazy{name: (*AMQP)(nil).Name(), dial: func(ctx context.Context) (Sink, error) { return DialAMQP(ctx, ac) }})
	}
	return out
}

// lazy is a bus connected on first use.
type lazy struct {
	name string
	dial func(ctx context.Context) (Sink, error)
	mu   sync.Mutex
	s    Sink
}

func (l *lazy) Name() string { return l.name }

func (l *lazy) Publish(ctx context.Context, e *event.Event, body []byte) error {
	l.mu.Lock()
	s := l.s
	if s == nil {
		var err error
		if s, err = l.dial(ctx); err != nil {
			l.mu.Unlock()
			return err
		}
		l.s = s
	}
	l.mu.Unlock()
	return s.Publish(ctx, e, body)
}

func (l *lazy) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.s == nil {
		return nil
	}
	return l.s.Close()
}
