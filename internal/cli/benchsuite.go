package cli

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/api"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlstore"
)

// suiteOptions are the settings of numan bench --suite.
type suiteOptions struct {
	url, db, keyFile string
	numbers          int
	concurrency      int
	duration         time.Duration
	pid              int
	activations      int
}

// suiteRow is one line of the suite's table: Numan's figure beside the
// bare program's doing the same work.
type suiteRow struct {
	work          string
	numan, bare   float64 // per second
	unit          string
	numanP50      time.Duration
	bareP50       time.Duration
	target, notes string
}

// runBenchSuite loads opts.numbers numbers into the database of a running
// server and measures each workload against its bare baseline in the
// same run (issue 13), printing a table of figures and ratios.
func runBenchSuite(ctx context.Context, env *Env, o suiteOptions) error {
	ss, err := openSealed(ctx, env, o.db, o.keyFile)
	if err != nil {
		return err
	}
	defer ss.st.Close()
	st, ok := ss.st.(*sqlstore.Store)
	if !ok {
		return errors.New("bench --suite needs a SQL store")
	}
	src := ss.source("bench", 2*time.Second)
	secret, err := src.LoadSecret(ctx)
	if err != nil {
		return err
	}
	auth, err := api.NewAuth(secret, 24*time.Hour, time.Now)
	if err != nil {
		return err
	}
	keys, err := accounts.NewKeys(secret)
	if err != nil {
		return err
	}
	now := time.Now()
	acc := &number.Account{ID: accounts.NewID(), Name: "numan bench suite", Enabled: true, SuperduperAdmin: true, Public: number.Doc{}, Created: now, Modified: now}
	if err := keys.SetAPIKey(acc, accounts.NewAPIKey()); err != nil {
		return err
	}
	if err := st.InsertAccount(ctx, acc); err != nil {
		return err
	}
	tok, _, err := auth.IssueToken(acc)
	if err != nil {
		return err
	}
	base := strings.TrimRight(o.url, "/")
	t := benchTarget{base: base, token: tok, account: acc.ID}
	logf := func(format string, args ...any) { fmt.Fprintf(env.Stderr, "bench: "+format+"\n", args...) }

	// A free area code: the numbers are +1 AAA and 7 digits.
	area := ""
	for range 100 {
		a := strconv.Itoa(200 + rand.IntN(800))
		ns, err := st.SearchNumbers(ctx, carrierQuery("+1"+a))
		if err != nil {
			return err
		}
		if len(ns) == 0 {
			area = a
			break
		}
	}
	if area == "" {
		return errors.New("no free area code for the bench's numbers")
	}
	n := min(o.numbers, 10_000_000)
	num := func(i int) string { return fmt.Sprintf("+1%s%07d", area, i) }
	var inService, available []string
	for i := range n {
		if i%10 == 9 {
			available = append(available, num(i))
		} else {
			inService = append(inService, num(i))
		}
	}
	logf("%s, database %s, %d numbers under +1%s (account %s)", base, redactDSN(o.db), n, area, acc.ID)
	var rows []suiteRow

	// Import: the numbers in service through the API, as numan numbers
	// import sends them; the available ones straight into the store.
	logf("import: %d numbers through PUT .../phone_numbers/collection/import", len(inService))
	importRate, err := benchImportAPI(ctx, t, inService, 1000, 4)
	if err != nil {
		return err
	}
	// The bare insert runs on a quiet machine: once the server finished
	// what the import left it (dispatching its events), and before the
	// bench's own writes below, which the server's follower reads.
	waitIdle(ctx, st, o.pid, logf)
	logf("bare insert: %d rows in one transaction, into a table with the numbers table's indexes, then with its key only", len(inService))
	bareRate, err := benchBareInsert(ctx, st, o.db, len(inService), true)
	if err != nil {
		return err
	}
	bareKeyRate, err := benchBareInsert(ctx, st, o.db, len(inService), false)
	if err != nil {
		return err
	}
	avail := make([]*number.Number, 0, 5000)
	for i, e := range available {
		avail = append(avail, number.New(e, number.Available, "local", now))
		if len(avail) == cap(avail) || i == len(available)-1 {
			if err := st.InsertNumbers(ctx, avail); err != nil {
				return err
			}
			avail = avail[:0]
		}
	}
	rows = append(rows, suiteRow{work: "import (numbers/s)", numan: importRate, bare: bareRate, unit: "numbers/s", target: ">= 0.3",
		notes: fmt.Sprintf("bare: the numbers table's indexes; into a table with its key only: %.0f/s (%.2f×)", bareKeyRate, importRate/bareKeyRate)})

	// The reads are measured on a settled database: the bulk writes above
	// leave PostgreSQL's checkpointer, or SQLite's log, flushing for
	// minutes, on the cores the reads share.
	settle := "PRAGMA wal_checkpoint(TRUNCATE)"
	if st.IsPostgresStore() {
		settle = "CHECKPOINT"
	}
	logf("settling the database after the writes: %s", settle)
	if _, err := st.ReadDB().ExecContext(ctx, settle); err != nil {
		logf("%s failed (the reads are measured anyway): %v", settle, err)
	}
	// The server heard the bench's own inserts through its follower (more
	// than it reads one by one: it reads its route index again).
	waitIdle(ctx, st, o.pid, logf)

	// The bare servers, in a process of their own as Numan's server is
	// (in the load generator's process they would share its runtime).
	bare, closeBare, err := spawnBareServer(ctx, o.db, acc.ID)
	if err != nil {
		return err
	}
	defer closeBare()
	bt := benchTarget{base: bare, token: "x", account: acc.ID}
	sample := func(from []string, k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = from[rand.IntN(len(from))]
		}
		return out
	}
	run := func(work string, numanPaths, barePaths []string, target string) (suiteRow, error) {
		logf("%s: %d clients, %s each", work, o.concurrency, o.duration)
		// Each side's load in slices of about a second, alternated in
		// the order Numan, bare, bare, Numan, Numan, …: what drifts on a
		// shared machine meanwhile (a neighbour's load, from one second
		// to the next) weighs on both figures alike. (One half of Numan's
		// load before the bare load and one after left the ratio of
		// identify moving between 0.59 and 0.95 from run to run.)
		var r1, r2 benchResult
		k := max(1, int(o.duration/time.Second))
		for i := range k {
			slice := o.duration / time.Duration(k)
			if i == k-1 {
				slice = o.duration - slice*time.Duration(k-1)
			}
			for j := range 2 {
				numanTurn := (i+j)%2 == 0
				srv, paths, into := t, numanPaths, &r1
				if !numanTurn {
					srv, paths, into = bt, barePaths, &r2
				}
				res, err := loadHTTP(ctx, srv, paths, o.concurrency, slice)
				if err != nil {
					if !numanTurn {
						return suiteRow{}, fmt.Errorf("%s bare: %w", work, err)
					}
					return suiteRow{}, fmt.Errorf("%s: %w", work, err)
				}
				*into = into.add(res)
			}
		}
		row := suiteRow{work: work, numan: r1.rate(), bare: r2.rate(), unit: "req/s", numanP50: r1.p50(), bareP50: r2.p50(), target: target}
		if r1.errors > 0 || r2.errors > 0 {
			row.notes = fmt.Sprintf("errors: %d of %d (Numan), %d (bare)", r1.errors, r1.requests, r2.errors)
		}
		return row, nil
	}

	// Search: 20 available numbers under a prefix of 7 digits.
	var sp, sb []string
	for range 1000 {
		p := fmt.Sprintf("%s%03d", area, rand.IntN(min(1000, max(1, n/10_000))))
		sp = append(sp, "/v2/accounts/"+acc.ID+"/phone_numbers?"+url.Values{"prefix": {p}, "quantity": {"20"}}.Encode())
		sb = append(sb, "/search?prefix=%2B1"+p)
	}
	r, err := run("search 20 by prefix", sp, sb, ">= 0.5")
	if err != nil {
		return err
	}
	rows = append(rows, r)

	// Identify, uniformly over the numbers in service, with the server's
	// memory watched.
	ids := sample(inService, 100_000)
	var ip, ib, gp, gb []string
	for _, e := range ids {
		p := "/v2/accounts/" + acc.ID + "/phone_numbers/" + url.PathEscape(e)
		ip = append(ip, p+"/identify")
		ib = append(ib, "/identify/"+url.PathEscape(e))
		gp = append(gp, p)
		gb = append(gb, "/get/"+url.PathEscape(e))
	}
	rss := &rssWatch{pid: o.pid}
	stopRSS := rss.start(ctx)
	r, err = run("identify (uniform)", ip, ib, ">= 0.7")
	stopRSS()
	if err != nil {
		return err
	}
	r.notes = strings.TrimPrefix(r.notes+"; bare: an in-memory map server over HTTP", "; ")
	rows = append(rows, r)
	r, err = run("GET a number (uniform)", gp, gb, "")
	if err != nil {
		return err
	}
	rows = append(rows, r)

	// Listing: pages of 50, start keys spread over the account.
	var lp, lb []string
	for _, e := range sample(inService, 1000) {
		lp = append(lp, "/v2/accounts/"+acc.ID+"/phone_numbers?page_size=50&start_key="+url.QueryEscape(e))
		lb = append(lb, "/list?start_key="+url.QueryEscape(e))
	}
	r, err = run("listing, page of 50", lp, lb, "within 3x (>= 0.33)")
	if err != nil {
		return err
	}
	rows = append(rows, r)

	// Activations of distinct available numbers by 100 clients.
	acts := min(o.activations, len(available))
	logf("activations: %d distinct numbers by 100 clients", acts)
	actRate, sold, double, err := benchActivations(ctx, t, st, available[:acts], 100)
	if err != nil {
		return err
	}
	rows = append(rows, suiteRow{work: "activations, 100 concurrent", numan: actRate, unit: "activations/s", target: ">= 2000 (PostgreSQL)",
		notes: fmt.Sprintf("%d sold, %d double sales", sold, double)})

	fmt.Fprintf(env.Stdout, "numan bench --suite: %d numbers, %d clients, %s per workload, database %s\n\n", n, o.concurrency, o.duration, dbKind(o.db))
	fmt.Fprintf(env.Stdout, "| work | Numan | bare | ratio | target | p50 Numan / bare | notes |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		ratio, bareS := "", ""
		if r.bare > 0 {
			ratio = fmt.Sprintf("%.2f×", r.numan/r.bare)
			bareS = fmt.Sprintf("%.0f", r.bare)
		}
		p50 := ""
		if r.numanP50 > 0 {
			p50 = fmt.Sprintf("%s / %s", r.numanP50.Round(10*time.Microsecond), r.bareP50.Round(10*time.Microsecond))
		}
		fmt.Fprintf(env.Stdout, "| %s | %.0f %s | %s | %s | %s | %s | %s |\n", r.work, r.numan, r.unit, bareS, ratio, r.target, p50, r.notes)
	}
	if m := rss.max.Load(); m > 0 {
		fmt.Fprintf(env.Stdout, "\nserver resident memory during identify: max %d MB (%s)\n", m>>20, rss.from())
	}
	return nil
}

