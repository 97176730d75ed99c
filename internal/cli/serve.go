package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/api"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/console"
	"github.com/numan-dev/numan/internal/jobs"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/ports"
	"github.com/numan-dev/numan/internal/requests"
	"github.com/numan-dev/numan/internal/users"
	"github.com/numan-dev/numan/internal/webhooks"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlite"
	"github.com/numan-dev/numan/store/sqlstore"
)

// DefaultListen is where numan serve listens unless told otherwise.
const DefaultListen = "127.0.0.1:8000"

// DefaultDB is the SQLite file numan uses unless told otherwise.
const DefaultDB = "numan.db"

// openPostgres opens a PostgreSQL store; set by store_postgres.go.
var openPostgres func(ctx context.Context, dsn string) (store.Store, error)

// migratePostgres migrates a PostgreSQL database; set by store_postgres.go.
var migratePostgres func(ctx context.Context, dsn string) ([]string, error)

// isPostgres reports whether db is a PostgreSQL DSN (a postgres:// URL, or
// keyword/value pairs with a host) rather than a SQLite file path.
func isPostgres(db string) bool { return sqlstore.IsPostgres(db) }

// openStore opens (and migrates) the store db names: a PostgreSQL DSN or a
// SQLite file path.
// A SQLite file is opened within lim (the first given), else within
// sqlstore.DefaultSQLiteLimits.
func openStore(ctx context.Context, db string, lim ...sqlstore.SQLiteLimits) (store.Store, error) {
	if isPostgres(db) {
		if openPostgres == nil {
			return nil, errors.New("this numan was built without PostgreSQL support")
		}
		return openPostgres(ctx, db)
	}
	if len(lim) > 0 {
		return sqlstore.OpenSQLiteLimited(ctx, db, lim[0])
	}
	return sqlite.Open(ctx, db)
}

