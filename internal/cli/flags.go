package cli

import (
	"flag"
	"net/url"
	"regexp"
	"strings"
)

// secretValue is a string flag holding a secret (a token, an API key): its
// default comes from the environment and help never shows it.
type secretValue struct{ s *string }

func (v secretValue) String() string { return "" }

func (v secretValue) Set(s string) error { *v.s = s; return nil }

// secretFlag registers a secret string flag whose default is the
// environment variable envName.
func secretFlag(fs *flag.FlagSet, env *Env, name, envName, usage string) *string {
	p := new(string)
	*p = env.Getenv(envName)
	fs.Var(secretValue{p}, name, usage)
	return p
}

// dsnValue is a database flag (a SQLite file or a postgres:// URL): help
// shows its default with any password masked.
type dsnValue struct{ s *string }

func (v dsnValue) String() string {
	if v.s == nil {
		return ""
	}
	return redactDSN(*v.s)
}

func (v dsnValue) Set(s string) error { *v.s = s; return nil }

// dbFlag registers --db, defaulting to NUMAN_DB or def.
func dbFlag(fs *flag.FlagSet, env *Env, def, usage string) *string {
	p := new(string)
	*p = envOr(env, "NUMAN_DB", def)
	fs.Var(dsnValue{p}, "db", usage)
	return p
}

// passwordPair is the password of a keyword/value DSN.
var passwordPair = regexp.MustCompile(`(^|\s)password=\S*`)

// redactDSN hides the password of a database URL (user:password@ or a
// password= parameter) or keyword/value DSN, for logs and help.
func redactDSN(db string) string {
	if !isPostgres(db) {
		return db
	}
	if !strings.Contains(db, "://") {
		return passwordPair.ReplaceAllString(db, "${1}password=****")
	}
	u, err := url.Parse(db)
	if err != nil {
		// Unparsable: keep the scheme, hide the rest.
		scheme, _, _ := strings.Cut(db, "://")
		return scheme + "://****"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "****")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "****")
		u.RawQuery = q.Encode()
	}
	return strings.ReplaceAll(u.String(), "%2A%2A%2A%2A", "****")
}
