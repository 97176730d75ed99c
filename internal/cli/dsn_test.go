package cli

import "testing"

func TestRedactDSN(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"numan.db", "numan.db"},
		{"postgres://numan:s3cret@db/numan", "postgres://numan:****@db/numan"},
		{"postgres://numan@db/numan?password=s3cret&sslmode=require", "postgres://numan@db/numan?password=****&sslmode=require"},
		{"host=db1,db2 user=numan password=s3cret dbname=numan", "host=db1,db2 user=numan password=**** dbname=numan"},
		{"password=s3cret host=db", "password=**** host=db"},
	}
	for _, tc := range tests {
		if got := redactDSN(tc.dsn); got != tc.want {
			t.Errorf("redactDSN(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
		if !isPostgres(tc.dsn) && tc.dsn != "numan.db" {
			t.Errorf("isPostgres(%q) = false", tc.dsn)
		}
	}
}
