package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPortsCommands(t *testing.T) {
	s := newServer(t)
	dir := t.TempDir()
	docFile := filepath.Join(dir, "port.json")
	os.WriteFile(docFile, []byte(`{"bill":{"name":"Acme","carrier":"Old Telco"},"signee_name":"Jane Doe"}`), 0o600)
	code, out, errs := s.run(t, "", "ports", "create", "--name", "move to numan", "--file", docFile, "+14155550100", "4155550101")
	if code != 0 {
		t.Fatalf("create: %d %s %s", code, out, errs)
	}
	var created struct {
		ID      string         `json:"id"`
		Numbers map[string]any `json:"numbers"`
		State   string         `json:"port_state"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.State != "unconfirmed" || len(created.Numbers) != 2 {
		t.Fatalf("create: %s %v", out, err)
	}
	id := created.ID
	if code, out, _ := s.run(t, "", "ports", "list"); code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "unconfirmed") {
		t.Errorf("list: %d %s", code, out)
	}
	if code, out, _ := s.run(t, "", "ports", "list", "--number", "+14155550101"); code != 0 || !strings.Contains(out, id) {
		t.Errorf("list --number: %d %s", code, out)
	}
	if code, out, _ := s.run(t, "", "ports", "update", id, "reference_number=R-1"); code != 0 || !strings.Contains(out, `"reference_number": "R-1"`) {
		t.Errorf("update: %d %s", code, out)
	}
	pdf := filepath.Join(dir, "bill.pdf")
	os.WriteFile(pdf, []byte("%PDF-1.4\nbill\n%%EOF\n"), 0o600)
	if code, _, errs := s.run(t, "", "ports", "attach", id, pdf); code != 0 {
		t.Fatalf("attach: %s", errs)
	}
	if code, out, _ := s.run(t, "", "ports", "attachments", id); code != 0 || !strings.Contains(out, `"bill.pdf"`) {
		t.Errorf("attachments: %s", out)
	}
	if code, out, _ := s.run(t, "", "ports", "download", id, "bill.pdf"); code != 0 || out != "%PDF-1.4\nbill\n%%EOF\n" {
		t.Errorf("download: %q", out)
	}
	loa := filepath.Join(dir, "loa.pdf")
	if code, _, errs := s.run(t, "", "ports", "loa", id, "--out", loa); code != 0 {
		t.Fatalf("loa: %s", errs)
	}
	if b, _ := os.ReadFile(loa); !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("Jane Doe")) {
		t.Errorf("LOA: %.40q", b)
	}
	if code, out, _ := s.run(t, "", "ports", "comment", id, "--private", "checked", "the", "bill"); code != 0 || !strings.Contains(out, "checked the bill") {
		t.Errorf("comment: %d %s", code, out)
	}
	for _, st := range []string{"submitted", "pending"} {
		if code, out, errs := s.run(t, "", "ports", "move", id, st, "--reason", "go"); code != 0 || !strings.Contains(out, `"port_state": "`+st+`"`) {
			t.Fatalf("move %s: %d %s %s", st, code, out, errs)
		}
	}
	if code, out, errs := s.run(t, "", "ports", "move", id, "scheduled", "--schedule-on", "2026-12-01 09:00", "--timezone", "America/New_York"); code != 0 || !strings.Contains(out, `"scheduled_date"`) {
		t.Fatalf("move scheduled: %d %s %s", code, out, errs)
	}
	if code, _, errs := s.run(t, "", "ports", "delete", id); code != 1 || !strings.Contains(errs, "405") {
		t.Errorf("delete when scheduled: %d %s", code, errs)
	}
	if code, out, _ := s.run(t, "", "ports", "timeline", id); code != 0 || strings.Count(out, `"transition": {`) != 4 || !strings.Contains(out, "checked the bill") {
		t.Errorf("timeline: %s", out)
	}
	if code, out, _ := s.run(t, "", "ports", "notifications", id); code != 0 || !strings.Contains(out, `"port_scheduled"`) {
		t.Errorf("notifications: %s", out)
	}
	if code, out, _ := s.run(t, "", "ports", "move", id, "completed"); code != 0 || !strings.Contains(out, `"ported_numbers"`) {
		t.Errorf("move completed: %d %s", code, out)
	}
	if code, out, _ := s.run(t, "", "numbers", "get", "+14155550100"); code != 0 || !strings.Contains(out, `"in_service"`) {
		t.Errorf("the ported number: %s", out)
	}
	if code, _, errs := s.run(t, "", "ports", "move", id); code != 2 || !strings.Contains(errs, "needs 2 argument") {
		t.Errorf("move without a state: %d %s", code, errs)
	}
}
