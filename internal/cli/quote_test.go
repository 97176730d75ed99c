package cli

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/api"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlite"
)

// newBilledServer is newServer with every write priced by billing, as numan
// serve runs it, and a plan pricing the master's local numbers.
func newBilledServer(t *testing.T) *server {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	src := config.NewSource(st, "", time.Second, config.SealWith(testKeyring(t)))
	secret, err := src.LoadSecret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := api.NewAuth(secret, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := accounts.NewKeys(secret)
	if err != nil {
		t.Fatal(err)
	}
	accs := accounts.New(st, accounts.Options{CacheTTL: time.Second, Keys: keys})
	master, _, err := accs.EnsureMaster(ctx, masterKey)
	if err != nil {
		t.Fatal(err)
	}
	mgr := manager.New(st, src, manager.Options{Accounts: accs})
	bill := billing.New(st, billing.ClassifyWith(mgr), billing.Options{})
	mgr.SetBilling(bill)
	p, err := billing.DecodePlan(json.RawMessage(`{"name": "Local", "plan": {
		"number_carriers": {"local": {"activation_charge": "1.25", "rate": "0.40"}},
		"number_services": {"local": {"rate": "0.10"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	p.ID, p.OwnerID = "local", master.ID
	if err := st.InsertServicePlan(ctx, p.Stored()); err != nil {
		t.Fatal(err)
	}
	if err := st.LinkServicePlan(ctx, master.ID, "local", time.Now()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.New(api.Options{Manager: mgr, Config: src, Auth: auth, Billing: bill}))
	t.Cleanup(hs.Close)
	return &server{url: hs.URL, st: st, master: master.ID}
}

func TestQuote(t *testing.T) {
	s := newBilledServer(t)
	code, out, errs := s.run(t, "", "quote", "--action", "create", "+14155550100", "+14155550101")
	if code != 0 {
		t.Fatalf("quote: %d %s %s", code, out, errs)
	}
	for _, want := range []string{"plan Local (local)", "one-time  number_carriers  local  2         1.25  2.50",
		"monthly   number_carriers  local  2         0.40  0.80", "today", "2.50 USD", "+1.00 USD"} {
		if !strings.Contains(out, want) {
			t.Errorf("quote output lacks %q:\n%s", want, out)
		}
	}
	// A quote writes nothing.
	if counts, _ := s.st.CountNumbersByState(context.Background()); len(counts) != 0 {
		t.Fatalf("quote stored numbers: %v", counts)
	}
	if es, _ := s.st.ListLedger(context.Background(), store.LedgerQuery{AccountID: s.master}); len(es) != 0 {
		t.Fatalf("quote charged: %d entries", len(es))
	}

	code, out, _ = s.run(t, "", "quote", "--json", "--action", "create", "+14155550100")
	if code != 0 || !strings.Contains(out, `"today_minor": 125`) {
		t.Errorf("quote --json: %d %s", code, out)
	}
	// Buying with accepted charges, then quoting the same numbers: they exist.
	if code, out, errs := s.run(t, "", "numbers", "add", "--accept-charges", "+14155550100"); code != 0 {
		t.Fatalf("numbers add: %d %s %s", code, out, errs)
	}
	code, out, _ = s.run(t, "", "quote", "--action", "create", "+14155550100")
	if code != 1 || !strings.Contains(out, "+14155550100\tfailed\tnumber_exists") {
		t.Errorf("quote of an existing number: %d %s", code, out)
	}
	if code, _, _ := s.run(t, "", "quote"); code != 2 {
		t.Errorf("quote without numbers: %d", code)
	}
	if code, _, _ := s.run(t, "", "quote", "--action", "steal", "+14155550100"); code != 2 {
		t.Errorf("quote with a bad action: %d", code)
	}
}
