package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/sqlite"
)

// runWith runs the command line against the server with extra environment
// variables.
func (s *server) runWith(t *testing.T, vars map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if v, ok := vars[k]; ok {
				return v
			}
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

// every command and subcommand, with the positional arguments it takes.
var everyCommand = [][]string{
	{"serve"}, {"migrate"}, {"version"}, {"login"}, {"quote", "+14155550100"}, {"bench"},
	{"carriers"}, {"carriers", "test", "local"}, {"carriers", "audit", "telnyx"}, {"reconcile"},
	{"accounts", "create"}, {"accounts", "list"}, {"accounts", "get", "ID"}, {"accounts", "api-key", "ID"},
	{"accounts", "delete", "ID"},
	{"numbers", "search"}, {"numbers", "list"}, {"numbers", "get", "+14155550100"}, {"numbers", "add", "+14155550100"},
	{"numbers", "activate", "+14155550100"}, {"numbers", "reserve", "+14155550100"}, {"numbers", "release", "+14155550100"},
	{"numbers", "delete", "+14155550100"}, {"numbers", "used-by", "callflow", "+14155550100"},
	{"numbers", "import", "numbers.csv"}, {"numbers", "export"},
	{"config", "get", "number_manager"}, {"config", "set", "number_manager", "should_age=true"}, {"config", "delete", "number_manager"},
}

// A flag after the positional arguments counts on every operator command:
// given last, --url sends the request elsewhere.
func TestFlagsAfterArguments(t *testing.T) {
	s := newServer(t)
	for _, cmd := range everyCommand {
		switch cmd[0] {
		case "serve", "migrate", "version", "bench", "carriers", "reconcile":
			continue // no server to talk to; below
		}
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			args := append([]string{}, cmd...)
			switch strings.Join(cmd[:min(2, len(cmd))], " ") {
			case "numbers search":
				args = append(args, "--prefix", "415")
			case "accounts create":
				args = append(args, "--name", "x")
			}
			args = append(args, "--url", "http://127.0.0.1:1")
			code, out, errs := s.run(t, "", args...)
			if code == 0 || !strings.Contains(out+errs, "127.0.0.1:1") {
				t.Errorf("%v: exit %d, the trailing --url was not used:\n%s%s", args, code, out, errs)
			}
		})
	}

	// The database commands: --db after the arguments.
	db := filepath.Join(t.TempDir(), "after.db")
	if code, out, errs := s.run(t, "", "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %d %s %s", code, out, errs)
	}
	if code, out, errs := s.run(t, "", "carriers", "test", "local", "--db", db); code != 0 || !strings.Contains(out, "local: ok") {
		t.Errorf("carriers test NAME --db: %d %s %s", code, out, errs)
	}
	if code, out, errs := s.run(t, "", "reconcile", "--db", db, "--older-than", "1m"); code != 0 || !strings.Contains(out, "recorded 0") {
		t.Errorf("reconcile: %d %s %s", code, out, errs)
	}
	// "--" ends the flags: what follows is an argument even if it looks like one.
	if code, _, errs := s.run(t, "", "numbers", "get", "--", "--url"); code != 1 || strings.Contains(errs, "flag needs an argument") {
		t.Errorf("-- did not end the flags: %d %s", code, errs)
	}
}

// The two cases the issue names, end to end.
func TestFlagsAfterArgumentsTakeEffect(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()

	// numbers add NUMBER --state available creates it available.
	if code, out, errs := s.run(t, "", "numbers", "add", "+14155550300", "+14155550301", "--state", "available"); code != 0 {
		t.Fatalf("add: %d %s %s", code, out, errs)
	}
	for _, n := range []string{"+14155550300", "+14155550301"} {
		got, err := s.st.GetNumber(ctx, n)
		if err != nil || got.State != number.Available {
			t.Errorf("%s: %v %v", n, got, err)
		}
	}

	// config delete ID --node n1 deletes n1's section only.
	creds := []string{`account_id="9900001"`, "api_username=u", "api_password=p"}
	if code, out, errs := s.run(t, "", append([]string{"config", "set", "number_manager.bandwidth2"}, creds...)...); code != 0 {
		t.Fatalf("config set: %d %s %s", code, out, errs)
	}
	for _, node := range []string{"n1", "n2"} {
		if code, out, errs := s.run(t, "", "config", "set", "number_manager.bandwidth2", "site_id=7", "--node", node); code != 0 {
			t.Fatalf("config set --node %s: %d %s %s", node, code, out, errs)
		}
	}
	if code, out, errs := s.run(t, "", "config", "delete", "number_manager.bandwidth2", "--node", "n1"); code != 0 {
		t.Fatalf("config delete --node: %d %s %s", code, out, errs)
	}
	raw, err := s.st.GetConfig(ctx, "number_manager.bandwidth2")
	if err != nil {
		t.Fatalf("the whole document went: %v", err)
	}
	var doc map[string]json.RawMessage
	_ = json.Unmarshal(raw, &doc)
	if _, ok := doc["n1"]; ok || doc["default"] == nil || doc["n2"] == nil {
		t.Errorf("after deleting n1's section: %s", raw)
	}
}

