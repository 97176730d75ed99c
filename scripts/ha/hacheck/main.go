// Command hacheck drives a write load through two or more Numan nodes that
// share a PostgreSQL primary with a synchronous standby, kills the primary's
// postmaster in the middle of the run, keeps buying until writes succeed
// again on every node, and then checks against the database that no
// acknowledged write was lost and no number was sold twice.
//
// It is run by scripts/ha/run.sh, which sets up the cluster and the nodes;
// it is not part of go test. See scripts/ha/README.md.
//
// The load: one account per worker; every worker buys (activates) numbers of
// its own ("distinct": only it ever asks for them) and, once per time slot,
// the slot's "contended" number, which every worker asks for at about the
// same moment through alternating nodes. An acknowledged write is a 200
// reply to an activation: the number is the worker's account's. After the
// run the numbers table must hold every acknowledged activation, and no
// number may have been acknowledged to two accounts.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// outcome is how one activation attempt ended.
type outcome uint8

const (
	okWrite  outcome = iota // 200: the number is the account's (acknowledged)
	taken                   // 409 number_exists: another account has it (a definite no)
	conflict                // 409 conflict: a concurrent write won; asked again
	refused                 // 5xx or a transport error: the write may or may not have happened
	other                   // anything else (4xx): a bug in the driver or the server
)

var outcomeNames = [...]string{"ok", "taken", "conflict", "refused", "other"}

// attempt is one activation request.
type attempt struct {
	start, end time.Time
	node       int
	worker     int
	num        int // index into the pool
	out        outcome
	contended  bool
	// retry: the worker asked for this number before and was refused. A
	// retry's 200 may only confirm an earlier write (activating one's own
	// number changes nothing), so the recovery is timed on first asks.
	retry bool
}

type config struct {
	nodes       []string
	masterKey   string
	dsn         string
	workers     int
	distinct    int
	slot        time.Duration
	base        int64
	before      time.Duration
	after       time.Duration
	maxRun      time.Duration
	killCmd     string
	noKill      bool
	reqTimeout  time.Duration
	batch       int
	resumeGrace time.Duration
}

func main() {
	os.Exit(run())
}

func run() int {
	var c config
	var nodes string
	flag.StringVar(&nodes, "nodes", "http://127.0.0.1:28101,http://127.0.0.1:28102", "comma-separated base URLs of the Numan nodes")
	flag.StringVar(&c.masterKey, "master-key", os.Getenv("NUMAN_MASTER_API_KEY"), "the master account's API key (NUMAN_MASTER_API_KEY)")
	flag.StringVar(&c.dsn, "dsn", os.Getenv("NUMAN_DB"), "multi-host PostgreSQL DSN, for finding the primary and for the final check (NUMAN_DB)")
	flag.IntVar(&c.workers, "workers", 16, "concurrent clients, one account each")
	flag.IntVar(&c.distinct, "distinct", 30000, "numbers bought by exactly one client (split between the workers)")
	flag.DurationVar(&c.slot, "slot", 50*time.Millisecond, "every slot, all workers race for one new contended number")
	flag.Int64Var(&c.base, "base", 14152000000, "first number of the pool (E.164 digits without +)")
	flag.DurationVar(&c.before, "before", 15*time.Second, "load before the primary is killed")
	flag.DurationVar(&c.after, "after", 15*time.Second, "load after writes have resumed on every node")
	flag.DurationVar(&c.maxRun, "max-run", 3*time.Minute, "give up (and fail) if writes have not resumed by then")
	flag.StringVar(&c.killCmd, "kill-cmd", "", "shell command that kills the primary, run with PRIMARY_PGDATA, PRIMARY_PORT and POSTMASTER_PID set; default: kill -9 POSTMASTER_PID")
	flag.BoolVar(&c.noKill, "no-kill", false, "run the load without killing anything (a baseline)")
	flag.DurationVar(&c.reqTimeout, "request-timeout", 10*time.Second, "deadline of one HTTP request")
	flag.IntVar(&c.batch, "batch", 500, "numbers per collection create while filling the pool")
	flag.DurationVar(&c.resumeGrace, "resume-grace", 0, "extra time after resumption before the after-phase starts")
	flag.Parse()
	c.nodes = strings.Split(nodes, ",")
	if c.masterKey == "" || c.dsn == "" || len(c.nodes) == 0 || c.workers < 2 {
		fmt.Fprintln(os.Stderr, "hacheck: need -master-key, -dsn, -nodes and at least 2 workers")
		return 2
	}
	if err := drive(c); err != nil {
		fmt.Fprintln(os.Stderr, "hacheck: FAIL:", err)
		return 1
	}
	return 0
}

