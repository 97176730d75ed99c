package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/ports"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlstore"
)

// keyFileFlag adds --secret-key-file: where the key that seals the
// database's secrets is, when it is not in NUMAN_SECRET_KEY.
func keyFileFlag(fs *flag.FlagSet, env *Env) *string {
	return fs.String("secret-key-file", envOr(env, "NUMAN_SECRET_KEY_FILE", ""),
		"file holding the key that seals the database's secrets (NUMAN_SECRET_KEY_FILE); NUMAN_SECRET_KEY may hold the key itself; "+
			"with SQLite and neither, <db>.key is used, created on first start")
}

// defaultKeyFile is the zero-setup key file of a SQLite database: beside
// it. PostgreSQL has none: every node must be given the same key.
func defaultKeyFile(db string) string {
	if isPostgres(db) {
		return ""
	}
	return db + ".key"
}

// sealedStore is an open store and the source of its system config, which
// seals secrets with the node's key.
type sealedStore struct {
	st   store.Store
	keys *secrets.Loaded
}

// source returns a config source for node that seals with the store's key.
func (s *sealedStore) source(node string, ttl time.Duration) *config.Source {
	return config.NewSource(s.st, node, ttl, config.SealWith(s.keys.Keyring))
}

// openSealed opens the store db names and loads the key its secrets are
// sealed with. A SQLite database that holds no sealed secret yet gets a
// key file created beside it; one that does and has lost its key file is
// an error, as is PostgreSQL without a key.
func openSealed(ctx context.Context, env *Env, db, keyFile string, lim ...sqlstore.SQLiteLimits) (*sealedStore, error) {
	st, err := openStore(ctx, db, lim...)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redactDSN(db), err)
	}
	sealed, err := config.HasSealed(ctx, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	loaded, err := secrets.Load(secrets.LoadOptions{
		Value:       env.Getenv("NUMAN_SECRET_KEY"),
		File:        keyFile,
		DefaultFile: defaultKeyFile(db),
		Generate:    !sealed,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &sealedStore{st: st, keys: loaded}, nil
}

func runSecrets(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "secrets", args)
	if err != nil {
		return err
	}
	fs := flagSet(env, "secrets "+sub)
	if sub == "generate" {
		fs.Usage = func() {
			fmt.Fprintln(env.Stderr, "usage: numan secrets generate   print a new secret key (for NUMAN_SECRET_KEY or a key file)")
		}
		if err := parse(fs, args); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, secrets.EncodeKey(secrets.GenerateKey()))
		return nil
	}
	db := dbFlag(fs, env, DefaultDB, "SQLite `file`, or a postgres:// URL (NUMAN_DB)")
	keyFile := keyFileFlag(fs, env)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: numan secrets rotate [flags]")
		fmt.Fprintln(env.Stderr, "  With a key file: a new key is generated, every secret is sealed again with it, and the file holds only the new key.")
		fmt.Fprintln(env.Stderr, "  With NUMAN_SECRET_KEY=<new>,<old> (on every node first): every secret is sealed again with <new>; then drop <old>.")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := openSealed(ctx, env, *db, *keyFile)
	if err != nil {
		return err
	}
	defer s.st.Close()
	kr := s.keys.Keyring
	before := kr.IDs()
	if s.keys.File == "" {
		if len(before) < 2 {
			return errors.New("the key is in NUMAN_SECRET_KEY: generate a new key ('numan secrets generate'), " +
				"set NUMAN_SECRET_KEY=<new>,<old> on every node, run 'numan secrets rotate' again, then set NUMAN_SECRET_KEY=<new>")
		}
		ids, err := s.source("", time.Second).SealAll(ctx)
		if err != nil {
			return err
		}
		pins, err := ports.ResealPINs(ctx, s.st, kr)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "sealed %d document(s) and %d port PIN(s) again with key %s; you may now remove key(s) %s from NUMAN_SECRET_KEY\n",
			len(ids), pins, before[0], strings.Join(before[1:], ", "))
		return nil
	}
	// A key file: the new key goes first while the old ones still open
	// (a crash in between leaves a file that opens everything), then the
	// file keeps the new key only.
	oldKeys, err := readKeyFile(s.keys.File)
	if err != nil {
		return err
	}
	fresh := secrets.GenerateKey()
	if err := secrets.WriteKeyFile(s.keys.File, append([][]byte{fresh}, oldKeys...)...); err != nil {
		return err
	}
	if err := kr.Reload(); err != nil {
		return err
	}
	ids, err := s.source("", time.Second).SealAll(ctx)
	if err != nil {
		return fmt.Errorf("%w (the key file %s holds the new key and the old one: run rotate again)", err, s.keys.File)
	}
	pins, err := ports.ResealPINs(ctx, s.st, kr)
	if err != nil {
		return fmt.Errorf("%w (the key file %s holds the new key and the old one: run rotate again)", err, s.keys.File)
	}
	if err := secrets.WriteKeyFile(s.keys.File, fresh); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "rotated the secret key %s -> %s in %s; sealed %d document(s) and %d port PIN(s) again\n",
		before[0], secrets.KeyID(fresh), s.keys.File, len(ids), pins)
	fmt.Fprintln(env.Stdout, "database backups taken before now need the old key: keep a copy of it with them if you need them")
	return nil
}

func readKeyFile(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	return secrets.ParseKeys(string(b))
}
