package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/numan-dev/numan/carrier/all"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/store/sqlite"
)

// watchWriter collects a server's output and reports the address it
// listens on, read from its "numan serving" log line.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
	sent bool
}

var listenRe = regexp.MustCompile(`listen=(\S+)`)

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.sent {
		if m := listenRe.FindSubmatch(w.buf.Bytes()); m != nil {
			w.sent = true
			w.addr <- string(m[1])
		}
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// serveForTest runs numan serve on db in-process and returns its base URL
// and a function that stops it and returns everything it wrote.
func serveForTest(t *testing.T, db string, vars map[string]string) (string, func() string) {
	t.Helper()
	logs := &watchWriter{addr: make(chan string, 1)}
	stop := make(chan struct{})
	env := &Env{Stdout: logs, Stderr: logs, Interrupt: stop, Getenv: func(k string) string { return vars[k] }}
	done := make(chan int, 1)
	go func() {
		done <- Run(context.Background(), []string{"serve", "--db", db, "--listen", "127.0.0.1:0"}, env)
	}()
	var addr string
	select {
	case addr = <-logs.addr:
	case code := <-done:
		t.Fatalf("serve exited %d:\n%s", code, logs.String())
	}
	stopped := false
	stopFn := func() string {
		if !stopped {
			stopped = true
			close(stop)
			if code := <-done; code != 0 {
				t.Errorf("serve exited %d:\n%s", code, logs.String())
			}
		}
		return logs.String()
	}
	t.Cleanup(func() { stopFn() })
	return "http://" + addr, stopFn
}

// TestPlantedSecretsNeverInClear plants secrets in every form config knows
// (values of secret keys, URL user info, URL query values), then searches
// every reply, the CLI's output, the server's log at debug level and a dump
// of the database for them: none is there in clear.
func TestPlantedSecretsNeverInClear(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "numan.db")
	planted := []string{"PLANTEDnamedkey1", "PLANTEDuserinfo2", "PLANTEDquery3", "PLANTEDphonebookpw4", "PLANTEDphonebookq5", "PLANTEDnested6", masterKey}
	// A carrier API that fails, echoing what it was sent.
	carrierAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"errors":[{"detail":"bad credentials %s for %s"}]}`, r.Header.Get("Authorization"), r.URL.String())
	}))
	defer carrierAPI.Close()
	vars := map[string]string{"NUMAN_MASTER_API_KEY": masterKey, "NUMAN_LOG_LEVEL": "debug", "NUMAN_JOBS_EVERY": "0"}
	base, stop := serveForTest(t, db, vars)

	var replies bytes.Buffer
	call := func(method, path, token string, body any) map[string]any {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		if token != "" {
			req.Header.Set("X-Auth-Token", token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		replies.Write(raw)
		var env map[string]any
		_ = json.Unmarshal(raw, &env)
		if res.StatusCode >= 300 {
			t.Logf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
		return env
	}
	env := call("PUT", "/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": masterKey}})
	tok, _ := env["auth_token"].(string)
	master, _ := env["data"].(map[string]any)["account_id"].(string)
	apiURL := strings.Replace(carrierAPI.URL, "http://", "http://numan:PLANTEDuserinfo2@", 1) + "/?tenant=PLANTEDquery3"
	call("PUT", "/v2/system_configs/number_manager.telnyx", tok, map[string]any{"data": map[string]any{
		"api_key": "PLANTEDnamedkey1", "api_url": apiURL, "debug": true,
	}})
	call("PUT", "/v2/system_configs/webhooks.settings", tok, map[string]any{"data": map[string]any{
		"nested": map[string]any{"password": "PLANTEDnested6"},
	}})
	// Nothing listens on port 1: the lookup fails at once, on this machine.
	call("PUT", "/v2/system_configs/crossbar.phone_numbers", tok, map[string]any{"data": map[string]any{
		"phonebook_url": "http://bob:PLANTEDphonebookpw4@127.0.0.1:1/v1?key=PLANTEDphonebookq5",
	}})
	call("PATCH", "/v2/system_configs/number_manager", tok, map[string]any{"data": map[string]any{"carrier_modules": []string{"local", "telnyx"}}})
	// A customer account.
	child := call("PUT", "/v2/accounts/"+master, tok, map[string]any{"data": map[string]any{"name": "customer"}})
	childID, _ := child["data"].(map[string]any)["id"].(string)
	key := call("GET", "/v2/accounts/"+childID+"/api_key", tok, nil)
	childKey, _ := key["data"].(map[string]any)["api_key"].(string)
	ctok, _ := call("PUT", "/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": childKey}})["auth_token"].(string)

	// Every way the secrets could come back.
	for _, id := range []string{"number_manager.telnyx", "webhooks.settings", "crossbar.phone_numbers", "number_manager"} {
		read := call("GET", "/v2/system_configs/"+id, tok, nil)
		call("GET", "/v2/system_configs/"+id+"/somenode", tok, nil)
		// Writing back what was read keeps the secrets (checked below).
		call("POST", "/v2/system_configs/"+id, tok, map[string]any{"data": read["data"]})
	}
	for _, tk := range []string{"", ctok, tok} {
		env := call("GET", "/v2/phone_numbers?prefix=415&quantity=2", tk, nil)
		if fc, _ := env["failed_carriers"].(map[string]any); fc["telnyx"] == nil {
			t.Errorf("telnyx did not fail: %v", env)
		}
	}
	call("GET", "/v2/accounts/"+childID+"/phone_numbers?prefix=415", ctok, nil)
	call("GET", "/v2/accounts/"+master+"/phone_numbers/carriers_info", tok, nil)
	call("GET", "/v2/phone_numbers/prefix?city=Paris", tok, nil)
	call("GET", "/v2/token_info", tok, nil)
	call("GET", "/metrics", "", nil)

	// The CLI: straight from the database, and through the API.
	var cliOut bytes.Buffer
	for _, args := range [][]string{
		{"carriers", "--db", db},
		{"config", "get", "number_manager.telnyx"},
		{"config", "get", "crossbar.phone_numbers"},
	} {
		var out, errb bytes.Buffer
		cliEnv := &Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			switch k {
			case "NUMAN_URL":
				return base
			case "NUMAN_API_KEY":
				return masterKey
			}
			return ""
		}}
		if code := Run(context.Background(), args, cliEnv); code != 0 {
			t.Errorf("%v: %d %s", args, code, errb.String())
		}
		cliOut.Write(out.Bytes())
		cliOut.Write(errb.Bytes())
	}
	if !strings.Contains(cliOut.String(), "********") {
		t.Errorf("the CLI shows no masked secret:\n%s", cliOut.String())
	}
	logs := stop()
	if !strings.Contains(logs, "level=DEBUG") {
		t.Errorf("no debug log lines: the test would prove nothing")
	}

	// A dump of the database.
	dump := dumpSQLite(t, db)
	// The server secret, opened with the key file, is not in the dump either.
	kr, err := secrets.Load(secrets.LoadOptions{DefaultFile: db + ".key"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	src := config.NewSource(st, "", time.Second, config.SealWith(kr.Keyring))
	secret, err := src.LoadSecret(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := src.Carrier(context.Background(), "telnyx")
	other, _ := src.Effective(context.Background(), "webhooks.settings")
	pb, _ := src.Effective(context.Background(), "crossbar.phone_numbers")
	st.Close()
	if !bytes.Contains(raw, []byte("PLANTEDnamedkey1")) || !bytes.Contains(raw, []byte("PLANTEDquery3")) ||
		!bytes.Contains(other, []byte("PLANTEDnested6")) || !bytes.Contains(pb, []byte("PLANTEDphonebookpw4")) {
		t.Errorf("a secret was lost on the way: %s %s %s", raw, other, pb)
	}
	keyFile, _ := os.ReadFile(db + ".key")
	fileKeys, _ := secrets.ParseKeys(string(keyFile))

	for where, text := range map[string]string{"replies": replies.String(), "CLI output": cliOut.String(), "log": logs, "database dump": dump} {
		for _, p := range append(planted, hex.EncodeToString(secret), secrets.EncodeKey(fileKeys[0])) {
			if strings.Contains(text, p) {
				i := strings.Index(text, p)
				t.Errorf("%s holds %q in clear: …%s…", where, p, text[max(0, i-200):min(len(text), i+100)])
			}
		}
	}
}

// dumpSQLite returns every row of every table of a SQLite file, as text.
func dumpSQLite(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, tb := range tables {
		r, err := db.Query(`SELECT * FROM "` + tb + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			_ = r.Scan(ptrs...)
			fmt.Fprintf(&b, "%s:", tb)
			for _, v := range vals {
				switch x := v.(type) {
				case []byte:
					fmt.Fprintf(&b, " %s", x)
				default:
					fmt.Fprintf(&b, " %v", x)
				}
			}
			b.WriteByte('\n')
		}
		r.Close()
	}
	if !strings.Contains(b.String(), "configs:") {
		t.Fatalf("the dump holds no config: %s", b.String())
	}
	return b.String()
}

