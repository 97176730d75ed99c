package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/numan-dev/numan/carrier/storesearch"
	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/api"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/internal/webhooks"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/sqlite"
)

const masterKey = "cli-test-master-key"

// server is a real API server on SQLite behind httptest.
type server struct {
	url    string
	st     *sqlite.Store
	master string
}

func newServer(t *testing.T) *server {
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
	hooks := webhooks.New(st, src.Keyring(), webhooks.Options{})
	hs := httptest.NewServer(api.New(api.Options{Manager: mgr, Billing: bill, Config: src, Auth: auth, Webhooks: hooks}))
	t.Cleanup(hs.Close)
	return &server{url: hs.URL, st: st, master: master.ID}
}

// testKeyring is a keyring with a new key.
func testKeyring(t *testing.T) *secrets.Keyring {
	t.Helper()
	kr, err := secrets.NewKeyring(secrets.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// run runs the numan command line against the server.
func (s *server) run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			switch k {
			case "NUMAN_URL":
				return s.url
			case "NUMAN_API_KEY":
				return masterKey
			}
			return ""
		},
	}
	code = Run(context.Background(), args, env)
	return code, out.String(), errb.String()
}

func TestVersionAndUsage(t *testing.T) {
	s := &server{}
	if code, out, _ := s.run(t, "", "version"); code != 0 || !strings.HasPrefix(out, "numan ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errs := s.run(t, "", "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errs)
	}
	if code, _, _ := s.run(t, ""); code != 2 {
		t.Errorf("no command: %d", code)
	}
	if code, _, _ := s.run(t, "", "numbers", "frob"); code != 2 {
		t.Errorf("unknown subcommand: %d", code)
	}
}

