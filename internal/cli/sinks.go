package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/webhooks"
)

// eventSinks returns the message buses system config's events document
// names (none yet: see docs/events.md).
func eventSinks(_ context.Context, _ *config.Source, _ *slog.Logger) ([]webhooks.Sink, error) {
	return nil, nil
}

// closeSink closes a sink that holds a connection.
func closeSink(s webhooks.Sink) {
	if c, ok := s.(io.Closer); ok {
		_ = c.Close()
	}
}