// TestSecretsRotate: numan secrets rotate re-seals every secret under a new
// key, the key file keeps only the new key, a server started afterwards
// reads the secrets, and the old key no longer opens them.
func TestSecretsRotate(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "numan.db")
	run := func(vars map[string]string, args ...string) (string, int) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), args, &Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }})
		return out.String() + errb.String(), code
	}
	// A database from before sealing: a secret in clear.
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutConfig(context.Background(), "number_manager.telnyx", []byte(`{"default":{"api_key":"LEGACYSECRET"}}`)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// The first start creates the key file and seals the legacy secret.
	_, stop := serveForTest(t, db, map[string]string{"NUMAN_JOBS_EVERY": "0"})
	logs := stop()
	if !strings.Contains(logs, "Created the secret key file") || !strings.Contains(logs, "sealed the secrets") {
		t.Errorf("first start:\n%s", logs)
	}
	fi, err := os.Stat(db + ".key")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if strings.Contains(dumpSQLite(t, db), "LEGACYSECRET") {
		t.Fatal("the legacy secret is still in clear")
	}
	oldFile, _ := os.ReadFile(db + ".key")
	oldKeys, _ := secrets.ParseKeys(string(oldFile))

	out, code := run(nil, "secrets", "rotate", "--db", db)
	if code != 0 || !strings.Contains(out, "rotated the secret key") {
		t.Fatalf("rotate: %d %s", code, out)
	}
	newFile, _ := os.ReadFile(db + ".key")
	newKeys, _ := secrets.ParseKeys(string(newFile))
	if len(newKeys) != 1 || bytes.Equal(newKeys[0], oldKeys[0]) {
		t.Fatalf("key file after rotation holds %d key(s)", len(newKeys))
	}
	if strings.Contains(dumpSQLite(t, db), secrets.KeyID(oldKeys[0])) {
		t.Fatal("a value is still sealed under the old key")
	}
	// The carriers command (and a server) read the secrets with the new key.
	if out, code := run(nil, "carriers", "--db", db); code != 0 || strings.Contains(out, "LEGACYSECRET") {
		t.Fatalf("carriers after rotation: %d %s", code, out)
	}
	// The old key is refused with a clear error naming both keys.
	out, code = run(map[string]string{"NUMAN_SECRET_KEY": secrets.EncodeKey(oldKeys[0])}, "carriers", "--db", db)
	if code == 0 || !strings.Contains(out, "wrong secret key") || !strings.Contains(out, secrets.KeyID(newKeys[0])) {
		t.Fatalf("carriers with the old key: %d %s", code, out)
	}
	// So is starting with the key file gone.
	if err := os.Rename(db+".key", db+".key.bak"); err != nil {
		t.Fatal(err)
	}
	out, code = run(nil, "serve", "--db", db, "--listen", "127.0.0.1:0")
	if code == 0 || !strings.Contains(out, "key file") || !strings.Contains(out, "missing") {
		t.Fatalf("serve without its key file: %d %s", code, out)
	}
	// PostgreSQL-style start without a key: NUMAN_SECRET_KEY given as a
	// rotation pair re-seals under the first.
	k2 := secrets.GenerateKey()
	pair := secrets.EncodeKey(k2) + "," + secrets.EncodeKey(newKeys[0])
	out, code = run(map[string]string{"NUMAN_SECRET_KEY": pair}, "secrets", "rotate", "--db", db)
	if code != 0 || !strings.Contains(out, "you may now remove") {
		t.Fatalf("rotate with NUMAN_SECRET_KEY: %d %s", code, out)
	}
	if out, code := run(map[string]string{"NUMAN_SECRET_KEY": secrets.EncodeKey(k2)}, "carriers", "--db", db); code != 0 {
		t.Fatalf("carriers with the env key after rotation: %d %s", code, out)
	}
	if out, code := run(nil, "secrets", "generate"); code != 0 || len(strings.TrimSpace(out)) != 44 {
		t.Fatalf("generate: %d %q", code, out)
	}
}