func logf(format string, args ...any) {
	fmt.Printf("%s  %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// client talks to the Numan nodes.
type client struct {
	hc      *http.Client
	nodes   []string
	timeout time.Duration
}

type envelope struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	Error     string          `json:"error"`
	Message   string          `json:"message"`
	AuthToken string          `json:"auth_token"`
}

// do sends one request and decodes the envelope; err is a transport error.
func (cl *client) do(ctx context.Context, node int, method, path, token string, body any) (int, *envelope, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, cl.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, cl.nodes[node]+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := cl.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var env envelope
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &env); err != nil {
			return resp.StatusCode, nil, fmt.Errorf("%s %s: %d, not JSON: %.200s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, &env, nil
}

// must is do for the setup steps, on a longer deadline: anything but a 2xx
// is an error.
func (cl *client) must(ctx context.Context, method, path, token string, body any, out any) (*envelope, error) {
	setup := *cl
	setup.timeout = 2 * time.Minute
	code, env, err := setup.do(ctx, 0, method, path, token, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if code/100 != 2 {
		return nil, fmt.Errorf("%s %s: %d %s %s", method, path, code, env.Error, env.Message)
	}
	if out != nil {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return env, nil
}

func (cl *client) login(ctx context.Context, key string) (token, account string, err error) {
	var d struct {
		AccountID string `json:"account_id"`
		AuthToken string `json:"auth_token"`
	}
	env, err := cl.must(ctx, http.MethodPut, "/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": key}}, &d)
	if err != nil {
		return "", "", err
	}
	if d.AuthToken == "" {
		d.AuthToken = env.AuthToken
	}
	return d.AuthToken, d.AccountID, nil
}

func (c config) number(i int) string { return "+" + strconv.FormatInt(c.base+int64(i), 10) }

// pool layout: [0, distinct) are the distinct numbers, worker w owning
// those with i % workers == w; [distinct, distinct+contendedN) are the
// contended numbers, slot s using distinct+s.
func (c config) contendedN() int { return int(c.maxRun/c.slot) + 1 }

type loadRun struct {
	c        config
	cl       *client
	tokens   []string // per worker
	accounts []string // per worker
	t0       time.Time

	mu       sync.Mutex
	attempts []attempt

	killAt   atomic.Int64 // unix nanos; 0 before the kill
	firstBad atomic.Int64 // end of the first refused attempt after the kill
	// resumed[node]: end of the first success on that node that started after
	// firstBad.
	resumed []atomic.Int64
}

func drive(c config) error {
	ctx := context.Background()
	tr := &http.Transport{MaxIdleConns: 4 * c.workers, MaxIdleConnsPerHost: 2 * c.workers, IdleConnTimeout: time.Minute}
	cl := &client{hc: &http.Client{Transport: tr}, nodes: c.nodes, timeout: c.reqTimeout}

	// 0. The cluster as it is before the run.
	if err := showReplication(ctx, c.dsn); err != nil {
		return err
	}

	// 1. Accounts, keys, tokens; the pool of numbers.
	masterTok, master, err := cl.login(ctx, c.masterKey)
	if err != nil {
		return fmt.Errorf("master login: %w", err)
	}
	r := &loadRun{c: c, cl: cl, resumed: make([]atomic.Int64, len(c.nodes))}
	stamp := time.Now().Format("150405")
	for w := 0; w < c.workers; w++ {
		var acc struct {
			ID string `json:"id"`
		}
		if _, err := cl.must(ctx, http.MethodPut, "/v2/accounts/"+master, masterTok,
			map[string]any{"data": map[string]any{"name": fmt.Sprintf("ha-buyer-%s-%02d", stamp, w)}}, &acc); err != nil {
			return err
		}
		var k struct {
			APIKey string `json:"api_key"`
		}
		if _, err := cl.must(ctx, http.MethodGet, "/v2/accounts/"+acc.ID+"/api_key", masterTok, nil, &k); err != nil {
			return err
		}
		tok, _, err := cl.login(ctx, k.APIKey)
		if err != nil {
			return err
		}
		r.accounts = append(r.accounts, acc.ID)
		r.tokens = append(r.tokens, tok)
	}
	total := c.distinct + c.contendedN()
	t := time.Now()
	if err := fillPool(ctx, cl, c, master, masterTok, total); err != nil {
		return err
	}
	logf("setup: %d accounts, %d numbers available (%d distinct, %d contended) in %s", c.workers, total, c.distinct, c.contendedN(), time.Since(t).Round(time.Millisecond))

	// 2. The load, the kill, the recovery.
	return r.load(ctx)
}

// fillPool creates the numbers [0, total) as available, in batches, four
// requests at a time.
func fillPool(ctx context.Context, cl *client, c config, master, tok string, total int) error {
	batches := make(chan int)
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range batches {
				var nums []string
				for j := i; j < min(i+c.batch, total); j++ {
					nums = append(nums, c.number(j))
				}
				var res struct {
					Error json.RawMessage `json:"error"` // an object, or [] when empty
				}
				if _, err := cl.must(ctx, http.MethodPut, "/v2/accounts/"+master+"/phone_numbers/collection", tok,
					map[string]any{"data": map[string]any{"numbers": nums, "create_with_state": "available"}, "accept_charges": true}, &res); err != nil {
					errs <- err
					return
				}
				var failed map[string]json.RawMessage
				_ = json.Unmarshal(res.Error, &failed)
				for n, e := range failed {
					errs <- fmt.Errorf("creating the pool: %d numbers failed, e.g. %s: %s (is the database fresh? try another -base)", len(failed), n, e)
					return
				}
			}
		}()
	}
	var err error
feed:
	for i := 0; i < total; i += c.batch {
		select {
		case batches <- i:
		case err = <-errs:
			break feed
		}
	}
	close(batches)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

func (r *loadRun) record(a attempt) {
	r.mu.Lock()
	r.attempts = append(r.attempts, a)
	r.mu.Unlock()
	if r.killAt.Load() == 0 {
		return
	}
	switch a.out {
	case refused:
		r.firstBad.CompareAndSwap(0, a.end.UnixNano())
	case okWrite:
		fb := r.firstBad.Load()
		if fb != 0 && !a.retry && a.start.UnixNano() > fb {
			r.resumed[a.node].CompareAndSwap(0, a.end.UnixNano())
		}
	}
}

// activate asks node to give number i to worker w's account, until it gets
// a definite answer or the run stops. Every attempt is recorded.
func (r *loadRun) activate(ctx context.Context, w, node, i int, contended bool) {
	path := "/v2/accounts/" + r.accounts[w] + "/phone_numbers/" + url.PathEscape(r.c.number(i)) + "/activate"
	body := map[string]any{"data": map[string]any{}, "accept_charges": true}
	backoff := 20 * time.Millisecond
	for retry := false; ctx.Err() == nil; {
		a := attempt{start: time.Now(), node: node, worker: w, num: i, contended: contended, retry: retry}
		code, env, err := r.cl.do(ctx, node, http.MethodPut, path, r.tokens[w], body)
		a.end = time.Now()
		switch {
		case err != nil && ctx.Err() != nil:
			return // the run ended mid-request: not an attempt
		case err != nil || code >= 500:
			a.out = refused
		case code == 200:
			a.out = okWrite
		case code == 409 && env.Message == "number_exists":
			a.out = taken
		case code == 409:
			a.out = conflict
		default:
			a.out = other
			logf("unexpected reply on node %d for %s: %d %s %s", node, r.c.number(i), code, env.Error, env.Message)
		}
		r.record(a)
		switch a.out {
		case okWrite, taken, other:
			return
		case refused:
			retry = true
			// The write may have happened: ask again (an activation of one's
			// own number answers 200), through the other node as a client
			// behind a load balancer would.
			node = (node + 1) % len(r.c.nodes)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 200*time.Millisecond)
		}
		// conflict: asked again at once.
	}
}

