package sqlstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// followEvery is how often a store reads the number events other nodes
// or processes wrote (see WatchNumbers); followMax is the most numbers one
// read hands on one by one: past it the watch reads every number again.
const (
	followEvery  = 100 * time.Millisecond
	followMax    = 10000
	followMaxSQL = "10001" // followMax + 1, in the dialects' follow reads
)

// newOrigin returns a store's origin (Store.origin): random, never 0.
func newOrigin() int64 {
	for {
		if o := rand.Int64(); o != 0 {
			return o
		}
	}
}

// watching is a registered watch, with the numbers its follower reports
// again (see Store.doubt).
type watching struct {
	w      store.NumberWatch
	mu     sync.Mutex
	doubts []string // doubted since the follower's last read
}

// watchers are a Store's registered number watches.
type watchers struct {
	mu   sync.RWMutex
	list []*watching
	any  atomic.Bool // whether any watch is registered (PollExternal)

	// Committed changes wait in pending, in commit order, for whichever
	// writer next holds applying: a writer queues its changes while it
	// still holds its connection (on SQLite, the one write connection, so
	// the queue's order is the commit order) and hands them to the watches
	// after releasing it, so the next transaction does not wait for the
	// route index's update.
	pendingMu sync.Mutex
	pending   [][]store.NumberChange
	queued    uint64     // batches ever queued (guarded by pendingMu)
	applying  sync.Mutex // held while reporting; guards applied
	applied   uint64     // batches ever reported
}

// WatchNumbers implements store.NumberWatcher. This store's writes are
// reported after their commit on the writer's goroutine. Other nodes' (on
// SQLite: other processes', such as numan reconcile or a second server on
// the file) are read from the event outbox, which every write of a number
// appends to in its transaction, skipping the events of this store's
// origin (its own writes, heard already): WatchNumbers takes a mark of the outbox
// before it returns (the caller reads every number after that), then a
// goroutine reads, every followEvery or at once when PollExternal asks,
// the numbers of the events written since the mark (the dialect's
// followRead; more than followMax: w.Resync). When a read fails it calls
// w.Lost, and once the database answers again it takes a new mark and
// calls w.Resync.
func (s *Store) WatchNumbers(ctx context.Context, w store.NumberWatch) error {
	if s.d.followRead == nil {
		return s.d.internal("watch numbers", "", errors.New("the dialect cannot follow the outbox"))
	}
	mark, err := s.d.followMark(ctx, s)
	if err != nil {
		return s.d.internal("watch numbers", "", err)
	}
	me := &watching{w: w}
	s.watch.mu.Lock()
	s.watch.list = append(s.watch.list, me)
	s.watch.any.Store(true)
	s.watch.mu.Unlock()
	context.AfterFunc(ctx, func() {
		s.watch.mu.Lock()
		defer s.watch.mu.Unlock()
		for i, p := range s.watch.list {
			if p == me {
				s.watch.list = append(s.watch.list[:i], s.watch.list[i+1:]...)
				break
			}
		}
		s.watch.any.Store(len(s.watch.list) > 0)
	})
	go s.followLoop(ctx, me, mark)
	return nil
}

// doubt records numbers whose write's outcome is unknown (the connection
// failed during its commit): the write may land after the watches read
// them again, and the follower skips its events, which are this store's
// own. Each watch's follower reports them on its second read from now, at
// least followEvery later, when such a commit has long been settled.
func (s *Store) doubt(e164s []string) {
	s.watch.mu.RLock()
	defer s.watch.mu.RUnlock()
	for _, w := range s.watch.list {
		w.mu.Lock()
		w.doubts = append(w.doubts, e164s...)
		w.mu.Unlock()
	}
}

// changedNumbers are the numbers of changes.
func changedNumbers(changes []store.NumberChange) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = c.Number
	}
	return out
}

// takeDoubts returns the numbers doubted since the last call.
func (w *watching) takeDoubts() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.doubts
	w.doubts = nil
	return d
}

