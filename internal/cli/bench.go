package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/api"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// benchTarget is what the load generator hits.
type benchTarget struct {
	base, token, account string
	numbers              []string
}

func runBench(ctx context.Context, env *Env, args []string) error {
	fs := flagSet(env, "bench")
	target := fs.String("url", "", "server to load; empty: start one in this process on --db")
	db := new(string) // never NUMAN_DB: bench seeds numbers into it
	fs.Var(dsnValue{db}, "db", "in-process server's database: SQLite `file` or postgres:// URL (default: a temporary SQLite file)")
	token := secretFlag(fs, env, "token", "NUMAN_TOKEN", "auth `token` for --url (default: NUMAN_TOKEN)")
	apiKey := secretFlag(fs, env, "api-key", "NUMAN_API_KEY", "API `key` for --url (default: NUMAN_API_KEY)")
	account := fs.String("account", env.Getenv("NUMAN_ACCOUNT"), "account for --url (default: the token's)")
	numberFlag := fs.String("number", "", "number to GET on --url (default: the first of the account's listing)")
	op := fs.String("op", "get", "what to load: get (one number), identify (the numbers' routing) or search")
	prefix := fs.String("prefix", "415", "search prefix")
	concurrency := fs.Int("concurrency", 50, "concurrent clients")
	duration := fs.Duration("duration", 10*time.Second, "how long to load")
	seed := fs.Int("seed", 1000, "numbers the in-process server starts with")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole process to this file")
	suite := fs.Bool("suite", false, "run every workload of issue 13 against --url, whose database --db names, each beside its bare baseline, and print the table")
	suiteNumbers := fs.Int("numbers", 1_000_000, "--suite: numbers to load (nine in ten in service, through the API; one in ten available)")
	suitePID := fs.Int("pid", 0, "--suite: the server's process id, to read its resident memory from /proc/<pid>/status (the server must run on this machine)")
	suiteActivations := fs.Int("activations", 20_000, "--suite: distinct numbers activated by 100 concurrent clients")
	bareFor := fs.String("bare-server-for", "", "internal to --suite: serve the bare baselines for this account on --db, until stdin closes")
	keyFile := keyFileFlag(fs, env)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *bareFor != "" {
		return runBareServer(ctx, env, *db, *bareFor)
	}
	if *suite {
		if *target == "" || *db == "" {
			return usagef("--suite needs --url and --db (the running server's database)")
		}
		return runBenchSuite(ctx, env, suiteOptions{url: *target, db: *db, keyFile: *keyFile, numbers: *suiteNumbers,
			concurrency: *concurrency, duration: *duration, pid: *suitePID, activations: *suiteActivations})
	}
	if *op != "get" && *op != "search" && *op != "identify" {
		return usagef("--op must be get, identify or search")
	}
	var t benchTarget
	if *target == "" {
		srv, err := startBenchServer(ctx, env, *db, *seed)
		if err != nil {
			return err
		}
		defer srv.close()
		t = srv.target
	} else {
		cf := clientFlags{url: target, token: token, apiKey: apiKey, account: account}
		c, err := cf.connect(ctx)
		if err != nil {
			return err
		}
		t = benchTarget{base: c.base, token: c.token, account: c.account}
		if *numberFlag != "" {
			t.numbers = []string{*numberFlag}
		} else {
			data, err := c.call(ctx, http.MethodGet, c.accountPath("/phone_numbers?page_size=100"), nil)
			if err != nil {
				return err
			}
			t.numbers = listingNumbers(data)
		}
	}
	if *op != "search" && len(t.numbers) == 0 {
		return errors.New("no number to GET: give --number")
	}
	paths := make([]string, 0, len(t.numbers))
	for _, n := range t.numbers {
		p := "/v2/accounts/" + t.account + "/phone_numbers/" + url.PathEscape(n)
		if *op == "identify" {
			p += "/identify"
		}
		paths = append(paths, p)
	}
	if *op == "search" {
		paths = []string{"/v2/accounts/" + t.account + "/phone_numbers?" + url.Values{"prefix": {*prefix}, "quantity": {"10"}}.Encode()}
	}
	fmt.Fprintf(env.Stderr, "bench: %s %s, %d clients, %s\n", *op, t.base, *concurrency, *duration)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := loadHTTP(ctx, t, paths, *concurrency, *duration)
	if err != nil {
		return err
	}
	res.print(env.Stdout, *op)
	return nil
}

// benchServer is an in-process numan on a real loopback listener, so the
// load goes through the whole HTTP stack.
type benchServer struct {
	target benchTarget
	close  func()
}

