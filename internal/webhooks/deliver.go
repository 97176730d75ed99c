package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Schedule is when a delivery is attempted again after each failure
// (Standard Webhooks' example): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
// 20 h, 24 h after the previous attempt, each ±10 % (jitter); ten attempts
// over about 75 hours, then the delivery is dead-lettered (failed, and
// replayable).
var Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour}

// Sink publishes events somewhere else than a webhook: a message bus.
// Its deliveries come from the same outbox, at least once.
type Sink interface {
	// Name is the sink's name in the deliveries table ("bus:nats").
	Name() string
	// Publish sends one event (body is its JSON) and returns once the
	// broker has it (or with the error).
	Publish(ctx context.Context, e *event.Event, body []byte) error
}

// Deliverer delivers the outbox's events to webhooks and sinks. Every node
// runs one; each delivery is leased to one node at a time.
type Deliverer struct {
	st    store.Store
	keys  *secrets.Keyring
	o     DelivererOptions
	rndMu sync.Mutex
	rnd   *rand.Rand
}

// DelivererOptions configure a Deliverer.
type DelivererOptions struct {
	Node   string           // this node's name, the owner of its leases (default: random)
	Now    func() time.Time // the clock (default time.Now)
	Client *http.Client     // (default: 15 s timeout, no redirects followed)
	Logger *slog.Logger
	// Sinks receive every event (message buses).
	Sinks []Sink
	// Lease is how long a node holds a delivery it sends (default 60 s);
	// a node that dies holding one leaves it to another after this.
	Lease time.Duration
	// Batch is how many deliveries one claim takes (default 64), sent by
	// Workers goroutines at once (default 8).
	Batch, Workers int
	// DisableAfterFailures and DisableAfter disable a webhook with at least
	// that many consecutive failed attempts and no success for that long
	// (defaults 20 and 5 days).
	DisableAfterFailures int
	DisableAfter         time.Duration
	// Seed seeds the jitter (tests); 0 seeds at random.
	Seed uint64
	// AllowPrivate lets webhooks reach loopback, private, link-local and
	// shared (CGNAT) addresses. Off, the default client refuses to connect
	// to them (checked on the address dialed, so a name that resolves
	// there is refused too): a tenant's webhook cannot reach the
	// operator's internal services or a cloud metadata endpoint.
	AllowPrivate bool
}

