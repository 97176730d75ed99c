package store

import (
	"context"

	"github.com/numan-dev/numan/number"
)

// NumberChange is a committed write of a number that a NumberWatcher hears
// of. Written is what the write stored (a copy the watcher may keep), nil
// when the number was deleted or when only its key is known (another
// node's write): the watcher reads the number again then, unless it
// already holds Version, the number's version when the change was heard
// of (0: unknown, or deleted).
type NumberChange struct {
	Number  string
	Written *number.Number
	Version int64
}

// NumberWatch receives a store's number writes. Changed is called after
// the commit of every write of numbers, with the numbers written, on the
// writer's goroutine for this store's own writes (so a request that wrote
// sees its change in the watcher at once) and on the store's following
// goroutine for other nodes' writes (Version lets the watcher skip what it
// holds already), and for this store's writes whose commit failed without
// telling whether it happened (a while after, when it has settled). Resync is called when changes may have
// been missed (too many at once, or the store could not read them for a
// while): the watcher must read every number again. Lost, when set, is
// called when the store stops hearing other nodes' writes (its reads
// failed); Resync follows once it hears them again. All must be quick and
// safe for concurrent use.
type NumberWatch struct {
	Changed func(changes []NumberChange)
	Resync  func()
	Lost    func()
}

// NumberWatcher is implemented by stores that report writes of numbers
// (store/sqlstore does: it hears other nodes' and processes' writes by
// following the event outbox). WatchNumbers registers w until ctx ends:
// every write committed after it returns is reported, so a watcher that
// reads every number once WatchNumbers returned misses none. The store's
// own writes are reported at once, other nodes' within the store's polling
// interval (on PostgreSQL, once every transaction that was running when
// they committed has ended).
type NumberWatcher interface {
	WatchNumbers(ctx context.Context, w NumberWatch) error
}