func newLogger(env *Env, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	// No URL credentials reach the log, whoever logs them.
	if format == "json" {
		return slog.New(config.RedactingHandler(slog.NewJSONHandler(env.Stderr, opts)))
	}
	return slog.New(config.RedactingHandler(slog.NewTextHandler(env.Stderr, opts)))
}

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := flagSet(env, "serve")
	host, _ := os.Hostname()
	listen := fs.String("listen", envOr(env, "NUMAN_LISTEN", DefaultListen), "address to listen on (NUMAN_LISTEN)")
	db := dbFlag(fs, env, DefaultDB, "SQLite `file`, or a postgres:// URL (NUMAN_DB)")
	node := fs.String("node", envOr(env, "NUMAN_NODE", host), "this node's name: selects system-config node sections (NUMAN_NODE)")
	tokenTTL := fs.Duration("token-ttl", durationEnv(env, "NUMAN_TOKEN_TTL", api.DefaultTokenTTL), "auth token lifetime (NUMAN_TOKEN_TTL)")
	accountTTL := fs.Duration("account-cache-ttl", durationEnv(env, "NUMAN_ACCOUNT_CACHE_TTL", time.Second), "how stale an account, or the service plans linked to it, may be after another node changed them (this node's writes show at once); 0 disables the caches (NUMAN_ACCOUNT_CACHE_TTL)")
	numberTTL := fs.Duration("number-cache-ttl", durationEnv(env, "NUMAN_NUMBER_CACHE_TTL", time.Second), "how stale a number shown by GET may be after another node changed it; writes never use this cache; 0 disables it (NUMAN_NUMBER_CACHE_TTL)")
	configTTL := fs.Duration("config-ttl", durationEnv(env, "NUMAN_CONFIG_TTL", 2*time.Second), "how stale a system-config read may be (NUMAN_CONFIG_TTL)")
	logFormat := fs.String("log-format", envOr(env, "NUMAN_LOG_FORMAT", "text"), "log format: text or json (NUMAN_LOG_FORMAT)")
	logLevel := fs.String("log-level", envOr(env, "NUMAN_LOG_LEVEL", "info"), "log level: debug, info, warn, error (NUMAN_LOG_LEVEL)")
	quiet := fs.Bool("quiet-requests", false, "do not log each request")
	sqlLim := sqlstore.DefaultSQLiteLimits
	sqliteCache := fs.Int("sqlite-cache-mib", intEnv(env, "NUMAN_SQLITE_CACHE_MIB", sqlLim.ReaderCacheKiB>>10), "SQLite: page cache of each read connection, in MiB (NUMAN_SQLITE_CACHE_MIB)")
	sqliteMmap := fs.Int("sqlite-mmap-mib", intEnv(env, "NUMAN_SQLITE_MMAP_MIB", int(sqlLim.MmapBytes>>20)), "SQLite: memory map of the database file, in MiB; its touched pages count as resident memory; 0 turns it off (NUMAN_SQLITE_MMAP_MIB)")
	sqliteReaders := fs.Int("sqlite-readers", intEnv(env, "NUMAN_SQLITE_READERS", 0), "SQLite: read connections; 0: max(4, CPUs) (NUMAN_SQLITE_READERS)")
	numberCacheSize := fs.Int("number-cache-size", intEnv(env, "NUMAN_NUMBER_CACHE_SIZE", manager.DefaultNumberCacheSize), "numbers the GET cache holds at most, about 1 KB each (NUMAN_NUMBER_CACHE_SIZE)")
	pprofListen := fs.String("pprof-listen", envOr(env, "NUMAN_PPROF_LISTEN", ""), "serve Go's profiler (net/http/pprof) on this address, e.g. 127.0.0.1:6060; keep it off public interfaces; empty: off (NUMAN_PPROF_LISTEN)")
	routeIndex := fs.Bool("route-index", boolEnv(env, "NUMAN_ROUTE_INDEX", true), "answer identify (the switch's per-call lookup) from an in-memory index of the routable numbers, kept current by this node's writes and, on PostgreSQL, other nodes' by following the event outbox every 100 ms; about 100 MB per million routable numbers (NUMAN_ROUTE_INDEX)")
	jobsEvery := fs.Duration("jobs-every", durationEnv(env, "NUMAN_JOBS_EVERY", time.Minute), "time between passes of the background jobs (aging, search-result purge, release retries, purchase reconciliation, port requests at carriers); 0 runs none (NUMAN_JOBS_EVERY)")
	allowPrivate := fs.Bool("webhooks-allow-private", boolEnv(env, "NUMAN_WEBHOOKS_ALLOW_PRIVATE", false), "let webhooks reach loopback, private and link-local addresses (off: a tenant's webhook cannot reach internal services) (NUMAN_WEBHOOKS_ALLOW_PRIVATE)")
	deliverEvery := fs.Duration("deliver-every", durationEnv(env, "NUMAN_DELIVER_EVERY", time.Second), "time between passes of event delivery (webhooks, message bus); 0 delivers nothing from this node (NUMAN_DELIVER_EVERY)")
	keyFile := keyFileFlag(fs, env)
	lim := api.DefaultLimits()
	fs.DurationVar(&lim.HeaderTimeout, "header-timeout", durationEnv(env, "NUMAN_HEADER_TIMEOUT", lim.HeaderTimeout), "how long a client may take to send a request's headers (NUMAN_HEADER_TIMEOUT)")
	fs.DurationVar(&lim.BodyTimeout, "body-timeout", durationEnv(env, "NUMAN_BODY_TIMEOUT", lim.BodyTimeout), "how long a client may take to send a whole request, body included; a slower sender gets 408 and is dropped (NUMAN_BODY_TIMEOUT)")
	fs.DurationVar(&lim.WriteTimeout, "write-timeout", durationEnv(env, "NUMAN_WRITE_TIMEOUT", lim.WriteTimeout), "how long handling a request and writing its reply may take; 0 means no limit (NUMAN_WRITE_TIMEOUT)")
	fs.DurationVar(&lim.IdleTimeout, "idle-timeout", durationEnv(env, "NUMAN_IDLE_TIMEOUT", lim.IdleTimeout), "how long an idle keep-alive connection stays open (NUMAN_IDLE_TIMEOUT)")
	fs.IntVar(&lim.MaxHeaderBytes, "max-header-bytes", intEnv(env, "NUMAN_MAX_HEADER_BYTES", lim.MaxHeaderBytes), "largest request headers accepted; 431 above (NUMAN_MAX_HEADER_BYTES)")
	secureCookies := fs.Bool("secure-cookies", boolEnv(env, "NUMAN_SECURE_COOKIES", false), "mark the web console's cookies Secure: set it when the console is reached over HTTPS (NUMAN_SECURE_COOKIES)")
	maxBody := fs.Int64("max-body-bytes", int64(intEnv(env, "NUMAN_MAX_BODY_BYTES", api.DefaultMaxBodyBytes)), "largest request body accepted; 413 above (NUMAN_MAX_BODY_BYTES)")
	keyTTL := fs.Duration("idempotency-ttl", durationEnv(env, "NUMAN_IDEMPOTENCY_TTL", 24*time.Hour), "how long a write's Idempotency-Key and its reply are remembered (NUMAN_IDEMPOTENCY_TTL)")
	maxAttachment := fs.Int64("max-attachment-bytes", int64(intEnv(env, "NUMAN_MAX_ATTACHMENT_BYTES", ports.DefaultMaxAttachmentBytes)), "largest document attached to a port request (LOA, bill); 413 above (NUMAN_MAX_ATTACHMENT_BYTES)")
	if err := parse(fs, args); err != nil {
		return err
	}
	log := newLogger(env, *logFormat, *logLevel)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	sqlLim.ReaderCacheKiB, sqlLim.MmapBytes, sqlLim.Readers = *sqliteCache<<10, int64(*sqliteMmap)<<20, *sqliteReaders
	ss, err := openSealed(ctx, env, *db, *keyFile, sqlLim)
	if err != nil {
		return err
	}
	st := ss.st
	defer st.Close()
	if ss.keys.Generated {
		fmt.Fprintf(env.Stderr, "Created the secret key file %s: it opens the secrets sealed in the database; keep it, apart from database backups.\n", ss.keys.File)
	}
	src := ss.source(*node, *configTTL)
	// Secrets stored in clear by an older numan are sealed now; a value
	// that does not open means this node was given the wrong key.
	resealed, err := src.SealAll(ctx)
	if err != nil {
		return fmt.Errorf("secrets: %w", err)
	}
	if len(resealed) > 0 {
		log.Info("sealed the secrets of system configs stored in clear", "configs", resealed, "key_id", ss.keys.Keyring.CurrentID())
	}
	secret, err := src.LoadSecret(ctx)
	if err != nil {
		return err
	}
	auth, err := api.NewAuth(secret, *tokenTTL, time.Now)
	if err != nil {
		return err
	}
	keys, err := accounts.NewKeys(secret)
	if err != nil {
		return err
	}
	// One account service for the node: the API authenticates and the
	// manager authorizes through its cache, which its writes clear.
	accs := accounts.New(st, accounts.Options{CacheTTL: *accountTTL, Keys: keys})
	masterKey := env.Getenv("NUMAN_MASTER_API_KEY")
	master, key, err := accs.EnsureMaster(ctx, masterKey)
	if err != nil {
		return fmt.Errorf("create master account: %w", err)
	}
	switch {
	case master != nil && masterKey == "":
		// Printed once, on the terminal only: it is never logged or stored in clear.
		fmt.Fprintf(env.Stderr, "Created the master account %s.\nIts API key (shown only now): %s\n", master.ID, key)
	case master != nil:
		fmt.Fprintf(env.Stderr, "Created the master account %s with the API key from NUMAN_MASTER_API_KEY.\n", master.ID)
	case masterKey != "":
		// The key only seeds an empty database; saying nothing would let an
		// operator believe the master now answers to it.
		fmt.Fprintln(env.Stderr, "NUMAN_MASTER_API_KEY was not used: this database already has its accounts and master, whose API key is unchanged.\n"+
			"(The variable only sets the master's key when serve creates it on an empty database; a new key: PUT /v2/accounts/{ID}/api_key.)")
	}

	mgr := manager.New(st, src, manager.Options{Logger: log, Accounts: accs, NumberCacheTTL: *numberTTL, NumberCacheSize: *numberCacheSize})
	defer mgr.Close() // after the HTTP server stopped: background jobs stop and report
	if *routeIndex {
		t0 := time.Now()
		if err := mgr.StartRouteIndex(ctx); err != nil {
			return fmt.Errorf("route index: %w", err)
		}
		log.Info("route index built", "numbers", mgr.RouteIndexSize(), "took", time.Since(t0).Round(time.Millisecond))
	}
	var bill *billing.Service
	if bs, ok := st.(billing.Store); ok {
		// Every number write is priced (402 accept charges), checked against
		// credit and recorded in the ledger.
		bill = billing.New(bs, billing.ClassifyWith(mgr), billing.Options{Logger: log, Accounts: accs, PlanCacheTTL: *accountTTL})
		mgr.SetBilling(bill)
	}
	reqLog := log
	if *quiet {
		reqLog = slog.New(config.RedactingHandler(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	}
	// The people who sign in (user_auth, the console), on the account
	// cache's staleness bound.
	people, err := users.New(st, accs, secret, users.Options{CacheTTL: *accountTTL, Normalize: mgr.Normalize})
	if err != nil {
		return err
	}
	portSvc := ports.New(mgr, ports.Options{Logger: log, MaxAttachmentBytes: *maxAttachment, Keys: src.Keyring()})
	reqs := requests.New(st, requests.Options{KeyTTL: *keyTTL, Limits: mgr.RateLimits})
	hooks := webhooks.New(st, src.Keyring(), webhooks.Options{})
	srv := api.New(api.Options{Manager: mgr, Config: src, Auth: auth, Logger: reqLog, Version: version(), Node: *node,
		Billing: bill, Users: people, MaxBodyBytes: *maxBody, Ports: portSvc, Requests: reqs, Webhooks: hooks})

	if *pprofListen != "" {
		stopPprof, err := servePprof(*pprofListen)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	hs := srv.HTTPServer(lim, slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	// The web console at /, a client of the API in process; every other
	// path is the API's.
	con, err := console.New(console.Options{API: srv, Logger: log, SecureCookies: *secureCookies})
	if err != nil {
		return err
	}
	hs.Handler = con
	var sinks []webhooks.Sink
	if *deliverEvery > 0 {
		if sinks, err = eventSinks(ctx, src, log); err != nil {
			return err
		}
	}
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	jobsDone := make(chan struct{})
	if *jobsEvery > 0 {
		go func() {
			defer close(jobsDone)
			_ = (&jobs.Runner{Manager: mgr, Ports: portSvc, Books: billing.NewBooks(st, bill), Keys: reqs, Logger: log, Every: *jobsEvery}).Run(jobsCtx)
		}()
	} else {
		close(jobsDone)
	}
	// Event delivery (webhooks, the message bus) runs on every node; a
	// lease per delivery keeps two nodes from sending one event twice.
	deliverDone := make(chan struct{})
	if *deliverEvery > 0 {
		d := webhooks.NewDeliverer(st, src.Keyring(), webhooks.DelivererOptions{Node: *node, Logger: log, Sinks: sinks, AllowPrivate: *allowPrivate})
		go func() {
			defer close(deliverDone)
			t := time.NewTicker(*deliverEvery)
			defer t.Stop()
			d.Run(jobsCtx, t.C)
			for _, s := range sinks {
				closeSink(s)
			}
		}()
	} else {
		close(deliverDone)
	}
	defer func() {
		stopJobs()
		<-jobsDone
		<-deliverDone
	}()
	log.Info("numan serving", "listen", ln.Addr().String(), "db", redactDSN(*db), "node", *node, "version", version())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(srv.Listener(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	case <-env.Interrupt:
	}
	log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// Purchases whose buyers stopped waiting may still be at their
	// carriers: record their outcome if they finish in time. What does not
	// finish is settled by reconciliation (its intent is stored).
	if err := mgr.Drain(sctx); err != nil {
		log.Warn("stopping with purchases still at their carriers; reconciliation will settle them")
	}
	log.Info("stopped")
	return nil
}

func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := flagSet(env, "migrate")
	db := dbFlag(fs, env, DefaultDB, "SQLite `file`, or a postgres:// URL (NUMAN_DB)")
	if err := parse(fs, args); err != nil {
		return err
	}
	var applied []string
	var err error
	if isPostgres(*db) {
		if migratePostgres == nil {
			return errors.New("this numan was built without PostgreSQL support")
		}
		applied, err = migratePostgres(ctx, *db)
	} else {
		applied, err = sqlite.Migrate(ctx, *db)
	}
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(env.Stdout, "schema is up to date")
	}
	for _, m := range applied {
		fmt.Fprintln(env.Stdout, "applied", m)
	}
	return nil
}

// boolEnv reads a boolean from the environment, else def.
func boolEnv(env *Env, name string, def bool) bool {
	if v := env.Getenv(name); v != "" {
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	return def
}
