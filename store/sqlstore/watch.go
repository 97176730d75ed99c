package sqlstore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// followEvery is how often a PostgreSQL store reads the number events
// other nodes wrote (see WatchNumbers); followMax is the most numbers one
// read hands on one by one: past it the watch reads every number again.
const (
	followEvery  = 100 * time.Millisecond
	followMax    = 10000
	followMaxSQL = "10001" // followMax + 1, in followReadSQL
)

// watchers are a Store's registered number watches.
type watchers struct {
	mu   sync.RWMutex
	list []*store.NumberWatch
	any  atomic.Bool // fast path of the write methods: no watch, no copies
}

// WatchNumbers implements store.NumberWatcher. This store's writes are
// reported after their commit on the writer's goroutine. On PostgreSQL a
// goroutine also follows the event outbox for other nodes' writes (every
// followEvery, or at once when PollExternal asks): it takes a mark, calls
// w.Resync, then reports the numbers of each batch of number events
// written by transactions that ended since the last mark (a batch of more
// than followMax: w.Resync); when a read fails it calls w.Lost, and
// starts again (a new mark, w.Resync) once the database answers. On
// SQLite Resync is called once before WatchNumbers returns, and again
// whenever another process committed to the file (numan reconcile, a
// second server on the same file): a goroutine compares the write
// connection's PRAGMA data_version, which only another connection's
// commits change, every externalPoll.
func (s *Store) WatchNumbers(ctx context.Context, w store.NumberWatch) error {
	s.watch.mu.Lock()
	s.watch.list = append(s.watch.list, &w)
	s.watch.any.Store(true)
	s.watch.mu.Unlock()
	context.AfterFunc(ctx, func() {
		s.watch.mu.Lock()
		defer s.watch.mu.Unlock()
		for i, p := range s.watch.list {
			if p == &w {
				s.watch.list = append(s.watch.list[:i], s.watch.list[i+1:]...)
				break
			}
		}
		s.watch.any.Store(len(s.watch.list) > 0)
	})
	if s.d.followRead == nil {
		if s.d.externalVersion != nil {
			v, err := s.d.externalVersion(ctx, s)
			if err != nil {
				return s.d.internal("watch numbers", "", err)
			}
			go s.pollExternal(ctx, w, v)
		}
		w.Resync()
		return nil
	}
	go s.followLoop(ctx, w)
	return nil
}

// followLoop follows other nodes' writes until ctx ends, starting again
// (after a pause that grows to 5 s) whenever the database fails.
func (s *Store) followLoop(ctx context.Context, w store.NumberWatch) {
	pause := 100 * time.Millisecond
	t := time.NewTicker(followEvery)
	defer t.Stop()
	for ctx.Err() == nil {
		started, err := s.follow(ctx, w, t.C)
		if ctx.Err() != nil {
			return
		}
		if w.Lost != nil {
			w.Lost()
		}
		if started {
			pause = 100 * time.Millisecond
		}
		_ = err // the next attempt says whether the database is back
		wait := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			wait.Stop()
			return
		case <-wait.C:
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// follow takes a mark, resyncs w, and reports what each read from the
// mark on finds, until ctx ends or a read fails; started says it got as
// far as the resync.
func (s *Store) follow(ctx context.Context, w store.NumberWatch, tick <-chan time.Time) (started bool, err error) {
	mark, err := s.d.followMark(ctx, s)
	if err != nil {
		return false, err
	}
	w.Resync()
	for {
		var done chan struct{}
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-tick:
		case done = <-s.pollNow:
		}
		changes, next, err := s.d.followRead(ctx, s, mark)
		if err == nil {
			mark = next
			switch {
			case len(changes) > followMax:
				w.Resync()
			case len(changes) > 0:
				w.Changed(changes)
			}
		}
		if done != nil {
			close(done)
		}
		if err != nil {
			return true, err
		}
	}
}

// notify reports committed changes to every watch.
func (s *Store) notify(changes []store.NumberChange) {
	if len(changes) == 0 {
		return
	}
	s.watch.mu.RLock()
	list := s.watch.list
	s.watch.mu.RUnlock()
	for _, w := range list {
		w.Changed(changes)
	}
}

// noteWritten records that n was written (a copy, as the caller may change
// n): reported at once outside a transaction, at its commit inside one.
func (x *executor) noteWritten(ns ...*number.Number) {
	if !x.s.watch.any.Load() {
		return
	}
	changes := make([]store.NumberChange, len(ns))
	for i, n := range ns {
		changes[i] = store.NumberChange{Number: n.Number, Written: n.Clone()}
	}
	x.note(changes)
}

// noteDeleted records that e164 was deleted.
func (x *executor) noteDeleted(e164 string) {
	if !x.s.watch.any.Load() {
		return
	}
	x.note([]store.NumberChange{{Number: e164}})
}

func (x *executor) note(changes []store.NumberChange) {
	if x.changes != nil {
		*x.changes = append(*x.changes, changes...)
		return
	}
	x.s.notify(changes)
}

// externalPoll is how often a SQLite store checks for other processes'
// commits.
const externalPoll = time.Second

// pollExternal calls w.Resync whenever the dialect's external version
// moves from v, until ctx ends; a poll runs every externalPoll, or at once
// when asked on s.pollNow (tests), which is answered when it is done.
func (s *Store) pollExternal(ctx context.Context, w store.NumberWatch, v int64) {
	t := time.NewTicker(externalPoll)
	defer t.Stop()
	for {
		var done chan struct{}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case done = <-s.pollNow:
		}
		if nv, err := s.d.externalVersion(ctx, s); err == nil && nv != v {
			v = nv
			w.Resync()
		}
		if done != nil {
			close(done)
		}
	}
}

// PollExternal makes the store's watch check at once for other nodes' or
// processes' writes (as it does every followEvery on PostgreSQL, every
// externalPoll on SQLite) and returns once it has reported them: tests use
// it instead of waiting. It returns at once when nothing watches.
func (s *Store) PollExternal(ctx context.Context) {
	if (s.d.externalVersion == nil && s.d.followRead == nil) || !s.watch.any.Load() {
		return
	}
	done := make(chan struct{})
	select {
	case s.pollNow <- done:
		select {
		case <-done:
		case <-ctx.Done():
		}
	case <-ctx.Done():
	}
}
