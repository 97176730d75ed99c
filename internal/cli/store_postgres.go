package cli

import (
	"context"

	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/postgres"
)

func init() {
	openPostgres = func(ctx context.Context, dsn string) (store.Store, error) { return postgres.Open(ctx, dsn) }
	migratePostgres = postgres.Migrate
}
