package manager

import (
	"context"

	"github.com/numan-dev/numan/number"
)

// Ping reports whether the database answers.
func (m *Manager) Ping(ctx context.Context) error { return m.store.Ping(ctx) }

// CountNumbersByState counts the numbers stored in each state.
func (m *Manager) CountNumbersByState(ctx context.Context) (map[number.State]int64, error) {
	return m.store.CountNumbersByState(ctx)
}