func dbKind(db string) string {
	if sqlstore.IsPostgres(db) {
		return "PostgreSQL"
	}
	return "SQLite"
}

// carrierQuery finds any number under prefix.
func carrierQuery(prefix string) store.SearchQuery {
	return store.SearchQuery{Prefix: prefix, Limit: 1}
}

// add is r and o as one run.
func (r benchResult) add(o benchResult) benchResult {
	return benchResult{requests: r.requests + o.requests, errors: r.errors + o.errors, elapsed: r.elapsed + o.elapsed,
		latencies: append(slices.Clip(r.latencies), o.latencies...)}
}

// rate is the requests per second of a run.
func (r benchResult) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// p50 is the median latency of a run.
func (r benchResult) p50() time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	return s[len(s)/2]
}

// benchImportAPI creates nums in service for t's account through the
// collection import endpoint (as numan numbers import does), batch at a time with workers in flight, and returns
// numbers/s.
func benchImportAPI(ctx context.Context, t benchTarget, nums []string, batch, workers int) (float64, error) {
	hc := &http.Client{Timeout: 5 * time.Minute}
	ch := make(chan []string)
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range ch {
				body, _ := json.Marshal(map[string]any{"data": map[string]any{"numbers": b}, "accept_charges": true})
				req, _ := http.NewRequestWithContext(ctx, http.MethodPut, t.base+"/v2/accounts/"+t.account+"/phone_numbers/collection/import", bytes.NewReader(body))
				req.Header.Set("X-Auth-Token", t.token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("import: status %s", resp.Status)
					}
				}
				if err != nil {
					mu.Lock()
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < len(nums); i += batch {
		ch <- nums[i:min(i+batch, len(nums))]
	}
	close(ch)
	wg.Wait()
	return float64(len(nums)) / time.Since(start).Seconds(), firstErr
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// benchBareInsert inserts n rows shaped like Numan's numbers into a
// scratch table in one transaction (COPY on PostgreSQL), drops it, and
// returns rows/s. With indexes the table has the numbers table's
// secondary indexes too, as any insert into it must maintain.
func benchBareInsert(ctx context.Context, st *sqlstore.Store, db string, n int, indexes bool) (float64, error) {
	idx := []string{}
	if indexes {
		idx = []string{
			"CREATE INDEX numan_bench_bare_assigned_to ON numan_bench_bare (assigned_to, number) WHERE assigned_to <> ''",
			"CREATE INDEX numan_bench_bare_state_module ON numan_bench_bare (state, module_name, number)",
			"CREATE INDEX numan_bench_bare_pool ON numan_bench_bare (pool, state, number) WHERE pool <> ''",
			"CREATE INDEX numan_bench_bare_state_owner ON numan_bench_bare (state, assigned_to, number) WHERE assigned_to <> ''",
		}
	}
	const cols = "number text PRIMARY KEY, state text NOT NULL, assigned_to text NOT NULL, module_name text NOT NULL, pool text NOT NULL, created bigint NOT NULL, modified bigint NOT NULL, version bigint NOT NULL, doc text NOT NULL"
	doc := `{"features":{"local":{}},"features_available":[],"reserve_history":[]}`
	now := time.Now().UnixMicro()
	row := func(i int) []any {
		return []any{fmt.Sprintf("+1999%07d", i), "in_service", "00000000000000000000000000000001", "local", "", now, now, int64(1), doc}
	}
	if st.IsPostgresStore() {
		conn, err := st.ReadDB().Conn(ctx)
		if err != nil {
			return 0, err
		}
		defer conn.Close()
		var rate float64
		err = conn.Raw(func(dc any) error {
			c := dc.(*stdlib.Conn).Conn()
			// A table like the numbers table, written to the WAL as it
			// is (a temporary table is not: the first round's baseline
			// was one, and did less work than the import it measured).
			if _, err := c.Exec(ctx, "CREATE TABLE numan_bench_bare ("+cols+")"); err != nil {
				return err
			}
			for _, q := range idx {
				if _, err := c.Exec(ctx, q); err != nil {
					return err
				}
			}
			defer c.Exec(context.WithoutCancel(ctx), "DROP TABLE numan_bench_bare") //nolint:errcheck // scratch table
			start := time.Now()
			tx, err := c.Begin(ctx)
			if err != nil {
				return err
			}
			i := 0
			_, err = tx.CopyFrom(ctx, pgx.Identifier{"numan_bench_bare"}, []string{"number", "state", "assigned_to", "module_name", "pool", "created", "modified", "version", "doc"},
				pgx.CopyFromFunc(func() ([]any, error) {
					if i == n {
						return nil, nil
					}
					i++
					return row(i), nil
				}))
			if err != nil {
				_ = tx.Rollback(ctx)
				return err
			}
			if err := tx.Commit(ctx); err != nil {
				return err
			}
			rate = float64(n) / time.Since(start).Seconds()
			return nil
		})
		return rate, err
	}
	w, err := sql.Open("sqlite", db+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer w.Close()
	w.SetMaxOpenConns(1)
	if _, err := w.ExecContext(ctx, "CREATE TABLE numan_bench_bare ("+cols+")"); err != nil {
		return 0, err
	}
	for _, q := range idx {
		if _, err := w.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	defer w.ExecContext(context.WithoutCancel(ctx), "DROP TABLE numan_bench_bare") //nolint:errcheck // scratch table
	start := time.Now()
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	const per = 100
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO numan_bench_bare VALUES "+strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,?),", per), ","))
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	args := make([]any, 0, per*9)
	for i := 0; i < n; i += per {
		if n-i < per {
			for j := i; j < n; j++ {
				if _, err := tx.ExecContext(ctx, "INSERT INTO numan_bench_bare VALUES (?,?,?,?,?,?,?,?,?)", row(j)...); err != nil {
					return 0, err
				}
			}
			break
		}
		args = args[:0]
		for j := i; j < i+per; j++ {
			args = append(args, row(j)...)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// startBareServer serves the bare baselines on a loopback port: /search,
// /get/{n} and /list run the bare SQL query on db and write its rows as
// JSON; /identify/{n} answers from a map of the numbers in service.
// spawnBareServer runs the bare servers in a child process (numan bench
// --bare-server-for account), which reads its identify map from db, and
// returns its address and how to stop it.
func spawnBareServer(ctx context.Context, db, account string) (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, self, "bench", "--db", db, "--bare-server-for", account)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe() // the child ends when it closes
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { stdin.Close(); _ = cmd.Wait() }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "bare servers on ")
	if err != nil || !ok {
		stop()
		return "", nil, fmt.Errorf("bare servers did not start: %q: %w", line, cmpOr(err, io.ErrUnexpectedEOF))
	}
	return addr, stop, nil
}

// runBareServer is the child of spawnBareServer: the bare servers on db's
// read pool, the identify map holding account's numbers in service, until
// stdin closes.
func runBareServer(ctx context.Context, env *Env, db, account string) error {
	st, err := openStore(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	sst, ok := st.(*sqlstore.Store)
	if !ok {
		return errors.New("bench --suite needs a SQL store")
	}
	rawDB := sst.ReadDB()
	var inService []string
	rows, err := rawDB.QueryContext(ctx, "SELECT number FROM numbers WHERE assigned_to = $1 AND state = 'in_service'", account)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		inService = append(inService, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	addr, stop, err := startBareServer(rawDB, inService, account)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(env.Stdout, "bare servers on %s\n", addr)
	_, _ = io.Copy(io.Discard, env.Stdin)
	return nil
}

func startBareServer(db *sql.DB, inService []string, account string) (string, func(), error) {
	routes := make(map[string]string, len(inService))
	for _, n := range inService {
		routes[n] = account
	}
	const cols = "number, state, assigned_to, module_name, pool, created, modified, version, doc"
	rowsJSON := func(w http.ResponseWriter, r *http.Request, query string, args ...any) {
		rows, err := db.QueryContext(r.Context(), query, args...)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		out := map[string]any{}
		for rows.Next() {
			var num, st, acc, mod, pool string
			var created, modified any
			var version int64
			var doc []byte
			if err := rows.Scan(&num, &st, &acc, &mod, &pool, &created, &modified, &version, &doc); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			out[num] = map[string]any{"state": st, "assigned_to": acc, "carrier_module": mod, "created": fmt.Sprint(created), "updated": fmt.Sprint(modified), "version": version, "doc": json.RawMessage(doc)}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": out, "status": "success"})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Query().Get("prefix")
		rowsJSON(w, r, "SELECT "+cols+" FROM numbers WHERE number >= $1 AND number < $2 AND state = 'available' AND module_name = 'local' ORDER BY number LIMIT 20", p, p+"~")
	})
	mux.HandleFunc("GET /get/{n}", func(w http.ResponseWriter, r *http.Request) {
		rowsJSON(w, r, "SELECT "+cols+" FROM numbers WHERE number = $1", r.PathValue("n"))
	})
	mux.HandleFunc("GET /list", func(w http.ResponseWriter, r *http.Request) {
		rowsJSON(w, r, "SELECT "+cols+" FROM numbers WHERE assigned_to = $1 AND assigned_to <> '' AND number >= $2 ORDER BY number LIMIT 51", account, r.URL.Query().Get("start_key"))
	})
	mux.HandleFunc("GET /identify/{n}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("n")
		acc, ok := routes[n]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"account_id": acc, "number": n, "used_by": "", "features": []string{"local"}}, "status": "success"})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = hs.Close() }, nil
}

// benchActivations activates nums (distinct, available) into t's account
// with clients in flight, then checks the store: sold is how many answered
// 200, double how many of those the store does not hold for the account
// (a number sold twice, or a sale lost).
func benchActivations(ctx context.Context, t benchTarget, st *sqlstore.Store, nums []string, clients int) (rate float64, sold, double int, err error) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxIdleConns: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	ch := make(chan string)
	var ok []string
	var mu sync.Mutex
	var fails atomic.Int64
	var wg sync.WaitGroup
	body := []byte(`{"data":{},"accept_charges":true}`)
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range ch {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPut, t.base+"/v2/accounts/"+t.account+"/phone_numbers/"+url.PathEscape(n)+"/activate", bytes.NewReader(body))
				req.Header.Set("X-Auth-Token", t.token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					fails.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					ok = append(ok, n)
					mu.Unlock()
				} else {
					fails.Add(1)
				}
			}
		}()
	}
	for _, n := range nums {
		ch <- n
	}
	close(ch)
	wg.Wait()
	rate = float64(len(ok)) / time.Since(start).Seconds()
	got, err := st.GetNumbers(ctx, ok)
	if err != nil {
		return rate, len(ok), 0, err
	}
	seen := map[string]bool{}
	for _, n := range ok {
		s := got[n]
		if seen[n] || s == nil || s.AssignedTo != t.account || s.State != number.InService {
			double++
		}
		seen[n] = true
	}
	if len(ok) == 0 {
		return 0, 0, 0, fmt.Errorf("no activation succeeded (%d failed)", fails.Load())
	}
	return rate, len(ok), double, nil
}

