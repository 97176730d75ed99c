-- Core schema: numbers, accounts, system configs.
--
-- Numbers keep the fields Numan queries as columns and the rest as a JSON
-- document (doc, type json so user JSON comes back byte for byte). Key
-- columns use the "C" collation: byte order makes a prefix the index range
-- number >= prefix AND number < next(prefix) whatever the database locale.

-- +goose Up
CREATE TABLE numbers (
    number      text COLLATE "C" NOT NULL PRIMARY KEY,
    state       text COLLATE "C" NOT NULL,
    assigned_to text COLLATE "C" NOT NULL DEFAULT '',
    module_name text COLLATE "C" NOT NULL DEFAULT '',
    pool        text COLLATE "C" NOT NULL DEFAULT '',
    created     timestamptz NOT NULL,
    modified    timestamptz NOT NULL,
    version     bigint NOT NULL,
    doc         json NOT NULL
);

-- An account's listing. Partial indexes leave out the many unowned (and
-- unpooled) numbers; queries repeat the condition so the planner uses them.
CREATE INDEX numbers_assigned_to ON numbers (assigned_to, number) WHERE assigned_to <> '';
-- Prefix searches of available numbers, per carrier module.
CREATE INDEX numbers_state_module ON numbers (state, module_name, number);
-- Managed numbers: an account's private inventory.
CREATE INDEX numbers_pool ON numbers (pool, state, number) WHERE pool <> '';

CREATE TABLE accounts (
    id                     text COLLATE "C" NOT NULL PRIMARY KEY,
    name                   text NOT NULL,
    parent_id              text COLLATE "C" NOT NULL DEFAULT '',
    -- Materialised path: /root/.../parent/id/. Descendants of an account are
    -- the range path > its path AND path < its path with the final / -> 0.
    path                   text COLLATE "C" NOT NULL,
    enabled                boolean NOT NULL,
    reseller               boolean NOT NULL,
    allow_number_additions boolean NOT NULL,
    superduper_admin       boolean NOT NULL,
    public                 json NOT NULL,
    api_key_hash           text COLLATE "C",
    api_key_sealed         text NOT NULL DEFAULT '',
    created                timestamptz NOT NULL,
    modified               timestamptz NOT NULL,
    version                bigint NOT NULL
);

CREATE INDEX accounts_parent ON accounts (parent_id, name);
CREATE UNIQUE INDEX accounts_path ON accounts (path);
-- NULL for accounts without a key, so they do not collide.
CREATE UNIQUE INDEX accounts_api_key_hash ON accounts (api_key_hash);

CREATE TABLE configs (
    id  text COLLATE "C" NOT NULL PRIMARY KEY,
    doc json NOT NULL
);

-- +goose Down
DROP TABLE configs;
DROP TABLE accounts;
DROP TABLE numbers;
