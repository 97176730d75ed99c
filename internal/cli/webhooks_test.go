package cli

import (
	"strings"
	"testing"
)

// numan webhooks: create prints the secret once, list shows the webhook,
// disable and rotate change it, replay needs an event or a time, delete
// removes it.
func TestWebhooksCommands(t *testing.T) {
	s := newServer(t)
	code, out, errs := s.run(t, "", "webhooks", "create", "--name", "crm", "--uri", "https://crm.example.com/hook", "--hook", "number.*")
	if code != 0 || !strings.Contains(out, "secret\twhsec_") || !strings.Contains(errs, "shown only now") {
		t.Fatalf("create: %d %s %s", code, out, errs)
	}
	var id string
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), `"id": "`); ok {
			id = strings.TrimSuffix(v, `",`)
		}
	}
	if id == "" {
		t.Fatalf("no id in %s", out)
	}
	if code, out, _ := s.run(t, "", "webhooks", "list"); code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "number.*") || strings.Contains(out, "whsec_") {
		t.Errorf("list: %d %s", code, out)
	}
	if code, out, _ := s.run(t, "", "webhooks", "disable", id); code != 0 || !strings.Contains(out, `"enabled": false`) {
		t.Errorf("disable: %d %s", code, out)
	}
	if code, out, _ := s.run(t, "", "webhooks", "rotate", id); code != 0 || !strings.Contains(out, "secret\twhsec_") {
		t.Errorf("rotate: %d %s", code, out)
	}
	if code, _, _ := s.run(t, "", "webhooks", "replay", id); code != 2 {
		t.Errorf("replay without --event or --since: %d", code)
	}
	if code, out, errs := s.run(t, "", "webhooks", "replay", id, "--since", "2026-01-01T00:00:00Z"); code != 0 || !strings.Contains(out, "replayed") {
		t.Errorf("replay: %d %s %s", code, out, errs)
	}
	if code, out, _ := s.run(t, "", "webhooks", "attempts", id); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("attempts: %d %s", code, out)
	}
	if code, _, errs := s.run(t, "", "webhooks", "delete", id); code != 0 {
		t.Errorf("delete: %d %s", code, errs)
	}
	if code, _, _ := s.run(t, "", "webhooks", "get", id); code == 0 {
		t.Errorf("get after delete succeeded")
	}
}
