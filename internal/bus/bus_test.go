package bus_test

import (
	"context"
	"crypto/rand"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/bus"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/internal/webhooks"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/storetest"
)

// The brokers of this machine; NUMAN_TEST_NATS_URL and
// NUMAN_TEST_AMQP_URL name others. A test skips when its broker does not
// answer within a second.
func brokerURL(t *testing.T, env, def string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		u = def
	}
	host := u[strings.Index(u, "://")+3:]
	if at := strings.LastIndex(host, "@"); at >= 0 {
		host = host[at+1:]
	}
	host = strings.TrimSuffix(strings.SplitN(host, "/", 2)[0], "/")
	c, err := net.DialTimeout("tcp", host, time.Second)
	if err != nil {
		t.Skipf("no broker at %s (%v); set %s to run this test", host, err, env)
	}
	c.Close()
	return u
}

// changes saves the buses' config document (events are queued for
// dispatch only while it or a webhook exists), writes three changes of two
// numbers and returns their events.
func changes(t *testing.T, st store.Store) []*event.Event {
	storetest.TakeEvents(t, st)
	ctx := event.WithActor(t.Context(), event.Actor{Via: "api"}, "req")
	for _, e164 := range []string{"+14155550100", "+14155550101"} {
		n := number.New(e164, number.Available, "local", time.Now())
		if err := st.InsertNumber(ctx, n); err != nil {
			t.Fatal(err)
		}
		if e164 == "+14155550100" {
			n.State = number.Reserved
			if err := st.UpdateNumber(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
	}
	es, err := st.ListEvents(ctx, event.Query{})
	if err != nil || len(es) != 3 {
		t.Fatalf("events: %d, %v", len(es), err)
	}
	return es
}

func deliver(t *testing.T, st store.Store, sink webhooks.Sink) {
	t.Helper()
	kr, _ := secrets.NewKeyring(secrets.GenerateKey())
	d := webhooks.NewDeliverer(st, kr, webhooks.DelivererOptions{Sinks: []webhooks.Sink{sink}})
	if _, err := d.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	ds, _ := st.ListDeliveries(t.Context(), store.DeliveryQuery{Sink: sink.Name(), Status: store.DeliveryDelivered})
	if len(ds) != 3 {
		t.Fatalf("%d deliveries to %s delivered, want 3", len(ds), sink.Name())
	}
}

// Every event is published to JetStream, with its id as Nats-Msg-Id:
// publishing one again is dropped by the stream.
func TestNATS(t *testing.T) {
	url := brokerURL(t, "NUMAN_TEST_NATS_URL", "nats://127.0.0.1:4222")
	suffix := strings.ToLower(rand.Text()[:10])
	cfg := bus.NATSConfig{URL: url, Stream: "NUMAN_TEST_" + strings.ToUpper(suffix), Subject: "numantest." + suffix}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sink, err := bus.DialNATS(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	defer func() { _ = js.DeleteStream(context.Background(), cfg.Stream) }()

	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		es := changes(t, st)
		stream, err := js.Stream(ctx, cfg.Stream)
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.Purge(ctx); err != nil {
			t.Fatal(err)
		}
		deliver(t, st, sink)
		// Publishing an event again (a retry after a lost ack) is dropped.
		if err := sink.Publish(ctx, es[0], []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		info, err := stream.Info(ctx)
		if err != nil || info.State.Msgs != 3 {
			t.Fatalf("stream holds %d messages, want 3 (%v)", info.State.Msgs, err)
		}
		cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		batch, err := cons.Fetch(3, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		i, byID := 0, eventsByID(es)
		for m := range batch.Messages() {
			e := byID[m.Headers().Get("Nats-Msg-Id")]
			if e == nil || m.Subject() != cfg.Subject+".none."+e.Type || !strings.Contains(string(m.Data()), e.ID) {
				t.Errorf("message %d: id %s subject %s is none of the events", i, m.Headers().Get("Nats-Msg-Id"), m.Subject())
			}
			delete(byID, m.Headers().Get("Nats-Msg-Id"))
			i++
		}
		if i != 3 {
			t.Fatalf("fetched %d messages", i)
		}
	})
}

// Every event is published to a RabbitMQ topic exchange, persistent, with
// its id as message_id, confirmed by the broker.
func TestAMQP(t *testing.T) {
	url := brokerURL(t, "NUMAN_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
	exchange := "numan.test." + strings.ToLower(rand.Text()[:10])
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sink, err := bus.DialAMQP(ctx, bus.AMQPConfig{URL: url, Exchange: exchange})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ch.ExchangeDelete(exchange, false, false) }()

	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		q, err := ch.QueueDeclare("", false, true, true, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.QueueBind(q.Name, "number.#", exchange, false, nil); err != nil {
			t.Fatal(err)
		}
		msgs, err := ch.Consume(q.Name, "", true, true, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		es := changes(t, st)
		deliver(t, st, sink)
		byID := eventsByID(es)
		for i := range es {
			select {
			case m := <-msgs:
				e := byID[m.MessageId]
				if e == nil || m.Type != e.Type || m.RoutingKey != e.Type+".none" || m.DeliveryMode != amqp.Persistent ||
					!strings.Contains(string(m.Body), e.ID) {
					t.Errorf("message %d: id %s type %s key %s is none of the events", i, m.MessageId, m.Type, m.RoutingKey)
				}
				delete(byID, m.MessageId)
			case <-ctx.Done():
				t.Fatalf("message %d never came", i)
			}
		}
		_, _ = ch.QueueDelete(q.Name, false, false, false)
	})
}

// The events document configures the buses; empty configures none.
func TestParseConfig(t *testing.T) {
	if c, err := bus.ParseConfig(nil); err != nil || c.NATS != nil || c.AMQP != nil {
		t.Errorf("empty: %+v, %v", c, err)
	}
	c, err := bus.ParseConfig([]byte(`{"nats":{"url":"nats://h:4222","stream":"S"},"amqp":{"url":"amqp://u:p@h/"}}`))
	if err != nil || c.NATS.Stream != "S" || c.AMQP.URL != "amqp://u:p@h/" {
		t.Errorf("both: %+v, %v", c, err)
	}
	if _, err := bus.ParseConfig([]byte(`{"nats":{}}`)); err == nil {
		t.Error("nats without url accepted")
	}
}

func eventsByID(es []*event.Event) map[string]*event.Event {
	out := map[string]*event.Event{}
	for _, e := range es {
		out[e.ID] = e
	}
	return out
}

// A bus that cannot be reached fails its publications (to be retried),
// never the server's start.
func TestOpenUnreachable(t *testing.T) {
	bus.DialTimeout = 200 * time.Millisecond
	sinks := bus.Open(bus.Config{NATS: &bus.NATSConfig{URL: "nats://127.0.0.1:1"}, AMQP: &bus.AMQPConfig{URL: "amqp://u:secret@127.0.0.1:1/"}})
	if len(sinks) != 2 || sinks[0].Name() != "bus:nats" || sinks[1].Name() != "bus:amqp" {
		t.Fatalf("sinks: %v", sinks)
	}
	e := event.New(t.Context(), event.NumberCreated, "", "+14155550100", nil)
	for _, s := range sinks {
		err := s.Publish(t.Context(), e, []byte(`{}`))
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v", s.Name(), err)
		}
		_ = s.Close()
	}
}