func (r *loadRun) worker(ctx context.Context, w int) {
	next := w // this worker's next distinct number
	lastSlot := -1
	for k := 0; ctx.Err() == nil; k++ {
		node := (w + k) % len(r.c.nodes)
		slot := int(time.Since(r.t0) / r.c.slot)
		switch {
		case slot != lastSlot && r.c.distinct+slot < r.c.distinct+r.c.contendedN():
			lastSlot = slot
			r.activate(ctx, w, node, r.c.distinct+slot, true)
		case next < r.c.distinct:
			r.activate(ctx, w, node, next, false)
			next += r.c.workers
		default:
			// Out of distinct numbers: wait for the next slot.
			d := r.c.slot - time.Since(r.t0)%r.c.slot
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
	}
}

func (r *loadRun) load(ctx context.Context) error {
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	r.t0 = time.Now()
	var wg sync.WaitGroup
	for w := 0; w < r.c.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker(lctx, w)
		}()
	}
	logf("load: %d workers on %d nodes; the primary is killed in %s", r.c.workers, len(r.c.nodes), r.c.before)

	deadline := time.After(r.c.maxRun)
	var failure error
	select {
	case <-time.After(r.c.before):
	case <-deadline:
	}
	if !r.c.noKill {
		if err := r.kill(ctx); err != nil {
			stop()
			wg.Wait()
			return err
		}
	}
	// Wait until every node has written again after the first refusal.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var resumedAt time.Time