func startBenchServer(ctx context.Context, env *Env, db string, seed int) (*benchServer, error) {
	var cleanup []func()
	closeAll := func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	if db == "" {
		dir, err := os.MkdirTemp("", "numan-bench-")
		if err != nil {
			return nil, err
		}
		cleanup = append(cleanup, func() { os.RemoveAll(dir) })
		db = filepath.Join(dir, "bench.db")
	}
	ss, err := openSealed(ctx, env, db, "")
	if err != nil {
		closeAll()
		return nil, err
	}
	st := ss.st
	cleanup = append(cleanup, func() { st.Close() })
	src := ss.source("bench", 2*time.Second)
	secret, err := src.LoadSecret(ctx)
	if err != nil {
		closeAll()
		return nil, err
	}
	auth, err := api.NewAuth(secret, time.Hour, time.Now)
	if err != nil {
		closeAll()
		return nil, err
	}
	keys, err := accounts.NewKeys(secret)
	if err != nil {
		closeAll()
		return nil, err
	}
	// A bench account of its own, so an existing database is not disturbed.
	now := time.Now()
	acc := &number.Account{ID: accounts.NewID(), Name: "numan bench", Enabled: true, SuperduperAdmin: true, Public: number.Doc{}, Created: now, Modified: now}
	if err := keys.SetAPIKey(acc, accounts.NewAPIKey()); err != nil {
		closeAll()
		return nil, err
	}
	if err := st.InsertAccount(ctx, acc); err != nil {
		closeAll()
		return nil, err
	}
	nums, err := seedBench(ctx, st, acc.ID, seed, now)
	if err != nil {
		closeAll()
		return nil, err
	}
	quiet := slog.New(slog.DiscardHandler)
	accs := accounts.New(st, accounts.Options{CacheTTL: time.Second, Keys: keys})
	mgr := manager.New(st, src, manager.Options{Logger: quiet, Accounts: accs, NumberCacheTTL: time.Second})
	srv := api.New(api.Options{Manager: mgr, Config: src, Auth: auth, Logger: quiet, Version: version(), Node: "bench"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		closeAll()
		return nil, err
	}
	hs := srv.HTTPServer(api.DefaultLimits(), nil)
	go func() { _ = hs.Serve(srv.Listener(ln)) }()
	cleanup = append(cleanup, func() { _ = hs.Close() })
	tok, _, err := auth.IssueToken(acc)
	if err != nil {
		closeAll()
		return nil, err
	}
	fmt.Fprintf(env.Stderr, "bench: in-process server on %s, database %s, %d numbers\n", ln.Addr(), redactDSN(db), len(nums))
	return &benchServer{target: benchTarget{base: "http://" + ln.Addr().String(), token: tok, account: acc.ID, numbers: nums}, close: closeAll}, nil
}

// seedBench stores numbers in +1415 for the bench account: most in
// service, some available so searches find them.
func seedBench(ctx context.Context, st store.Store, account string, n int, now time.Time) ([]string, error) {
	base := 4155000000 + now.UnixNano()%900000
	var nums []string
	var batch []*number.Number
	for i := range n {
		e164 := fmt.Sprintf("+1%d", base+int64(i))
		rec := number.New(e164, number.InService, "local", now)
		if i%10 == 9 {
			rec.State = number.Available
		} else {
			rec.AssignedTo = account
			nums = append(nums, e164)
		}
		batch = append(batch, rec)
		if len(batch) == 500 || i == n-1 {
			if err := st.InsertNumbers(ctx, batch); err != nil {
				return nil, err
			}
			batch = batch[:0]
		}
	}
	return nums, nil
}

func listingNumbers(data []byte) []string {
	var d struct {
		Numbers map[string]any `json:"numbers"`
	}
	_ = jsonUnmarshal(data, &d)
	var out []string
	for n := range d.Numbers {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// benchResult is what a load run measured.
type benchResult struct {
	requests, errors int
	elapsed          time.Duration
	latencies        []time.Duration
}

func (r benchResult) print(w io.Writer, op string) {
	slices.Sort(r.latencies)
	q := func(p float64) time.Duration {
		if len(r.latencies) == 0 {
			return 0
		}
		return r.latencies[min(len(r.latencies)-1, int(p*float64(len(r.latencies))))]
	}
	fmt.Fprintf(w, "op=%s requests=%d errors=%d elapsed=%s rate=%.0f/s p50=%s p90=%s p99=%s max=%s\n",
		op, r.requests, r.errors, r.elapsed.Round(time.Millisecond), float64(r.requests)/r.elapsed.Seconds(),
		q(.50), q(.90), q(.99), q(1))
}

// loadHTTP runs concurrency clients doing GETs of paths in turn for d.
func loadHTTP(ctx context.Context, t benchTarget, paths []string, concurrency int, d time.Duration) (benchResult, error) {
	tr := &http.Transport{MaxIdleConns: concurrency * 2, MaxIdleConnsPerHost: concurrency * 2, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var res benchResult
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<14)
			errs := 0
			for i := w; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t.base+paths[i%len(paths)], nil)
				req.Header.Set("X-Auth-Token", t.token)
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %s", resp.Status)
					}
				}
				lat = append(lat, time.Since(t0))
				if err != nil {
					errs++
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			res.requests += len(lat)
			res.errors += errs
			res.latencies = append(res.latencies, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if res.errors > 0 && res.errors == res.requests {
		return res, fmt.Errorf("every request failed, e.g.: %w", firstErr)
	}
	return res, nil
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