// followLoop follows the outbox from mark until ctx ends; when a read
// fails it takes a new mark once the database answers again (after a
// pause that grows to 5 s) and resyncs w.
func (s *Store) followLoop(ctx context.Context, me *watching, mark string) {
	w := me.w
	t := time.NewTicker(followEvery)
	defer t.Stop()
	for {
		s.follow(ctx, me, t.C, mark)
		if ctx.Err() != nil {
			return
		}
		if w.Lost != nil {
			w.Lost()
		}
		for pause := 100 * time.Millisecond; ; pause = min(2*pause, 5*time.Second) {
			wait := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				wait.Stop()
				return
			case <-wait.C:
			}
			m, err := s.d.followMark(ctx, s)
			if err == nil {
				mark = m
				break
			}
		}
		w.Resync()
	}
}

// follow reports what each read from mark on finds, and the numbers
// doubted before the previous read, until ctx ends or a read fails.
func (s *Store) follow(ctx context.Context, me *watching, tick <-chan time.Time, mark string) {
	w := me.w
	var doubted []string // since the read before the last
	for {
		var done chan struct{}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		case done = <-s.pollNow:
		}
		due := doubted
		doubted = me.takeDoubts()
		changes, next, err := s.d.followRead(ctx, s, mark)
		if err == nil {
			mark = next
			for _, e := range due {
				changes = append(changes, store.NumberChange{Number: e}) // version 0: read it again
			}
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
			return
		}
	}
}

// queue puts committed changes in line to be reported (see watchers) and
// returns their ticket for drain (0: nothing to report).
func (s *Store) queue(changes []store.NumberChange) uint64 {
	if len(changes) == 0 {
		return 0
	}
	s.watch.pendingMu.Lock()
	defer s.watch.pendingMu.Unlock()
	s.watch.pending = append(s.watch.pending, changes)
	s.watch.queued++
	return s.watch.queued
}

// drain reports the changes queued, in order, until those of ticket are:
// when it returns they have been reported, by the caller or by the writer
// that held applying before it. It stops there, so a writer does not go
// on reporting the writes that keep coming after its own.
func (s *Store) drain(ticket uint64) {
	if ticket == 0 {
		return
	}
	s.watch.applying.Lock()
	defer s.watch.applying.Unlock()
	for s.watch.applied < ticket {
		s.watch.pendingMu.Lock()
		batch := s.watch.pending
		s.watch.pending = nil
		s.watch.pendingMu.Unlock()
		for _, changes := range batch {
			s.notify(changes)
		}
		s.watch.applied += uint64(len(batch))
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
		w.w.Changed(changes)
	}
}

// noteWritten records that n was written (a copy, as the caller may change
// n): reported at once outside a transaction, at its commit inside one.
// Every write is noted, watched or not: its events carry this store's
// origin, which the follower skips, so a write that began before a watch
// was added must still reach it (or commit before WatchNumbers returns,
// and be read by the watch's caller).
func (x *executor) noteWritten(ns ...*number.Number) {
	changes := make([]store.NumberChange, len(ns))
	for i, n := range ns {
		changes[i] = store.NumberChange{Number: n.Number, Written: n.Clone()}
	}
	x.note(changes)
}

// noteDeleted records that e164 was deleted.
func (x *executor) noteDeleted(e164 string) {
	x.note([]store.NumberChange{{Number: e164}})
}

func (x *executor) note(changes []store.NumberChange) {
	if x.changes != nil {
		*x.changes = append(*x.changes, changes...)
		return
	}
	x.s.drain(x.s.queue(changes))
}

// PollExternal makes the store's watch read the outbox at once for other
// nodes' or processes' writes (as it does every followEvery) and returns
// once it has reported them: tests use it instead of waiting. It returns
// at once when nothing watches.
func (s *Store) PollExternal(ctx context.Context) {
	if s.d.followRead == nil || !s.watch.any.Load() {
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
