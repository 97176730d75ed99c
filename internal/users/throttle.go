package users

import (
	"sync"
	"time"
)

// ThrottleOptions bound failed sign-ins. Each key (a client address, an
// account a sign-in names) may fail MaxFailures times within Window; after
// that its sign-ins are refused without being checked until the window
// that began with its first failure ends. A success clears the client's
// count.
type ThrottleOptions struct {
	// PerClient is how many failures a client address may make in a
	// window (default 10).
	PerClient int
	// PerAccount is how many failures may name one account in a window,
	// from any address (default 50): a slow, spread-out guessing of one
	// account's users stops too. Kazoo's sign-in names an account and a
	// digest, never a user, so the account is the finest target a
	// failure can be counted against.
	PerAccount int
	// Window is how long failures count (default 15 minutes).
	Window time.Duration
}

// maxThrottleKeys bounds the keys remembered: past it, expired ones are
// dropped, then the oldest.
const maxThrottleKeys = 100_000

type window struct {
	start    time.Time
	failures int
}

// throttle counts failed sign-ins per key, on the injected clock. It is
// per node: a cluster of N nodes lets a client fail N times as often.
type throttle struct {
	mu   sync.Mutex
	o    ThrottleOptions
	now  func() time.Time
	keys map[string]*window
}

func newThrottle(o ThrottleOptions, now func() time.Time) *throttle {
	if o.PerClient <= 0 {
		o.PerClient = 10
	}
	if o.PerAccount <= 0 {
		o.PerAccount = 50
	}
	if o.Window <= 0 {
		o.Window = 15 * time.Minute
	}
	return &throttle{o: o, now: now, keys: map[string]*window{}}
}

// blocked reports whether any of the keys has used up its failures, and
// when the earliest of them may try again.
func (t *throttle) blocked(keys ...throttleKey) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, k := range keys {
		w := t.keys[k.name]
		if w == nil || now.Sub(w.start) >= t.o.Window {
			continue
		}
		if w.failures >= k.limit {
			if d := w.start.Add(t.o.Window).Sub(now); d > wait {
				wait = d
			}
		}
	}
	return wait > 0, wait
}

// fail counts a failure against each key.
func (t *throttle) fail(keys ...throttleKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.keys) >= maxThrottleKeys {
		t.evict(now)
	}
	for _, k := range keys {
		w := t.keys[k.name]
		if w == nil || now.Sub(w.start) >= t.o.Window {
			w = &window{start: now}
			t.keys[k.name] = w
		}
		w.failures++
	}
}

// succeed clears the keys' counts.
func (t *throttle) succeed(keys ...throttleKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.keys, k.name)
	}
}

func (t *throttle) evict(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for k, w := range t.keys {
		if now.Sub(w.start) >= t.o.Window {
			delete(t.keys, k)
			continue
		}
		if oldest == "" || w.start.Before(oldestAt) {
			oldest, oldestAt = k, w.start
		}
	}
	if len(t.keys) >= maxThrottleKeys && oldest != "" {
		delete(t.keys, oldest)
	}
}

type throttleKey struct {
	name  string
	limit int
}

func (t *throttle) client(addr string) throttleKey {
	return throttleKey{name: "client:" + addr, limit: t.o.PerClient}
}

func (t *throttle) account(id string) throttleKey {
	return throttleKey{name: "account:" + id, limit: t.o.PerAccount}
}
