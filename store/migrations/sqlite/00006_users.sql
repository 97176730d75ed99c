-- Users: the people who sign in to accounts (internal/users). Passwords
-- are never stored: only argon2id hashes of the credentials digests Kazoo
-- clients send, and 16-bit keyed tags of them that find a sign-in's
-- candidates among an account's users. Timestamps are Unix microseconds.
--
-- Accounts gain what a sign-in names them by: name_key, the name in lower
-- case with only its letters and digits (as Kazoo compares account names),
-- and realm, in lower case. The store writes both with every account; the
-- UPDATE below fills them for accounts stored before (a name with letters
-- outside ASCII gets its exact key at its next write).

-- +goose Up
CREATE TABLE users (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    username    TEXT    NOT NULL DEFAULT '',
    email       TEXT    NOT NULL DEFAULT '',
    first_name  TEXT    NOT NULL DEFAULT '',
    last_name   TEXT    NOT NULL DEFAULT '',
    admin       INTEGER NOT NULL,
    enabled     INTEGER NOT NULL,
    md5_tag     INTEGER NOT NULL DEFAULT 0,
    sha1_tag    INTEGER NOT NULL DEFAULT 0,
    md5_hash    TEXT    NOT NULL DEFAULT '',
    sha1_hash   TEXT    NOT NULL DEFAULT '',
    stamp       TEXT    NOT NULL,
    public      TEXT    NOT NULL,
    created     INTEGER NOT NULL,
    modified    INTEGER NOT NULL,
    version     INTEGER NOT NULL
) WITHOUT ROWID;
-- A username is unique within its account; users without one cannot sign in.
CREATE UNIQUE INDEX users_username ON users (account_id, username) WHERE username <> '';
CREATE INDEX users_md5_tag ON users (account_id, md5_tag) WHERE md5_tag <> 0;
CREATE INDEX users_sha1_tag ON users (account_id, sha1_tag) WHERE sha1_tag <> 0;

ALTER TABLE accounts ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN realm TEXT NOT NULL DEFAULT '';
UPDATE accounts SET
    name_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(name), ' ', ''), '!', ''), '"', ''), '#', ''), '$', ''), '%', ''), '&', ''), '''', ''), '(', ''), ')', ''), '*', ''), '+', ''), ',', ''), '-', ''), '.', ''), '/', ''), ':', ''), ';', ''), '<', ''), '=', ''), '>', ''), '?', ''), '@', ''), '[', ''), '\', ''), ']', ''), '^', ''), '_', ''), '`', ''), '{', ''), '|', ''), '}', ''), '~', ''),
    realm = lower(coalesce(json_extract(public, '$.realm'), ''));
CREATE INDEX accounts_name_key ON accounts (name_key) WHERE name_key <> '';
CREATE INDEX accounts_realm ON accounts (realm) WHERE realm <> '';

-- +goose Down
DROP INDEX accounts_realm;
DROP INDEX accounts_name_key;
ALTER TABLE accounts DROP COLUMN realm;
ALTER TABLE accounts DROP COLUMN name_key;
DROP TABLE users;