// NewDeliverer returns a Deliverer over st, opening webhook secrets with
// keys.
func NewDeliverer(st store.Store, keys *secrets.Keyring, o DelivererOptions) *Deliverer {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Node == "" {
		o.Node = "node-" + strconv.FormatUint(rand.Uint64(), 36)
	}
	if o.Client == nil {
		dialer := &net.Dialer{Timeout: 5 * time.Second}
		if !o.AllowPrivate {
			dialer.Control = refusePrivate
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = dialer.DialContext
		tr.Proxy = nil // the address checked is the one connected to
		o.Client = &http.Client{Timeout: 15 * time.Second, Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 64
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.DisableAfterFailures <= 0 {
		o.DisableAfterFailures = 20
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = 5 * 24 * time.Hour
	}
	seed := o.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &Deliverer{st: st, keys: keys, o: o, rnd: rand.New(rand.NewPCG(seed, seed))}
}

// Run delivers on every tick until ctx ends (tick nil: every second).
func (d *Deliverer) Run(ctx context.Context, tick <-chan time.Time) {
	if tick == nil {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		tick = t.C
	}
	for {
		if _, err := d.RunOnce(ctx); err != nil && ctx.Err() == nil {
			d.o.Logger.ErrorContext(ctx, "event delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}

// RunOnce dispatches the new events to their webhooks and sinks, then
// sends every delivery due now, and returns how many attempts it made.
func (d *Deliverer) RunOnce(ctx context.Context) (int, error) {
	if err := d.dispatch(ctx); err != nil {
		return 0, err
	}
	sent := 0
	for {
		now := d.o.Now().UTC()
		ds, err := d.st.ClaimDeliveries(ctx, d.o.Node, now, now.Add(d.o.Lease), d.o.Batch, nil)
		if err != nil {
			return sent, err
		}
		if len(ds) == 0 {
			return sent, nil
		}
		hooks := map[string]*store.Webhook{}
		for _, dl := range ds {
			if _, ok := hooks[dl.Sink]; !ok && !strings.HasPrefix(dl.Sink, "bus:") {
				h, err := d.st.GetWebhook(ctx, dl.Sink)
				if err != nil && !number.IsKind(err, number.KindNotFound) {
					return sent, err
				}
				hooks[dl.Sink] = h
			}
		}
		results := make([]result, len(ds))
		var (
			wg   sync.WaitGroup
			next = make(chan int)
		)
		for range min(d.o.Workers, len(ds)) {
			wg.Go(func() {
				for i := range next {
					results[i] = d.deliver(ctx, ds[i], hooks[ds[i].Sink])
				}
			})
		}
		for i := range ds {
			next <- i
		}
		close(next)
		wg.Wait()
		sent += len(ds)
		if err := d.finish(ctx, results); err != nil {
			return sent, err
		}
	}
}

// result is what one attempt gave, to record.
type result struct {
	store.Finished
	hook string // a webhook whose attempt failed: disable it if it failed too long
	gone bool   // its receiver answered 410 Gone
}

// finish records a batch of attempts in one transaction, then disables
// the webhooks that failed too long.
func (d *Deliverer) finish(ctx context.Context, rs []result) error {
	fs := make([]store.Finished, len(rs))
	for i, r := range rs {
		fs[i] = r.Finished
	}
	if _, err := d.st.FinishDeliveries(ctx, d.o.Node, fs); err != nil {
		return err
	}
	checked := map[string]bool{}
	var errs []error
	for _, r := range rs {
		if r.hook == "" || checked[r.hook] && !r.gone {
			continue
		}
		checked[r.hook] = true
		errs = append(errs, d.maybeDisable(ctx, r.hook, r.gone))
	}
	return errors.Join(errs...)
}

// dispatch creates the deliveries of the events not dispatched yet: one
// per enabled webhook that takes the event, and one per sink.
func (d *Deliverer) dispatch(ctx context.Context) error {
	hooks, err := d.st.ListWebhooks(ctx, "")
	if err != nil {
		return err
	}
	type hook struct {
		h   *store.Webhook
		doc Doc
	}
	var live []hook
	for _, h := range hooks {
		var doc Doc
		if h.Enabled && json.Unmarshal(h.Doc, &doc) == nil {
			live = append(live, hook{h, doc})
		}
	}
	trees := map[string][]string{} // account -> its ancestors
	for {
		var lookupErr error
		route := func(e *event.Event) []store.Delivery {
			var out []store.Delivery
			for _, s := range d.o.Sinks {
				out = append(out, store.Delivery{Sink: s.Name()})
			}
			if e.AccountID == "" {
				return out
			}
			tree, ok := trees[e.AccountID]
			if !ok {
				a, err := d.st.GetAccount(ctx, e.AccountID)
				switch {
				case err == nil:
					tree = a.Tree
				case !number.IsKind(err, number.KindNotFound):
					lookupErr = err
				}
				trees[e.AccountID] = tree
			}
			for _, h := range live {
				mine := h.h.AccountID == e.AccountID || h.doc.IncludeSubaccounts && containsString(tree, h.h.AccountID)
				if mine && Matches(h.doc.Hook, e.Type) {
					out = append(out, store.Delivery{Sink: h.h.ID, AccountID: h.h.AccountID})
				}
			}
			return out
		}
		if len(live) == 0 && len(d.o.Sinks) == 0 {
			// Nothing takes any event: the store need not read them.
			route = nil
		}
		n, err := d.st.DispatchEvents(ctx, 500, d.o.Now().UTC(), route)
		if err != nil {
			return err
		}
		if lookupErr != nil {
			return lookupErr
		}
		if n == 0 {
			return nil
		}
	}
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// refusePrivate refuses to connect to an address a tenant's webhook must
// not reach (net.Dialer.Control: the address actually dialed).
func refusePrivate(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return err
	}
	ip := ap.Addr().Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsMulticast() ||
		ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() || cgnat.Contains(ip) {
		return fmt.Errorf("webhook address %s is not public (numan serve --webhooks-allow-private allows it)", ip)
	}
	return nil
}

// Body is what a webhook receives: the event, its webhook's id and
// custom_data.
type Body struct {
	*event.Event
	WebhookID  string            `json:"webhook_id,omitempty"`
	CustomData map[string]string `json:"custom_data,omitempty"`
}

// Sign returns the Standard Webhooks signature of body sent as msgID at
// ts with secret (whsec_...): "v1," and the base64 HMAC-SHA256 of
// "msgID.ts.body" under the secret's decoded bytes.
func Sign(secret, msgID string, ts int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", msgID, ts)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// outcome is what one attempt gave.
type outcome struct {
	code       int
	err        string
	retryAfter time.Duration
	gone       bool // 410: the receiver asks to be disabled
}

// deliver makes one attempt of dl and returns what to record: delivered,
// retried on the schedule, or dead-lettered.
func (d *Deliverer) deliver(ctx context.Context, dl *store.Delivery, h *store.Webhook) result {
	start := d.o.Now()
	if !strings.HasPrefix(dl.Sink, "bus:") && (h == nil || !h.Enabled) {
		// The webhook was disabled (or deleted) since: dead-letter its
		// deliveries, to be replayed once it is enabled again.
		dl.Status, dl.NextAttempt = store.DeliveryFailed, start
		return result{Finished: store.Finished{Delivery: dl, Attempt: store.DeliveryAttempt{Attempt: dl.Attempts, At: start, Error: "webhook disabled"}}}
	}
	var out outcome
	if strings.HasPrefix(dl.Sink, "bus:") {
		out = d.publish(ctx, dl)
	} else {
		out = d.post(ctx, dl, h)
	}
	a := store.DeliveryAttempt{Attempt: dl.Attempts + 1, At: start, StatusCode: out.code, Latency: d.o.Now().Sub(start), Error: out.err}
	dl.Attempts++
	switch {
	case a.Error == "":
		dl.Status, dl.NextAttempt = store.DeliveryDelivered, start
	case out.gone || dl.Attempts > len(Schedule):
		dl.Status, dl.NextAttempt = store.DeliveryFailed, start
	default:
		dl.Status = store.DeliveryPending
		wait := d.jitter(Schedule[dl.Attempts-1])
		if out.retryAfter > wait {
			wait = min(out.retryAfter, 6*time.Hour)
		}
		dl.NextAttempt = start.Add(wait)
	}
	r := result{Finished: store.Finished{Delivery: dl, Attempt: a}, gone: out.gone}
	if h != nil && a.Error != "" {
		r.hook = h.ID
	}
	return r
}

// jitter returns w ±10 %.
func (d *Deliverer) jitter(w time.Duration) time.Duration {
	d.rndMu.Lock()
	f := 0.9 + 0.2*d.rnd.Float64()
	d.rndMu.Unlock()
	return time.Duration(float64(w) * f)
}

// maybeDisable disables webhook id when it has failed too long (or its
// receiver answered 410 Gone), with a webhook.disabled event for its
// owner, in one transaction.
func (d *Deliverer) maybeDisable(ctx context.Context, id string, gone bool) error {
	for attempt := 0; ; attempt++ {
		// Workers failing on one webhook at once race to disable it: the
		// loser reads it again (and finds it disabled).
		err := d.disable(ctx, id, gone)
		if !number.IsKind(err, number.KindConflict) || attempt == 3 {
			return err
		}
	}
}

func (d *Deliverer) disable(ctx context.Context, id string, gone bool) error {
	now := d.o.Now().UTC()
	return d.st.InTx(ctx, func(tx store.Tx) error {
		h, err := tx.GetWebhook(ctx, id)
		if number.IsKind(err, number.KindNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		since := h.LastSuccess
		if since.IsZero() {
			since = h.Created
		}
		reason := "410 Gone from the receiver"
		if !gone {
			if !h.Enabled || h.Failures < d.o.DisableAfterFailures || now.Sub(since) < d.o.DisableAfter {
				return nil
			}
			reason = fmt.Sprintf("%d failed attempts and no success since %s", h.Failures, since.Format(time.RFC3339))
		}
		if !h.Enabled {
			return nil
		}
		var doc Doc
		if err := json.Unmarshal(h.Doc, &doc); err != nil {
			return err
		}
		doc.Enabled, doc.DisabledMessage = false, reason
		h.Doc, _ = json.Marshal(doc)
		h.Enabled, h.Modified = false, now
		if err := tx.UpdateWebhook(ctx, h); err != nil {
			return err
		}
		e := event.New(event.WithClock(ctx, d.o.Now), event.WebhookDisabled, h.AccountID, "",
			map[string]string{"webhook_id": h.ID, "name": doc.Name, "reason": reason})
		return tx.AppendEvents(ctx, []*event.Event{e})
	})
}

// post sends dl's event to its webhook, signed.
func (d *Deliverer) post(ctx context.Context, dl *store.Delivery, h *store.Webhook) outcome {
	var doc Doc
	if err := json.Unmarshal(h.Doc, &doc); err != nil {
		return outcome{err: "webhook document: " + err.Error()}
	}
	secret, err := d.keys.Open(h.SecretSealed)
	if err != nil {
		return outcome{err: "webhook secret does not open: " + err.Error()}
	}
	body, err := json.Marshal(Body{Event: dl.Event, WebhookID: h.ID, CustomData: doc.CustomData})
	if err != nil {
		return outcome{err: err.Error()}
	}
	ts := d.o.Now().Unix()
	sig, err := Sign(string(secret), dl.EventID, ts, body)
	if err != nil {
		return outcome{err: err.Error()}
	}
	method, target, rd := http.MethodPost, doc.URI, io.Reader(bytes.NewReader(body))
	switch doc.HTTPVerb {
	case "put":
		method = http.MethodPut
	case "get":
		// Kazoo's GET hooks carry the payload in the query string.
		method, rd = http.MethodGet, nil
		u, _ := url.Parse(doc.URI)
		q := u.Query()
		q.Set("payload", string(body))
		u.RawQuery = q.Encode()
		target = u.String()
	}
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, target, rd)
	if err != nil {
		return outcome{err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Numan-Webhooks/1")
	req.Header.Set("webhook-id", dl.EventID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	req.Header.Set("X-Hook-ID", h.ID)
	req.Header.Set("X-Account-ID", h.AccountID)
	resp, err := d.o.Client.Do(req)
	if err != nil {
		return outcome{err: "request failed: " + redactURL(err.Error(), doc.URI)}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	out := outcome{code: resp.StatusCode}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return out
	}
	out.err = "receiver answered " + resp.Status
	out.gone = resp.StatusCode == http.StatusGone
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			out.retryAfter = time.Duration(s) * time.Second
		}
	}
	return out
}

// redactURL keeps a webhook's URL (which may carry a token in its query)
// out of the delivery log.
func redactURL(msg, uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.RawQuery == "" {
		return msg
	}
	return strings.ReplaceAll(strings.ReplaceAll(msg, uri, u.Scheme+"://"+u.Host+u.Path), url.QueryEscape(uri), "")
}

// publish sends dl's event to its sink.
func (d *Deliverer) publish(ctx context.Context, dl *store.Delivery) outcome {
	for _, s := range d.o.Sinks {
		if s.Name() != dl.Sink {
			continue
		}
		body, err := json.Marshal(dl.Event)
		if err != nil {
			return outcome{err: err.Error()}
		}
		pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := s.Publish(pctx, dl.Event, body); err != nil {
			return outcome{err: err.Error()}
		}
		return outcome{}
	}
	return outcome{err: dl.Sink + " is not configured on this node"}
}
