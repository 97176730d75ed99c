// Package migrations embeds the schema migrations of the SQL store
// (store/sqlstore), one directory per dialect.
//
// Each dialect has its own directory of goose SQL files, applied in version
// order: sqlite/ and postgres/. To add a migration, add a file
// NNNNN_name.sql (the next free five-digit version, e.g. 00004_invoices.sql)
// to BOTH directories, with "-- +goose Up" and "-- +goose Down" sections (a
// test checks the two directories hold the same versions and names);
// sqlstore.Open (and `numan migrate`) applies pending ones. Never edit a
// migration that has shipped: add a new one. Versions in use: 00001 core
// (numbers, accounts, configs), 00002 carrier orders, 00003 billing, 00004
// credit holds, 00005 account numbers, 00006 users (and the account columns
// a sign-in looks accounts up by), 00007 port requests, 00008 bookkeeping
// and requests, 00009 events and webhooks, 00010 notifications of writes of
// numbers (PostgreSQL triggers, dropped by 00012; nothing on SQLite), 00011
// the numbers index of reserved-stock searches, 00012 each event's
// transaction, which nodes follow each other's writes by (PostgreSQL),
// 00013 the queue of events not dispatched yet.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// SQLite holds the SQLite migrations, *.sql at its root.
var SQLite = mustSub("sqlite")

// Postgres holds the PostgreSQL migrations, *.sql at its root.
var Postgres = mustSub("postgres")

func mustSub(dir string) fs.FS {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		panic("migrations: " + err.Error()) // the directory is embedded at build time
	}
	return sub
}