func TestAccountsAndNumbers(t *testing.T) {
	s := newServer(t)
	code, out, errs := s.run(t, "", "accounts", "create", "--name", "acme")
	if code != 0 {
		t.Fatalf("accounts create: %d %s %s", code, out, errs)
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
	if code, out, _ := s.run(t, "", "accounts", "list"); code != 0 || !strings.Contains(out, child) {
		t.Errorf("accounts list: %d %s", code, out)
	}
	acct := "--account=" + child
	if code, out, errs := s.run(t, "", "numbers", "add", acct, "+14155550100", "+14155550101"); code != 0 || !strings.Contains(out, "+14155550101\tin_service") {
		t.Fatalf("numbers add: %d %s %s", code, out, errs)
	}
	if code, out, _ := s.run(t, "", "numbers", "add", acct, "+14155550101", "+14155550102"); code != 1 || !strings.Contains(out, "+14155550101\tfailed\tnumber_exists") {
		t.Errorf("numbers add existing: %d %s", code, out)
	}
	if code, out, _ := s.run(t, "", "numbers", "get", acct, "+14155550100"); code != 0 || !strings.Contains(out, `"state": "in_service"`) {
		t.Errorf("numbers get: %d %s", code, out)
	}
	if code, out, errs := s.run(t, "", "numbers", "history", acct, "+14155550100"); code != 0 || !strings.Contains(out, "number.created") ||
		!strings.Contains(out, "in_service") || !strings.Contains(out, "api:") {
		t.Errorf("numbers history: %d %s %s", code, out, errs)
	}
	if code, out, _ := s.run(t, "", "numbers", "list", acct); code != 0 || strings.Count(out, "+1415555010") != 3 {
		t.Errorf("numbers list: %d %s", code, out)
	}
	if code, out, errs := s.run(t, "", "numbers", "release", acct, "+14155550100"); code != 0 {
		t.Errorf("numbers release: %d %s %s", code, out, errs)
	}
	if code, _, errs := s.run(t, "", "numbers", "get", acct, "+14155550100"); code == 0 && !strings.Contains(errs, "404") {
		t.Logf("released number still readable (released numbers may stay available)")
	}
	if code, _, errs := s.run(t, "", "numbers", "delete", acct, "+14155550101"); code != 0 {
		t.Errorf("numbers delete: %d %s", code, errs)
	}
	if code, out, errs := s.run(t, "", "numbers", "add", "--state=available", "+14155550110", "+14155550111", "+14155550112"); code != 0 {
		t.Fatalf("numbers add available: %d %s %s", code, out, errs)
	}
	// The master is an admin: the carrier offering each number is shown.
	if code, out, errs := s.run(t, "", "numbers", "search", "--prefix", "415"); code != 0 || !strings.Contains(out, "+14155550110") ||
		!strings.Contains(out, "CARRIER") || !strings.Contains(out, "local") {
		t.Errorf("numbers search: %d %s %s", code, out, errs)
	}
	if code, out, errs := s.run(t, "", "numbers", "activate", acct, "+14155550110"); code != 0 || !strings.Contains(out, "+14155550110\tin_service") {
		t.Errorf("numbers activate: %d %s %s", code, out, errs)
	}
	if code, out, errs := s.run(t, "", "numbers", "reserve", acct, "+14155550111", "+14155550199"); code != 1 || !strings.Contains(out, "+14155550111\treserved") || !strings.Contains(out, "+14155550199\tfailed") {
		t.Errorf("numbers reserve: %d %s %s", code, out, errs)
	}
}

func TestConfigCommands(t *testing.T) {
	s := newServer(t)
	code, out, errs := s.run(t, "", "config", "set", "number_manager", "should_age=true", "maximum_search_quantity=100")
	if code != 0 || !strings.Contains(out, `"should_age": true`) || !strings.Contains(out, `"maximum_search_quantity": 100`) {
		t.Fatalf("config set: %d %s %s", code, out, errs)
	}
	if code, out, _ := s.run(t, "", "config", "set", "crossbar.phone_numbers", "phonebook_url=http://pb.example", "api_password=x"); code != 0 || strings.Contains(out, `"x"`) {
		t.Errorf("config set secret: %d %s", code, out)
	}
	if code, out, _ := s.run(t, "", "config", "get", "number_manager"); code != 0 || !strings.Contains(out, `"should_age": true`) {
		t.Errorf("config get: %d %s", code, out)
	}
	if code, _, errs := s.run(t, "", "config", "set", "number_manager", "maximum_search_quantity=0"); code != 1 || !strings.Contains(errs, "400") {
		t.Errorf("config set invalid: %d %s", code, errs)
	}
	if code, _, _ := s.run(t, `{"released_state":"reserved"}`, "config", "set", "--file=-", "number_manager"); code != 0 {
		t.Errorf("config set --file=-: %d", code)
	}
}

// TestImportExport imports a few thousand lines, some bad, through the
// real API, then exports them back.
func TestImportExport(t *testing.T) {
	s := newServer(t)
	dir := t.TempDir()
	var in bytes.Buffer
	in.WriteString("number,state\n")
	const good = 3000
	for i := range good {
		state := "in_service"
		if i%3 == 0 {
			state = "reserved"
		}
		fmt.Fprintf(&in, "+1415%07d,%s\n", 2000000+i, state)
	}
	in.WriteString("not-a-number,in_service\n")
	in.WriteString("+14152000000,in_service\n") // already in the file above, as reserved
	in.WriteString("12,reserved\n")
	file := filepath.Join(dir, "numbers.csv")
	if err := os.WriteFile(file, in.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	failures := filepath.Join(dir, "failed.csv")
	code, _, errs := s.run(t, "", "numbers", "import", "--batch=250", "--workers=3", "--failures="+failures, file)
	if code != 1 {
		t.Fatalf("import: exit %d, want 1 (some lines fail): %s", code, errs)
	}
	if !strings.Contains(errs, fmt.Sprintf("imported %d numbers, 3 failed", good)) {
		t.Errorf("summary: %s", errs)
	}
	if !strings.Contains(errs, "not_reconcilable") || !strings.Contains(errs, "duplicate line in the file") {
		t.Errorf("summary lacks reasons: %s", errs)
	}
	f, err := os.Open(failures)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 4 {
		t.Errorf("failures file: %v %v", rows, err)
	}

	counts, err := s.st.CountNumbersByState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts[number.Reserved] != good/3 || counts[number.InService] != good-good/3 {
		t.Errorf("stored: %v", counts)
	}

	out := filepath.Join(dir, "export.csv")
	code, _, errs = s.run(t, "", "numbers", "export", "--out="+out)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	exported, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	erows, err := csv.NewReader(bytes.NewReader(exported)).ReadAll()
	if err != nil || len(erows) != good+1 || erows[0][0] != "number" {
		t.Errorf("export: %d rows, %v", len(erows), err)
	}
	// The export imports again: every number exists now.
	code, _, errs = s.run(t, "", "numbers", "import", "--batch=1000", out)
	if code != 1 || !strings.Contains(errs, fmt.Sprintf("imported 0 numbers, %d failed", good)) || !strings.Contains(errs, "number_exists") {
		t.Errorf("re-import: %d %s", code, errs)
	}
}

func TestImportFromStdinWithoutHeader(t *testing.T) {
	s := newServer(t)
	code, _, errs := s.run(t, "+14155550700\n4155550701\n+14155550700\n", "numbers", "import", "--state=reserved", "-")
	if code != 1 || !strings.Contains(errs, "imported 2 numbers, 1 failed") || !strings.Contains(errs, "duplicate line") {
		t.Errorf("import: %d %s", code, errs)
	}
}

func TestServeAndMigrate(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "numan.db")
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := Run(context.Background(), []string{"migrate", "--db", db}, env); code != 0 {
		t.Fatalf("migrate: %d %s", code, errb.String())
	}
	stop := make(chan struct{})
	close(stop) // stop as soon as it serves: this checks start-up and a clean shutdown
	env.Interrupt = stop
	errb.Reset()
	if code := Run(context.Background(), []string{"serve", "--db", db, "--listen", "127.0.0.1:0"}, env); code != 0 {
		t.Fatalf("serve: %d %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "Its API key (shown only now): ") || !strings.Contains(errb.String(), "stopped") {
		t.Errorf("serve output: %s", errb.String())
	}
	// A second start finds the master and prints no key.
	errb.Reset()
	if code := Run(context.Background(), []string{"serve", "--db", db, "--listen", "127.0.0.1:0"}, env); code != 0 {
		t.Fatalf("serve again: %d %s", code, errb.String())
	}
	if strings.Contains(errb.String(), "API key") {
		t.Errorf("key printed twice: %s", errb.String())
	}
}
