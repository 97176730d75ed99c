package sqlstore

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// TestQueryPlans checks the SQLite queries that must stay fast with millions of
// numbers are index range scans: speed lives in benchmarks, but a lost
// index only shows there on a big table.
func TestQueryPlans(t *testing.T) {
	s, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	avail := []number.State{number.Available}
	search := func(q store.SearchQuery) (string, []any) { return searchSQL(q, sqliteDialect.noLimit) }
	list := func(q store.ListQuery) (string, []any) { return listSQL(q, sqliteDialect.hasFeature) }
	tests := []struct {
		name       string
		query      string
		args       []any
		want       string // a line of the plan
		noTempSort bool
	}{
		{"get", "SELECT " + numberColumns + " FROM numbers WHERE number = $1", []any{"+14155550100"},
			"SEARCH numbers USING PRIMARY KEY (number=?)", true},
		{"available by prefix and module", "", nil,
			"SEARCH numbers USING INDEX numbers_state_module (state=? AND module_name=? AND number>? AND number<?)", true},
		{"account's listing", "", nil,
			"SEARCH numbers USING INDEX numbers_assigned_to (assigned_to=? AND number>?)", true},
		{"managed pool", "", nil,
			"SEARCH numbers USING INDEX numbers_pool (pool=? AND state=? AND number>? AND number<?)", true},
		{"listing by prefix", "", nil,
			"SEARCH numbers USING PRIMARY KEY (number>? AND number<?)", true},
		{"descendants", descendantsSQL, []any{"x"}, "SEARCH accounts USING INDEX accounts_path (path>? AND path<?)", false},
	}
	tests[1].query, tests[1].args = search(store.SearchQuery{Prefix: "+1415", States: avail, Modules: []string{"local"}, Limit: 20})
	tests[2].query, tests[2].args = list(store.ListQuery{AssignedTo: "a", StartKey: "+1", Limit: 50})
	tests[3].query, tests[3].args = search(store.SearchQuery{Prefix: "+1415", Pool: "p", States: avail, Limit: 20})
	tests[4].query, tests[4].args = list(store.ListQuery{Prefix: "+1415", Limit: 50})
	for _, tc := range tests {
		rows, err := s.readDB.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tc.query, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, tc.want) {
			t.Errorf("%s: plan\n%s\ndoes not contain %q", tc.name, text, tc.want)
		}
		if tc.noTempSort && strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s: plan sorts in a temporary b-tree:\n%s", tc.name, text)
		}
	}
}
