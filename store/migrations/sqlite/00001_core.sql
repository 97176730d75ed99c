-- Core schema: numbers, accounts, system configs.
--
-- Numbers keep the fields Numan queries as columns and the rest as a JSON
-- document (doc). Timestamps are Unix microseconds (UTC). Text columns use
-- SQLite's default BINARY collation, so a prefix is the index range
-- number >= prefix AND number < next(prefix).

-- +goose Up
CREATE TABLE numbers (
    number      TEXT    NOT NULL PRIMARY KEY,
    state       TEXT    NOT NULL,
    assigned_to TEXT    NOT NULL DEFAULT '',
    module_name TEXT    NOT NULL DEFAULT '',
    pool        TEXT    NOT NULL DEFAULT '',
    created     INTEGER NOT NULL,
    modified    INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT    NOT NULL
) WITHOUT ROWID;

-- An account's listing. Partial indexes leave out the many unowned (and
-- unpooled) numbers; queries repeat the condition so the planner uses them.
CREATE INDEX numbers_assigned_to ON numbers (assigned_to, number) WHERE assigned_to <> '';
-- Prefix searches of available numbers, per carrier module.
CREATE INDEX numbers_state_module ON numbers (state, module_name, number);
-- Managed numbers: an account's private inventory.
CREATE INDEX numbers_pool ON numbers (pool, state, number) WHERE pool <> '';

CREATE TABLE accounts (
    id                     TEXT    NOT NULL PRIMARY KEY,
    name                   TEXT    NOT NULL,
    parent_id              TEXT    NOT NULL DEFAULT '',
    -- Materialised path: /root/.../parent/id/. Descendants of an account are
    -- the range path > its path AND path < its path with the final / -> 0.
    path                   TEXT    NOT NULL,
    enabled                INTEGER NOT NULL,
    reseller               INTEGER NOT NULL,
    allow_number_additions INTEGER NOT NULL,
    superduper_admin       INTEGER NOT NULL,
    public                 TEXT    NOT NULL,
    api_key_hash           TEXT,
    api_key_sealed         TEXT    NOT NULL DEFAULT '',
    created                INTEGER NOT NULL,
    modified               INTEGER NOT NULL,
    version                INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX accounts_parent ON accounts (parent_id, name);
CREATE UNIQUE INDEX accounts_path ON accounts (path);
-- NULL for accounts without a key, so they do not collide.
CREATE UNIQUE INDEX accounts_api_key_hash ON accounts (api_key_hash);

CREATE TABLE configs (
    id  TEXT NOT NULL PRIMARY KEY,
    doc TEXT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE configs;
DROP TABLE accounts;
DROP TABLE numbers;
