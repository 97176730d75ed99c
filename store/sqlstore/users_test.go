package sqlstore_test

import (
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/migrations"
	"github.com/numan-dev/numan/store/sqlstore"
)

// An account stored before the users migration gets its sign-in keys
// (name key, realm) from the migration itself: it can be signed in to by
// name and realm at once.
func TestUsersMigrationFillsAccountKeys(t *testing.T) {
	eachDSN(t, func(t *testing.T, driver, dsn string) {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dialect, fsys := goose.DialectSQLite3, migrations.SQLite
		var created any = time.Now().UnixMicro()
		if driver != "sqlite" {
			dialect, fsys, created = goose.DialectPostgres, migrations.Postgres, time.Now()
		}
		p, err := goose.NewProvider(dialect, db, fsys, goose.WithDisableGlobalRegistry(true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(t.Context(), 5); err != nil {
			t.Fatal(err)
		}
		const id = "0123456789abcdef0123456789abcdef"
		if _, err := db.ExecContext(t.Context(), "INSERT INTO accounts (id, name, parent_id, path, enabled, reseller,"+
			" allow_number_additions, superduper_admin, public, api_key_sealed, created, modified, version)"+
			" VALUES ($1, $2, '', $3, $4, $5, $5, $5, $6, '', $7, $7, 1)",
			id, "Acme, Inc. (West)", "/"+id+"/", true, false, `{"realm":"SIP.Acme.Example.COM"}`, created); err != nil {
			t.Fatal(err)
		}
		s, err := sqlstore.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if got, err := s.FindAccountIDs(t.Context(), number.AccountNameKey("acme inc west"), ""); err != nil || !slices.Equal(got, []string{id}) {
			t.Errorf("by name after the migration = %v, %v", got, err)
		}
		if got, err := s.FindAccountIDs(t.Context(), "", "sip.acme.example.com"); err != nil || !slices.Equal(got, []string{id}) {
			t.Errorf("by realm after the migration = %v, %v", got, err)
		}
	})
}