wait:
	for {
		select {
		case <-deadline:
			failure = errors.New("writes did not resume on every node before -max-run")
			break wait
		case <-tick.C:
			if r.c.noKill {
				resumedAt = time.Now()
				break wait
			}
			if r.firstBad.Load() == 0 {
				// No refusal yet: either the failover has not begun to
				// show, or it was invisible to clients. Give it some time.
				if time.Since(time.Unix(0, r.killAt.Load())) > 30*time.Second {
					logf("no write was refused within 30s of the kill")
					resumedAt = time.Now()
					break wait
				}
				continue
			}
			all := true
			var last int64
			for i := range r.resumed {
				v := r.resumed[i].Load()
				all = all && v != 0
				last = max(last, v)
			}
			if all {
				resumedAt = time.Unix(0, last)
				logf("writes resumed on every node")
				break wait
			}
		}
	}
	if failure == nil {
		time.Sleep(r.c.resumeGrace)
		logf("load: %s more after the recovery", r.c.after)
		time.Sleep(r.c.after)
	}
	stop()
	wg.Wait()
	end := time.Now()
	logf("load stopped")
	if err := r.report(ctx, resumedAt, end); err != nil {
		return err
	}
	return failure
}

// primary asks the database which server is the primary now.
func primary(ctx context.Context, dsn string) (dataDir string, port int, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", 0, err
	}
	defer conn.Close(ctx)
	err = conn.QueryRow(ctx, "SELECT current_setting('data_directory'), inet_server_port()").Scan(&dataDir, &port)
	return dataDir, port, err
}

func (r *loadRun) kill(ctx context.Context) error {
	dir, port, err := primary(ctx, r.c.dsn)
	if err != nil {
		return fmt.Errorf("finding the primary: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return fmt.Errorf("reading the primary's postmaster.pid: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		return fmt.Errorf("postmaster.pid: %w", err)
	}
	r.killAt.Store(time.Now().UnixNano())
	if r.c.killCmd == "" {
		logf("KILL: kill -9 %d (postmaster of the primary on port %d, %s)", pid, port, dir)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return fmt.Errorf("kill -9 %d: %w", pid, err)
		}
		return nil
	}
	logf("KILL: %s (primary on port %d, postmaster %d, %s)", r.c.killCmd, port, pid, dir)
	cmd := exec.CommandContext(ctx, "bash", "-c", r.c.killCmd)
	cmd.Env = append(os.Environ(), "PRIMARY_PGDATA="+dir, "PRIMARY_PORT="+strconv.Itoa(port), "POSTMASTER_PID="+strconv.Itoa(pid))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kill command: %w", err)
	}
	return nil
}

func showReplication(ctx context.Context, dsn string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connecting to the primary: %w", err)
	}
	defer conn.Close(ctx)
	var port int
	var names, commit string
	if err := conn.QueryRow(ctx, "SELECT inet_server_port(), current_setting('synchronous_standby_names'), current_setting('synchronous_commit')").Scan(&port, &names, &commit); err != nil {
		return err
	}
	rows, err := conn.Query(ctx, "SELECT application_name, state, sync_state FROM pg_stat_replication")
	if err != nil {
		return err
	}
	reps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
		var a, s, ss string
		err := row.Scan(&a, &s, &ss)
		return a + " " + s + " " + ss, err
	})
	if err != nil {
		return err
	}
	logf("primary: port %d; synchronous_standby_names=%q synchronous_commit=%s; standbys: %v", port, names, commit, reps)
	if names == "" || commit == "off" || commit == "local" {
		return errors.New("the primary does not replicate synchronously: the test needs a synchronous standby")
	}
	if !slices.ContainsFunc(reps, func(s string) bool {
		return strings.HasSuffix(s, " sync") || strings.HasSuffix(s, " quorum")
	}) {
		return errors.New("no synchronous standby is streaming from the primary")
	}
	return nil
}

