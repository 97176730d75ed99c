package cli

import (
	"context"

	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlstore"
)

func init() {
	openPostgres = func(ctx context.Context, dsn string) (store.Store, error) { return sqlstore.OpenPostgres(ctx, dsn) }
	migratePostgres = sqlstore.MigratePostgres
}
