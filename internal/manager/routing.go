package manager

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Routing jobs are bounded: so many numbers re-pointed at once, so many
// failures kept in the report, progress written every so many numbers.
const (
	routingWorkers     = 4
	routingMaxFailures = 1000
	routingSaveEvery   = 50
	routingPage        = 500
)

// RoutingJob is the re-pointing of the numbers in service under an
// account at their carriers, after its routing changed. Its progress is
// stored (in the configs table, under RoutingJobID), so any node can show
// it.
type RoutingJob struct {
	ID        string   `json:"id"`
	AccountID string   `json:"account_id"`
	Carriers  []string `json:"carriers"`
	// Status is running, done (every number re-pointed) or failed (some
	// were not: see Failures; starting the job again retries them).
	Status string `json:"status"`
	// Total counts the numbers found so far; the scan and the calls run
	// together, so it grows until the job ends.
	Total   int `json:"total"`
	Done    int `json:"done"`
	Skipped int `json:"skipped"` // routed by a nearer account's own route
	// Failures maps a number to why its carrier refused it (at most
	// routingMaxFailures; FailedCount counts them all).
	Failures    map[string]string `json:"failures,omitempty"`
	FailedCount int               `json:"failed"`
	Started     time.Time         `json:"started"`
	Finished    *time.Time        `json:"finished,omitempty"`
	By          string            `json:"started_by,omitempty"`
}

// RoutingJobID is the configs-table id of a routing job's progress.
func RoutingJobID(id string) string { return "routing_jobs/" + id }

