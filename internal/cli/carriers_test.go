package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/numan-dev/numan/carrier/all"
	"github.com/numan-dev/numan/store/sqlite"
)

func TestCarriersAndReconcileCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "numan.db")
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutConfig(context.Background(), "number_manager.telnyx", []byte(`{"default":{"api_key":"SECRET-KEY"}}`)); err != nil {
		t.Fatal(err)
	}
	st.Close()
	run := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), args, &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
		return out.String() + errb.String(), code
	}
	out, code := run("carriers", "--db", db)
	if code != 0 || !strings.Contains(out, "* local") || !strings.Contains(out, "telnyx") || strings.Contains(out, "SECRET-KEY") || !strings.Contains(out, "********") {
		t.Fatalf("carriers (%d):\n%s", code, out)
	}
	out, code = run("carriers", "test", "--db", db, "local")
	if code != 0 || !strings.Contains(out, "local: ok") {
		t.Fatalf("carriers test (%d):\n%s", code, out)
	}
	if out, code = run("carriers", "test", "--db", db, "nosuch"); code == 0 {
		t.Fatalf("unknown carrier accepted:\n%s", out)
	}
	out, code = run("reconcile", "--db", db)
	if code != 0 || !strings.Contains(out, "recorded 0, dropped 0, pending 0") {
		t.Fatalf("reconcile (%d):\n%s", code, out)
	}
}
