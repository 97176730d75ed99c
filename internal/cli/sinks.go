package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/numan-dev/numan/internal/bus"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/webhooks"
)

// eventSinks returns the message buses system config's events document
// names (docs/events.md), read when the server starts.
func eventSinks(ctx context.Context, src *config.Source, log *slog.Logger) ([]webhooks.Sink, error) {
	raw, err := src.Effective(ctx, bus.ConfigID)
	if err != nil {
		return nil, err
	}
	c, err := bus.ParseConfig(raw)
	if err != nil {
		return nil, err
	}
	var out []webhooks.Sink
	for _, s := range bus.Open(c) {
		log.Info("events are published to a message bus", "bus", s.Name())
		out = append(out, s)
	}
	return out, nil
}

// closeSink closes a sink that holds a connection.
func closeSink(s webhooks.Sink) {
	if c, ok := s.(io.Closer); ok {
		_ = c.Close()
	}
}