// report prints the figures and checks the database.
func (r *loadRun) report(ctx context.Context, resumedAt, end time.Time) error {
	r.mu.Lock()
	atts := slices.Clone(r.attempts)
	r.mu.Unlock()
	sort.Slice(atts, func(i, j int) bool { return atts[i].end.Before(atts[j].end) })

	var counts [len(outcomeNames)]int
	acked := map[int]map[int]bool{}     // number -> workers acknowledged
	attempted := map[int]map[int]bool{} // number -> workers that asked
	distinctTaken := 0
	for _, a := range atts {
		counts[a.out]++
		if attempted[a.num] == nil {
			attempted[a.num] = map[int]bool{}
		}
		attempted[a.num][a.worker] = true
		if a.out == okWrite {
			if acked[a.num] == nil {
				acked[a.num] = map[int]bool{}
			}
			acked[a.num][a.worker] = true
		}
		if a.out == taken && !a.contended {
			distinctTaken++
		}
	}
	fmt.Println()
	fmt.Println("== hacheck report ==")
	retries := 0
	for _, a := range atts {
		if a.retry {
			retries++
		}
	}
	fmt.Printf("attempts: %d (ok %d, taken %d, conflict %d, refused %d, other %d; %d were retries after a refusal)\n",
		len(atts), counts[okWrite], counts[taken], counts[conflict], counts[refused], counts[other], retries)

	killAt := r.killAt.Load()
	if killAt != 0 {
		k := time.Unix(0, killAt)
		var lastOKBefore, firstBad, lastBad time.Time
		for _, a := range atts {
			if a.out == okWrite && !a.retry && a.end.Before(k) {
				lastOKBefore = a.end
			}
			if a.out == refused && !a.end.Before(k) {
				if firstBad.IsZero() {
					firstBad = a.end
				}
				lastBad = a.end
			}
		}
		// The longest stretch around the kill with no acknowledged write.
		var gapFrom, gapTo time.Time
		prev := r.t0
		for _, a := range atts {
			if a.out != okWrite || a.retry {
				continue
			}
			if a.end.Sub(prev) > gapTo.Sub(gapFrom) && a.end.After(k) {
				gapFrom, gapTo = prev, a.end
			}
			prev = a.end
		}
		fmt.Printf("kill at t=%.3fs\n", k.Sub(r.t0).Seconds())
		if firstBad.IsZero() {
			fmt.Println("no write was refused after the kill")
		} else {
			fmt.Printf("first refused write: +%.3fs after the kill; last refused write: +%.3fs\n", firstBad.Sub(k).Seconds(), lastBad.Sub(k).Seconds())
			for i := range r.resumed {
				if v := r.resumed[i].Load(); v != 0 {
					fmt.Printf("node %d (%s): first write after the refusals at +%.3fs after the kill\n", i, r.c.nodes[i], time.Unix(0, v).Sub(k).Seconds())
				} else {
					fmt.Printf("node %d (%s): NO write succeeded after the refusals\n", i, r.c.nodes[i])
				}
			}
			fmt.Printf("WRITES REFUSED for %.3fs (first refusal to the first success on every node)\n", resumedAt.Sub(firstBad).Seconds())
		}
		fmt.Printf("longest stretch without a new write acknowledged: %.3fs (last ack before the kill at -%.3fs)\n",
			gapTo.Sub(gapFrom).Seconds(), k.Sub(lastOKBefore).Seconds())
		before := countOK(atts, r.t0, k)
		after := countOK(atts, resumedAt, end)
		fmt.Printf("throughput: %.0f writes/s before the kill (%d in %.1fs), %.0f writes/s after the recovery (%d in %.1fs)\n",
			float64(before)/k.Sub(r.t0).Seconds(), before, k.Sub(r.t0).Seconds(),
			float64(after)/end.Sub(resumedAt).Seconds(), after, end.Sub(resumedAt).Seconds())
	} else {
		n := countOK(atts, r.t0, end)
		fmt.Printf("throughput: %.0f writes/s (%d in %.1fs), no kill\n", float64(n)/end.Sub(r.t0).Seconds(), n, end.Sub(r.t0).Seconds())
	}

	// Sold twice: one number acknowledged to two accounts.
	double := 0
	for num, ws := range acked {
		if len(ws) > 1 {
			double++
			if double <= 10 {
				fmt.Printf("SOLD TWICE: %s acknowledged to workers %v\n", r.c.number(num), keys(ws))
				r.history(atts, num)
			}
		}
	}
	contendedWon, contendedRaced := 0, 0
	for num, ws := range attempted {
		if num >= r.c.distinct && len(ws) > 1 {
			contendedRaced++
			if len(acked[num]) > 0 {
				contendedWon++
			}
		}
	}
	fmt.Printf("contended numbers raced for by 2+ accounts: %d, of which sold: %d\n", contendedRaced, contendedWon)
	if distinctTaken > 0 {
		fmt.Printf("ANOMALY: %d refusals 'number_exists' for numbers only one client asked for\n", distinctTaken)
	}

	// Against the database: every acknowledged write is there.
	lost, unacked, err := r.checkDB(ctx, atts, acked, attempted)
	if err != nil {
		return fmt.Errorf("checking the database: %w", err)
	}
	fmt.Printf("acknowledged activations: %d; LOST: %d; SOLD TWICE: %d\n", len(acked), lost, double)
	fmt.Printf("activations written but never acknowledged (a reply lost in the failover; the client was told 5xx): %d\n", unacked)
	if lost > 0 || double > 0 || counts[other] > 0 || distinctTaken > 0 {
		return fmt.Errorf("%d acknowledged writes lost, %d numbers sold twice, %d unexpected replies, %d anomalies", lost, double, counts[other], distinctTaken)
	}
	fmt.Println("RESULT: PASS")
	return nil
}

