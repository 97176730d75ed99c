package manager_test

import (
	_ "github.com/numan-dev/numan/feature/all" // the feature providers numan serve has

	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/numan-dev/numan/carrier/mdn"
	_ "github.com/numan-dev/numan/carrier/storesearch"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlite"
)

// The fixture world of the Kazoo test suite (kazoo-test-scenarios.md §1),
// with account ids in Numan's 32-hex shape.
const (
	master    = "00000000000000000000000000000001"
	reseller  = "00000000000000000000000000000002"
	child     = "00000000000000000000000000000003"
	unrelated = "0000000000000000000000000000dead" // no account document
)

const (
	availableNum        = "+15551239876"
	inServiceNum        = "+15551233322"
	inServiceMDN        = "+15551233324"
	badCarrierNum       = "+15551233337"
	withHistoryNum      = "+15551255693"
	reservedNum         = "+14252151010"
	portInNum           = "+14252151007"
	telnyxNum           = "+14352154006"
	availableNonLocal   = "+19162154006"
	bwExistingDID       = "+14122065197"
	createNum           = "+15559871234"
	notNum              = "NOT a number"
	unknownNumberDigits = "4156301234"
)

var epoch = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

type world struct {
	m   *manager.Manager
	st  store.Store
	src *config.Source
	now time.Time
}

var (
	templateOnce sync.Once
	templateDB   []byte
	templateErr  error
)

// newWorld opens a store holding the fixture world. The world is built
// once per test binary and copied, so each test starts from pristine
// fixtures without paying for migrations again.
func newWorld(t testing.TB) *world {
	t.Helper()
	templateOnce.Do(func() { templateDB, templateErr = buildTemplate() })
	if templateErr != nil {
		t.Fatal(templateErr)
	}
	path := filepath.Join(t.TempDir(), "numan.db")
	if err := os.WriteFile(path, templateDB, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &world{st: st, now: epoch}
	w.src = config.NewSource(st, "", time.Nanosecond)
	w.m = manager.New(st, w.src, manager.Options{Now: func() time.Time { return w.now }})
	return w
}

func buildTemplate() ([]byte, error) {
	dir, err := os.MkdirTemp("", "numan-world")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "numan.db")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	accounts := []*number.Account{
		{ID: master, Name: "Master Account", Enabled: true, Reseller: true, SuperduperAdmin: true, AllowNumberAdditions: true},
		{ID: reseller, Name: "Sub Account", ParentID: master, Tree: []string{master}, Enabled: true, Reseller: true, AllowNumberAdditions: true},
		{ID: child, Name: "Sub-Sub Account", ParentID: reseller, Tree: []string{master, reseller}, Enabled: true},
	}
	for _, a := range accounts {
		a.Created, a.Modified = epoch, epoch
		if err := st.InsertAccount(ctx, a); err != nil {
			return nil, err
		}
	}
	if err := st.InsertNumbers(ctx, fixtureNumbers()); err != nil {
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

func fixtureNumber(e164 string, st number.State, module, owner string, hist ...string) *number.Number {
	n := number.New(e164, st, module, epoch.Add(-time.Hour))
	n.AssignedTo = owner
	n.ReserveHistory = hist
	return n
}

func fixtureNumbers() []*number.Number {
	avail := fixtureNumber(availableNum, number.Available, "local", "")
	avail.PrevAssignedTo = reseller
	avail.Public = number.Doc{"my_key": json.RawMessage(`"my string"`)}

	inService := fixtureNumber(inServiceNum, number.InService, "local", reseller, reseller)
	inService.UsedBy = "callflow"
	mdn := fixtureNumber(inServiceMDN, number.InService, "mdn", reseller, reseller)
	bad := fixtureNumber(badCarrierNum, number.InService, "pacwest", reseller, reseller)
	bad.UsedBy = "callflow"
	hist := fixtureNumber(withHistoryNum, number.InService, "local", reseller, reseller, master)
	hist.UsedBy = "callflow"
	reserved := fixtureNumber(reservedNum, number.Reserved, "local", reseller, reseller)
	portIn := fixtureNumber(portInNum, number.PortIn, "local", reseller, reseller)
	telnyx := fixtureNumber(telnyxNum, number.Available, "telnyx", reseller, reseller)
	telnyx.FeaturesAllow = []string{"cnam", "e911", "failover", "force_outbound", "prepend", "ringback", "carrier_name"}
	telnyx.FeaturesDeny = []string{"port", "failover"}
	nonLocal := fixtureNumber(availableNonLocal, number.Available, "telnyx", "")
	nonLocal.PrevAssignedTo = reseller
	bw := fixtureNumber(bwExistingDID, number.Discovery, "bandwidth2", reseller)
	bw.FeaturesDeny = []string{"e911"}
	return []*number.Number{avail, inService, mdn, bad, hist, reserved, portIn, telnyx, nonLocal, bw}
}

// sys are the default options: auth_by system.
func sys() manager.Op { return manager.Op{AuthBy: number.SystemRequester} }

func as(account string) manager.Op { return manager.Op{AuthBy: number.By(account)} }

// one returns the single success of r, failing the test otherwise.
func one(t *testing.T, r *manager.Result) *number.Number {
	t.Helper()
	if len(r.Failed) != 0 || len(r.Succeeded) != 1 {
		t.Fatalf("want one success, got %d successes and failures %v", len(r.Succeeded), r.Failed)
	}
	return r.Succeeded[0]
}

// failure returns the error of the single failure of r keyed by key.
func failure(t *testing.T, r *manager.Result, key string) *number.Error {
	t.Helper()
	err, ok := r.Failed[key]
	if !ok {
		t.Fatalf("want a failure for %s, got successes %d failures %v", key, len(r.Succeeded), r.Failed)
	}
	return number.AsError(err)
}

func wantKind(t *testing.T, e *number.Error, k number.Kind, cause string) {
	t.Helper()
	if e.Kind != k || e.Cause != cause {
		t.Fatalf("got %s (cause %q), want %s (cause %q)", e.Kind, e.Cause, k, cause)
	}
}

func (w *world) stored(t *testing.T, e164 string) *number.Number {
	t.Helper()
	n, err := w.st.GetNumber(context.Background(), e164)
	if err != nil {
		t.Fatalf("get %s: %v", e164, err)
	}
	return n
}

func (w *world) absent(t *testing.T, e164 string) {
	t.Helper()
	if _, err := w.st.GetNumber(context.Background(), e164); !number.IsKind(err, number.KindNotFound) {
		t.Fatalf("%s: want not stored, got %v", e164, err)
	}
}
