package cli

import (
	"strings"
	"testing"

	_ "github.com/numan-dev/numan/feature/all" // the feature providers numan serve has
	"github.com/numan-dev/numan/number"
)

func TestFeaturesCommands(t *testing.T) {
	s := newServer(t)
	code, out, _ := s.run(t, "", "accounts", "create", "--name", "reseller")
	if code != 0 {
		t.Fatal(out)
	}
	var child string
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "id\t"); ok {
			child = v
		}
	}
	if !number.IsAccountID(child) {
		t.Fatalf("no id in %q", out)
	}
	acct := "--account=" + child
	if code, out, errs := s.run(t, "", "features", "set", acct, `features={"deny":["e911"]}`, "cnam_provider=cnam_notifier"); code != 0 || !strings.Contains(out, `"cnam_provider": "cnam_notifier"`) {
		t.Fatalf("features set: %d %s %s", code, out, errs)
	}
	if code, _, errs := s.run(t, "", "features", "set", acct, "e911_provider=no_such"); code != 1 || !strings.Contains(errs, "400") {
		t.Errorf("features set unknown provider: %d %s", code, errs)
	}
	if code, out, _ := s.run(t, "", "features", "get", acct); code != 0 || !strings.Contains(out, `"e911"`) || !strings.Contains(out, `"effective"`) {
		t.Errorf("features get: %d %s", code, out)
	}
	if code, out, errs := s.run(t, "", "features", "route", acct); code != 0 || !strings.Contains(errs, "done") {
		t.Errorf("features route (nothing to route): %d %s %s", code, out, errs)
	}
	if code, out, _ := s.run(t, "", "features", "actions", acct); code != 0 || !strings.HasPrefix(out, "ID") {
		t.Errorf("features actions: %d %s", code, out)
	}
	if code, out, _ := s.run(t, "", "features", "reset", acct); code != 0 || strings.Contains(out, `"cnam_provider": "cnam_notifier"`) {
		t.Errorf("features reset: %d %s", code, out)
	}
}