// -h, --help and help print to stdout, exit 0, on every command and
// subcommand; no secret from the environment shows as a default.
func TestHelpOnStdoutWithoutSecrets(t *testing.T) {
	s := &server{url: "http://127.0.0.1:1"}
	secrets := map[string]string{
		"NUMAN_TOKEN":          "tok-SECRET-1",
		"NUMAN_API_KEY":        "key-SECRET-2",
		"NUMAN_DB":             "postgres://numan:pw-SECRET-3@db.example/numan?password=pw-SECRET-4",
		"NUMAN_MASTER_API_KEY": "master-SECRET-5",
		"NUMAN_SECRET_KEY":     "c2VjcmV0LVNFQ1JFVC02LXNlY3JldC1zZWNyZXQtMTIzNA==",
	}
	var cases [][]string
	cases = append(cases, []string{"help"}, []string{"-h"}, []string{"--help"})
	for _, group := range []string{"accounts", "numbers", "config"} {
		cases = append(cases, []string{group, "-h"}, []string{group, "help"}, []string{"help", group})
	}
	for _, cmd := range everyCommand {
		cases = append(cases,
			append(append([]string{}, cmd...), "-h"),
			append(append([]string{}, cmd...), "--help"),
			append([]string{"help"}, cmd[:min(2, len(cmd))]...))
		if len(cmd) == 1 || cmd[0] == "carriers" {
			cases = append(cases, append(append([]string{}, cmd[:min(2, len(cmd))]...), "help"))
		}
	}
	cases = append(cases, []string{"numbers", "get", "help"}, []string{"config", "delete", "help"})
	for _, args := range cases {
		code, out, errs := s.runWith(t, secrets, "", args...)
		if code != 0 || errs != "" || !strings.Contains(out, "usage: numan") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
		for _, v := range secrets {
			// (The help names NUMAN_SECRET_KEY: look for the values.)
			if strings.Contains(out+errs, v) || strings.Contains(out+errs, "SECRET-") {
				t.Errorf("%v shows a secret (%s):\n%s", args, v, out)
				break
			}
		}
	}
	// The database's password is masked, its address kept.
	if _, out, _ := s.runWith(t, secrets, "", "serve", "-h"); !strings.Contains(out, "postgres://numan:****@db.example") {
		t.Errorf("serve -h --db default:\n%s", out)
	}
	// Mistakes still go to stderr with exit 2.
	if code, out, errs := s.run(t, "", "numbers", "list", "--nosuch"); code != 2 || out != "" || !strings.Contains(errs, "nosuch") {
		t.Errorf("bad flag: %d %q %q", code, out, errs)
	}
}

func TestUsedByCommand(t *testing.T) {
	s := newServer(t)
	const n = "+14155550400"
	if code, out, errs := s.run(t, "", "numbers", "add", n); code != 0 {
		t.Fatalf("add: %d %s %s", code, out, errs)
	}
	code, out, errs := s.run(t, "", "numbers", "used-by", "trunkstore", n)
	if got, _ := s.st.GetNumber(context.Background(), n); code != 0 || got.UsedBy != "trunkstore" || !strings.Contains(out, n+"\ttrunkstore") {
		t.Fatalf("used-by: %d %s %s (stored %q)", code, out, errs, got.UsedBy)
	}
	code, out, errs = s.run(t, "", "numbers", "used-by", n, "--clear")
	if got, _ := s.st.GetNumber(context.Background(), n); code != 0 || got.UsedBy != "" || !strings.Contains(out, n+"\t-") {
		t.Fatalf("used-by --clear: %d %s %s (stored %q)", code, out, errs, got.UsedBy)
	}
	if code, _, errs := s.run(t, "", "numbers", "used-by", "Bad App", n); code != 1 || !strings.Contains(errs, "used_by") {
		t.Errorf("bad app: %d %s", code, errs)
	}
	if code, _, _ := s.run(t, "", "numbers", "used-by", "callflow"); code != 2 {
		t.Errorf("no number: %d", code)
	}
}

