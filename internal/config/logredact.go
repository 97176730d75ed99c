package config

import (
	"context"
	"log/slog"
	"strings"
)

// RedactingHandler wraps a log handler so that no URL credentials (user
// info, query values) reach the log, whichever code logged them: a message
// or a string or error attribute quoting a URL is masked as RedactURL
// does. Secrets named by their key are never logged in the first place
// (only Redact-ed settings are).
func RedactingHandler(h slog.Handler) slog.Handler { return redactingHandler{h} }

type redactingHandler struct{ h slog.Handler }

func (r redactingHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, RedactText(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r redactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return redactingHandler{r.h.WithAttrs(red)}
}

func (r redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{r.h.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); strings.Contains(s, "://") {
			return slog.String(a.Key, RedactText(s))
		}
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			if s := err.Error(); strings.Contains(s, "://") {
				return slog.String(a.Key, RedactText(s))
			}
		}
		if s, ok := v.Any().(interface{ String() string }); ok {
			if t := s.String(); strings.Contains(t, "://") {
				return slog.String(a.Key, RedactText(t))
			}
		}
	case slog.KindGroup:
		as := v.Group()
		red := make([]any, len(as))
		for i, x := range as {
			red[i] = redactAttr(x)
		}
		return slog.Group(a.Key, red...)
	}
	return a
}