// The job statuses.
const (
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// StartRouting re-points, in the background, the numbers in service under
// account (its own and its descendants') held by carriers (every carrier
// with a route when empty) at the route now in force for each: the
// account's, or a nearer account's own (those numbers are skipped: their
// route did not change). Only those who may set the account's routing may
// start it. It returns the job as started; Wait waits for every job.
func (m *Manager) StartRouting(ctx context.Context, by number.Requester, account string, carriers []string) (*RoutingJob, error) {
	rel, err := m.Relations(ctx, by.AccountID, account)
	if err != nil {
		return nil, err
	}
	if rel[account] == nil {
		return nil, number.NewError(number.KindNotFound, account)
	}
	if !mayWriteAccountConfig(by, rel, account, []string{"routing"}) {
		return nil, number.NewError(number.KindForbidden, "")
	}
	for i, c := range carriers {
		carriers[i] = number.CarrierName(c)
		if !carrier.Registered(carriers[i]) {
			return nil, number.Errorf(number.KindInvalid, "", "unknown carrier %q", c)
		}
	}
	var rnd [16]byte
	rand.Read(rnd[:]) // never fails (crypto/rand)
	job := &RoutingJob{ID: hex.EncodeToString(rnd[:]), AccountID: account, Carriers: slices.Clone(carriers),
		Status: JobRunning, Started: m.now().UTC(), By: by.String()}
	bg := m.bg
	if err := m.saveJob(ctx, job); err != nil {
		return nil, err
	}
	started := *job
	m.jobs.Add(1)
	go func() {
		defer m.jobs.Done()
		m.runRouting(bg, job)
	}()
	return &started, nil
}

// Wait waits for the background jobs the manager started (routing
// changes); tests call it before they look.
func (m *Manager) Wait() { m.jobs.Wait() }

// Close stops the background jobs the manager started and waits for them:
// a routing job stops between numbers, reports what it did (status
// failed, "interrupted"), and is started again to finish.
func (m *Manager) Close() {
	m.stopBG()
	m.jobs.Wait()
}

// RoutingJob returns a routing job's progress, to those who may see the
// account it runs for.
func (m *Manager) RoutingJob(ctx context.Context, by number.Requester, id string) (*RoutingJob, error) {
	raw, err := m.store.GetConfig(ctx, RoutingJobID(id))
	if number.IsKind(err, number.KindNotFound) {
		return nil, number.NewError(number.KindNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	var doc struct {
		Default struct {
			Job RoutingJob `json:"job"`
		} `json:"default"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, number.Wrap(number.KindInternal, "", err)
	}
	job := doc.Default.Job
	rel, err := m.Relations(ctx, by.AccountID, job.AccountID)
	if err != nil {
		return nil, err
	}
	if !mayReadAccountConfig(by, rel, job.AccountID) {
		return nil, number.NewError(number.KindNotFound, id)
	}
	return &job, nil
}

// saveJob stores the job's progress as a configs-table document in the
// shape of the others ({"default": {"job": ...}}), which every reader of
// that table (secret sealing) expects.
func (m *Manager) saveJob(ctx context.Context, job *RoutingJob) error {
	raw, err := json.Marshal(map[string]map[string]*RoutingJob{"default": {"job": job}})
	if err != nil {
		return err
	}
	return m.store.PutConfig(ctx, RoutingJobID(job.ID), raw)
}

// routeTask is one number to re-point.
type routeTask struct {
	n     *number.Number
	route json.RawMessage
}

// runRouting scans the accounts below (and including) the job's account,
// page by page, and re-points each number in service with routingWorkers
// calls at a time.
func (m *Manager) runRouting(ctx context.Context, job *RoutingJob) {
	var mu sync.Mutex
	record := func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		f()
		if (job.Done+job.FailedCount+job.Skipped)%routingSaveEvery == 0 {
			// Progress only: the job's final state is saved when it ends.
			if err := m.saveJob(context.WithoutCancel(ctx), job); err != nil {
				m.log.WarnContext(ctx, "saving a routing job's progress", "job", job.ID, "err", err)
			}
		}
	}
	tasks := make(chan routeTask)
	var wg sync.WaitGroup
	for range routingWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range tasks {
				err := m.routeNumber(ctx, t)
				record(func() {
					if err == nil {
						job.Done++
						return
					}
					job.FailedCount++
					if len(job.Failures) < routingMaxFailures {
						if job.Failures == nil {
							job.Failures = map[string]string{}
						}
						job.Failures[t.n.Number] = number.AsError(err).Error()
					}
				})
			}
		}()
	}
	scanErr := m.scanRouting(ctx, job, func(t routeTask) {
		mu.Lock()
		job.Total++
		mu.Unlock()
		tasks <- t
	}, func() { record(func() { job.Total++; job.Skipped++ }) })
	close(tasks)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	job.Status = JobDone
	if job.FailedCount > 0 || scanErr != nil {
		job.Status = JobFailed
	}
	if scanErr != nil {
		if job.Failures == nil {
			job.Failures = map[string]string{}
		}
		job.Failures["scan"] = scanErr.Error()
		if ctx.Err() != nil {
			job.Failures["scan"] = "interrupted: the server stopped; start the job again"
		}
	}
	done := m.now().UTC()
	job.Finished = &done
	if err := m.saveJob(context.WithoutCancel(ctx), job); err != nil {
		m.log.ErrorContext(ctx, "saving a routing job's report", "job", job.ID, "err", err)
	}
	m.log.InfoContext(ctx, "routing job finished", "job", job.ID, "account", job.AccountID, "status", job.Status,
		"done", job.Done, "failed", job.FailedCount, "skipped", job.Skipped)
}

// scanRouting finds the numbers the job re-points.
func (m *Manager) scanRouting(ctx context.Context, job *RoutingJob, each func(routeTask), skip func()) error {
	cfg, _, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return err
	}
	desc, err := m.accounts.Descendants(ctx, job.AccountID)
	if err != nil {
		return err
	}
	below := map[string]bool{}
	accounts := []string{job.AccountID}
	for _, a := range desc {
		below[a.ID] = true
		accounts = append(accounts, a.ID)
	}
	for _, acc := range accounts {
		settings, err := m.AccountSettings(ctx, cfg, acc)
		if err != nil {
			return err
		}
		modules := job.Carriers
		if len(modules) == 0 {
			modules = slices.Sorted(func(yield func(string) bool) {
				for c := range settings.Routing {
					if !yield(c) {
						return
					}
				}
			})
			if len(modules) == 0 {
				continue
			}
		}
		q := store.ListQuery{AssignedTo: acc, States: []number.State{number.InService}, Modules: modules, Limit: routingPage}
		for {
			page, err := m.store.ListNumbers(ctx, q)
			if err != nil {
				return err
			}
			for _, n := range page.Numbers {
				route, ok := settings.Routing[n.ModuleName]
				if !ok || below[settings.RoutingFrom[n.ModuleName]] {
					skip()
					continue
				}
				each(routeTask{n: n, route: route})
			}
			if page.NextStartKey == "" {
				break
			}
			q.StartKey = page.NextStartKey
		}
	}
	return nil
}

// routeNumber points one number at its route, on the carrier's deadline,
// and keeps what the carrier reported in the number's carrier data.
func (m *Manager) routeNumber(ctx context.Context, t routeTask) error {
	c, err := m.carriers.Get(ctx, t.n.ModuleName)
	if err != nil {
		return err
	}
	r, ok := c.(carrier.Router)
	if !ok {
		return number.Errorf(number.KindInvalid, t.n.Number, "carrier %s cannot route numbers", t.n.ModuleName)
	}
	cctx, cancel := context.WithTimeout(ctx, carrierDeadline)
	defer cancel()
	data, err := r.Route(cctx, t.n, t.route)
	if err != nil || len(data) == 0 {
		return err
	}
	next := t.n.Clone()
	if next.CarrierData == nil {
		next.CarrierData = number.Doc{}
	}
	changed := false
	for k, v := range data {
		if !jsonSame(next.CarrierData[k], v) {
			next.CarrierData[k] = v
			changed = true
		}
	}
	if !changed {
		return nil
	}
	next.Modified = m.now().UTC()
	defer m.numbers.forget(next.Number)
	if err := m.store.UpdateNumber(ctx, next); err != nil && !number.IsKind(err, number.KindConflict) {
		// Routed all the same; the id is looked up again next time.
		m.log.WarnContext(ctx, "keeping a carrier's routing data failed", "number", next.Number, "err", err)
	}
	return nil
}
