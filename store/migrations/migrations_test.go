package migrations

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// TestDialectsHaveTheSameVersions checks that every migration exists for
// both databases, under the same version and name: a store opened on
// either has the same tables.
func TestDialectsHaveTheSameVersions(t *testing.T) {
	names := func(fsys fs.FS) []string {
		files, err := fs.Glob(fsys, "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	sqlite, postgres := names(SQLite), names(Postgres)
	if len(sqlite) == 0 {
		t.Fatal("no migrations embedded")
	}
	if !slices.Equal(sqlite, postgres) {
		t.Errorf("migrations differ:\nsqlite:   %v\npostgres: %v", sqlite, postgres)
	}
	for i, name := range sqlite {
		version, _, ok := strings.Cut(name, "_")
		if !ok || len(version) != 5 || strings.Trim(version, "0123456789") != "" {
			t.Errorf("%s: want NNNNN_name.sql", name)
		} else if want := fmt.Sprintf("%05d", i+1); version != want {
			t.Errorf("%s: version %s, want %s (versions follow each other)", name, version, want)
		}
	}
}