// history prints every attempt at number i, in time from the kill.
func (r *loadRun) history(atts []attempt, i int) {
	k := time.Unix(0, r.killAt.Load())
	for _, a := range atts {
		if a.num != i {
			continue
		}
		fmt.Printf("    worker %2d node %d  %+8.3fs .. %+8.3fs  %-8s retry=%v\n", a.worker, a.node,
			a.start.Sub(k).Seconds(), a.end.Sub(k).Seconds(), outcomeNames[a.out], a.retry)
	}
}

func countOK(atts []attempt, from, to time.Time) int {
	n := 0
	for _, a := range atts {
		if a.out == okWrite && !a.start.Before(from) && a.end.Before(to) {
			n++
		}
	}
	return n
}

func keys(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// checkDB reads every number anyone asked for from the (new) primary.
func (r *loadRun) checkDB(ctx context.Context, atts []attempt, acked, attempted map[int]map[int]bool) (lost, unacked int, err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var conn *pgx.Conn
	for {
		conn, err = pgx.Connect(ctx, r.c.dsn)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return 0, 0, err
		}
		time.Sleep(time.Second)
	}
	defer conn.Close(ctx)
	var port int
	if err := conn.QueryRow(ctx, "SELECT inet_server_port()").Scan(&port); err != nil {
		return 0, 0, err
	}
	byAccount := map[string]int{}
	for w, id := range r.accounts {
		byAccount[id] = w
	}
	nums := make([]string, 0, len(attempted))
	for i := range attempted {
		nums = append(nums, r.c.number(i))
	}
	rows, err := conn.Query(ctx, "SELECT number, state, assigned_to FROM numbers WHERE number = ANY($1)", nums)
	if err != nil {
		return 0, 0, err
	}
	type row struct{ state, owner string }
	got := map[string]row{}
	for rows.Next() {
		var n string
		var rw row
		if err := rows.Scan(&n, &rw.state, &rw.owner); err != nil {
			return 0, 0, err
		}
		got[n] = rw
	}
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	for i, ws := range acked {
		rw, ok := got[r.c.number(i)]
		for w := range ws {
			if !ok || rw.state != "in_service" || rw.owner != r.accounts[w] {
				lost++
				if lost <= 10 {
					fmt.Printf("LOST: %s acknowledged to worker %d, in the database: %+v (found %v)\n", r.c.number(i), w, rw, ok)
					r.history(atts, i)
				}
			}
		}
	}
	for i := range attempted {
		rw := got[r.c.number(i)]
		if rw.state != "in_service" {
			continue
		}
		w, ours := byAccount[rw.owner]
		if !ours {
			fmt.Printf("STRANGER: %s is in service for %s, not a buyer of this run\n", r.c.number(i), rw.owner)
			lost++
			continue
		}
		if !acked[i][w] {
			unacked++
		}
	}
	logf("database checked on the primary at port %d: %d numbers read", port, len(got))
	return lost, unacked, nil
}