func TestListSaysWhenMorePagesExist(t *testing.T) {
	s := newServer(t)
	if code, out, errs := s.run(t, "", "numbers", "add", "+14155550501", "+14155550502", "+14155550503"); code != 0 {
		t.Fatalf("add: %d %s %s", code, out, errs)
	}
	code, out, errs := s.run(t, "", "numbers", "list", "--page-size", "2")
	if code != 0 || strings.Count(out, "+1415555050") != 2 || !strings.Contains(errs, "more pages exist") || !strings.Contains(errs, "--start-key +14155550503") {
		t.Fatalf("first page: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = s.run(t, "", "numbers", "list", "--page-size", "2", "--start-key", "+14155550503")
	if code != 0 || !strings.Contains(out, "+14155550503") || strings.Contains(errs, "more pages") {
		t.Errorf("next page: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = s.run(t, "", "numbers", "list", "--page-size", "2", "--all")
	if code != 0 || strings.Count(out, "+1415555050") != 3 || strings.Contains(errs, "more pages") {
		t.Errorf("--all: %d\n%s\n%s", code, out, errs)
	}
}

// An admin exports the pool (every number, whoever holds it) by state,
// carrier and prefix, and imports into a chosen carrier.
func TestPoolExportAndImportIntoACarrier(t *testing.T) {
	s := newServer(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "pool.csv")
	if err := os.WriteFile(in, []byte("number\n+14155550600\n+14155550601\n+14165550602\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := s.run(t, "", "numbers", "import", in, "--carrier", "inventory", "--state", "available")
	if code != 0 || !strings.Contains(errs, "imported 3 numbers, 0 failed") {
		t.Fatalf("import --carrier: %d %s", code, errs)
	}
	for _, n := range []string{"+14155550600", "+14155550601", "+14165550602"} {
		got, err := s.st.GetNumber(context.Background(), n)
		if err != nil || got.ModuleName != "inventory" || got.State != number.Available || got.AssignedTo != "" {
			t.Errorf("%s: %+v %v", n, got, err)
		}
	}
	if code, out, errs := s.run(t, "", "numbers", "add", "+14155550603"); code != 0 { // the master's own, local
		t.Fatalf("add: %d %s %s", code, out, errs)
	}

	export := func(args ...string) [][]string {
		t.Helper()
		code, out, errs := s.run(t, "", append([]string{"numbers", "export"}, args...)...)
		if code != 0 {
			t.Fatalf("export %v: %d %s", args, code, errs)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(rows) == 0 || rows[0][0] != "number" {
			t.Fatalf("export %v: %v %q", args, err, out)
		}
		return rows[1:]
	}
	if rows := export(); len(rows) != 1 || rows[0][0] != "+14155550603" {
		t.Errorf("the account's export: %v", rows)
	}
	if rows := export("--pool"); len(rows) != 4 {
		t.Errorf("the pool: %v", rows)
	}
	rows := export("--pool", "--state", "available", "--carrier", "inventory", "--prefix", "+1415")
	if len(rows) != 2 || rows[0][0] != "+14155550600" || rows[1][0] != "+14155550601" || rows[0][4] != "inventory" {
		t.Errorf("the pool by state, carrier and prefix: %v", rows)
	}
	if code, _, errs := s.run(t, "", "numbers", "export", "--pool", "--prefix", "415"); code != 2 || !strings.Contains(errs, "E.164") {
		t.Errorf("a prefix without +: %d %s", code, errs)
	}

	// A child account may not export the pool.
	code, out, errs := s.run(t, "", "accounts", "create", "--name", "acme")
	if code != 0 {
		t.Fatalf("accounts create: %d %s", code, errs)
	}
	var key string
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "api_key\t"); ok {
			key = v
		}
	}
	if code, _, errs := s.runWith(t, map[string]string{"NUMAN_API_KEY": key}, "", "numbers", "export", "--pool"); code != 1 || !strings.Contains(errs, "403") {
		t.Errorf("a child exporting the pool: %d %s", code, errs)
	}
}

// A number repeated anywhere in the file is reported once per repeat and
// never counted as imported, whichever batch it falls in, in any spelling.
func TestImportDuplicatesAcrossBatches(t *testing.T) {
	s := newServer(t)
	var in strings.Builder
	in.WriteString("number,state\n")
	for i := range 11 {
		fmt.Fprintf(&in, "+1415555%04d,available\n", 700+i)
	}
	in.WriteString("4155550710,available\n")      // the same number, national, in the same batch
	in.WriteString("+14155550700,available\n")    // exact repeat, a later batch
	in.WriteString("+1 415 555 0701,available\n") // the same number, spaced
	in.WriteString("4155550702,available\n")      // the same number, national
	file := filepath.Join(t.TempDir(), "dups.csv")
	if err := os.WriteFile(file, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	failures := filepath.Join(t.TempDir(), "failed.csv")
	code, _, errs := s.run(t, "", "numbers", "import", file, "--batch", "3", "--workers", "2", "--failures", failures)
	if code != 1 || !strings.Contains(errs, "imported 11 numbers, 4 failed") || !strings.Contains(errs, "4  duplicate line in the file") {
		t.Fatalf("import: %d %s", code, errs)
	}
	raw, _ := os.ReadFile(failures)
	if rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll(); err != nil || len(rows) != 5 {
		t.Errorf("failures file: %v %s", err, raw)
	}
	if counts, _ := s.st.CountNumbersByState(context.Background()); counts[number.Available] != 11 {
		t.Errorf("stored: %v", counts)
	}
}

// serve on a database that already has its master says the variable was
// not used, rather than let the operator believe the master now has it.
func TestServeSaysMasterKeyWasNotUsed(t *testing.T) {
	db := filepath.Join(t.TempDir(), "numan.db")
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	stop := make(chan struct{})
	close(stop)
	for i, want := range []string{"with the API key from NUMAN_MASTER_API_KEY", "NUMAN_MASTER_API_KEY was not used"} {
		var out, errb bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errb, Interrupt: stop, Getenv: func(k string) string {
			if k == "NUMAN_MASTER_API_KEY" {
				return fmt.Sprintf("key-%d", i)
			}
			return ""
		}}
		if code := Run(context.Background(), []string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--jobs-every", "0"}, env); code != 0 {
			t.Fatalf("serve %d: %d %s", i, code, errb.String())
		}
		if !strings.Contains(errb.String(), want) || strings.Contains(errb.String(), "key-") {
			t.Errorf("serve %d:\n%s", i, errb.String())
		}
	}
}

// accounts delete: refused while the account holds numbers, saying how
// many; --release-numbers releases them, then deletes.
func TestAccountsDelete(t *testing.T) {
	s := newServer(t)
	code, out, errs := s.run(t, "", "accounts", "create", "--name", "acme")
	if code != 0 {
		t.Fatalf("accounts create: %d %s", code, errs)
	}
	var child string
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "id\t"); ok {
			child = v
		}
	}
	if code, out, errs := s.run(t, "", "numbers", "add", "--account="+child, "+14155550100", "+14155550101"); code != 0 {
		t.Fatalf("numbers add: %d %s %s", code, out, errs)
	}
	if code, _, errs := s.run(t, "", "accounts", "delete", child); code != 1 || !strings.Contains(errs, "2 numbers") {
		t.Fatalf("delete an owner: %d %s", code, errs)
	}
	if code, out, errs := s.run(t, "", "accounts", "delete", child, "--release-numbers"); code != 0 || !strings.Contains(out, "deleted "+child) {
		t.Fatalf("delete releasing: %d %s %s", code, out, errs)
	}
	if n, _ := s.st.CountAccountNumbers(context.Background(), child); n != 0 {
		t.Fatalf("%d numbers still owned by the deleted account", n)
	}
}
