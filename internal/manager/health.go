package manager

import (
	"context"

	"github.com/numan-dev/numan/number"
)

// Ping reports whether the database answers.
func (m *Manager) Ping(ctx context.Context) error { return m.store.Ping(ctx) }

// Ready checks the store can serve a read and, on a primary, a write
// (store.Store.Ready): a node whose database refuses writes is not ready.
func (m *Manager) Ready(ctx context.Context) error { return m.store.Ready(ctx) }

// CountNumbersByState counts the numbers stored in each state.
func (m *Manager) CountNumbersByState(ctx context.Context) (map[number.State]int64, error) {
	return m.store.CountNumbersByState(ctx)
}
