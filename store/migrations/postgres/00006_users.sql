-- Users: the people who sign in to accounts (internal/users). Passwords
-- are never stored: only argon2id hashes of the credentials digests Kazoo
-- clients send, and 16-bit keyed tags of them that find a sign-in's
-- candidates among an account's users.
--
-- Accounts gain what a sign-in names them by: name_key, the name in lower
-- case with only its letters and digits (as Kazoo compares account names),
-- and realm, in lower case. The store writes both with every account; the
-- UPDATE below fills them for accounts stored before.

-- +goose Up
CREATE TABLE users (
    id          text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id  text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    username    text NOT NULL DEFAULT '',
    email       text NOT NULL DEFAULT '',
    first_name  text NOT NULL DEFAULT '',
    last_name   text NOT NULL DEFAULT '',
    admin       boolean NOT NULL,
    enabled     boolean NOT NULL,
    md5_tag     bigint NOT NULL DEFAULT 0,
    sha1_tag    bigint NOT NULL DEFAULT 0,
    md5_hash    text NOT NULL DEFAULT '',
    sha1_hash   text NOT NULL DEFAULT '',
    stamp       text NOT NULL,
    public      json NOT NULL,
    created     timestamptz NOT NULL,
    modified    timestamptz NOT NULL,
    version     bigint NOT NULL
);
-- A username is unique within its account; users without one cannot sign in.
CREATE UNIQUE INDEX users_username ON users (account_id, username) WHERE username <> '';
CREATE INDEX users_md5_tag ON users (account_id, md5_tag) WHERE md5_tag <> 0;
CREATE INDEX users_sha1_tag ON users (account_id, sha1_tag) WHERE sha1_tag <> 0;

ALTER TABLE accounts ADD COLUMN name_key text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN realm text COLLATE "C" NOT NULL DEFAULT '';
UPDATE accounts SET
    name_key = regexp_replace(lower(name), '[^a-z0-9]', '', 'g'),
    realm = lower(coalesce(public->>'realm', ''));
CREATE INDEX accounts_name_key ON accounts (name_key) WHERE name_key <> '';
CREATE INDEX accounts_realm ON accounts (realm) WHERE realm <> '';

-- +goose Down
DROP INDEX accounts_realm;
DROP INDEX accounts_name_key;
ALTER TABLE accounts DROP COLUMN realm;
ALTER TABLE accounts DROP COLUMN name_key;
DROP TABLE users;