// waitIdle waits, at most a minute, until the server has no event left to
// dispatch and (given its pid) used less than 5 % of a core over half a
// second.
func waitIdle(ctx context.Context, st *sqlstore.Store, pid int, logf func(string, ...any)) {
	start := time.Now()
	deadline := start.Add(time.Minute)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	cpu, at := cpuTicks(pid), time.Now()
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var queued int
		if err := st.ReadDB().QueryRowContext(ctx, "SELECT count(*) FROM event_queue").Scan(&queued); err != nil || queued > 0 {
			continue
		}
		if pid <= 0 {
			break
		}
		if since := time.Since(at); since >= 500*time.Millisecond {
			now := cpuTicks(pid)
			// Clock ticks are 10 ms: 5 % of a core is one tick in 200 ms.
			if busy := float64(now-cpu) * 10 / float64(since.Milliseconds()); busy < 0.05 {
				break
			}
			cpu, at = now, time.Now()
		}
	}
	logf("waited %s for the server to be idle", time.Since(start).Round(100*time.Millisecond))
}

// cpuTicks is the CPU time process pid used, in clock ticks (0 when it
// cannot be read).
func cpuTicks(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')') // after the command's name, which may hold anything
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

// rssWatch samples the resident memory of a server running on this
// machine, from /proc/<pid>/status.
type rssWatch struct {
	pid int
	max atomic.Int64
}

func (w *rssWatch) from() string { return fmt.Sprintf("/proc/%d/status VmRSS", w.pid) }

func (w *rssWatch) start(ctx context.Context) func() {
	if w.pid <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			if b := w.sample(); b > w.max.Load() {
				w.max.Store(b)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (w *rssWatch) sample() int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", w.pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
