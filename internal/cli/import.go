package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
)

// importBatch is one request of an import (PUT …/collection/import).
type importBatch struct {
	state string
	nums  []string
}

// importOutcome collects what happened to every number of an import.
type importOutcome struct {
	mu       sync.Mutex
	reasons  map[string]int
	failures *csv.Writer
	// imported are the numbers (as the server names them) created so far:
	// a number repeated in another spelling ("4155550100" after
	// "+14155550100") is caught when the server answers for it again.
	imported numberSet
	// existing are the numbers the server refused as already stored, with
	// the reason, until the import ends (settle): one this import created
	// too, in a batch that ran at the same time, is a duplicate line.
	existing map[string]string
}

// duplicateLine is the reason a repeated number fails.
const duplicateLine = "duplicate line in the file"

// created counts a number the server created, unless an earlier batch
// already created it (a repeat in another spelling, which the server
// accepts again when the numbers are created available).
func (o *importOutcome) created(p *progress, num string) {
	o.mu.Lock()
	first := o.imported.add(num)
	o.mu.Unlock()
	if !first {
		o.fail(p, num, duplicateLine)
		return
	}
	p.done.Add(1)
}

// exists records a number the server refused as already stored.
func (o *importOutcome) exists(num, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.existing[num] = reason
}

// settle counts the numbers refused as already stored, once every batch
// has answered: those this import created are duplicate lines, whichever
// of the two batches the server answered first.
func (o *importOutcome) settle(p *progress) {
	o.mu.Lock()
	existing := o.existing
	o.existing = map[string]string{}
	o.mu.Unlock()
	nums := make([]string, 0, len(existing))
	for n := range existing {
		nums = append(nums, n)
	}
	sort.Strings(nums)
	for _, n := range nums {
		reason := existing[n]
		o.mu.Lock()
		created := o.imported.has(n)
		o.mu.Unlock()
		if created {
			reason = duplicateLine
		}
		o.fail(p, n, reason)
	}
}

func (o *importOutcome) fail(p *progress, num, reason string) {
	p.failed.Add(1)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reasons[reason]++
	if o.failures != nil {
		_ = o.failures.Write([]string{num, reason})
	}
}

func runImport(ctx context.Context, env *Env, args []string) error {
	fs := flagSet(env, "numbers import")
	cf := addClientFlags(fs, env)
	batchSize := fs.Int("batch", 1000, "numbers per request (the server writes each request's new numbers in one transaction)")
	workers := fs.Int("workers", 4, "requests in flight")
	state := fs.String("state", "", "create_with_state for rows without a state column")
	carrierName := fs.String("carrier", "", "the carrier module every number is created in (admins), e.g. inventory; default: number_manager's available_module_name")
	failuresPath := fs.String("failures", "", "write the numbers that failed, with why, to this CSV file")
	accept := fs.Bool("accept-charges", false, "accept the charges of creating the numbers")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("usage: numan numbers import [flags] FILE.csv (- for stdin)")
	}
	if *batchSize < 1 || *workers < 1 {
		return usagef("--batch and --workers must be at least 1")
	}
	c, err := cf.connect(ctx)
	if err != nil {
		return err
	}
	in := env.Stdin
	var size int64
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		in = f
	}
	out := &importOutcome{reasons: map[string]int{}, imported: newNumberSet(), existing: map[string]string{}}
	if *failuresPath != "" {
		f, err := os.Create(*failuresPath)
		if err != nil {
			return err
		}
		defer f.Close()
		out.failures = csv.NewWriter(f)
		_ = out.failures.Write([]string{"number", "reason"})
		defer out.failures.Flush()
	}

	p := newProgress(env.Stderr, "import", size)
	batches := make(chan importBatch, *workers)
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				sendImportBatch(ctx, c, b, importOptions{accept: *accept, carrier: *carrierName}, p, out)
			}
		}()
	}
	readErr := readImport(ctx, countingReader{r: bufio.NewReaderSize(in, 1<<16), n: &p.bytes}, *state, *batchSize, batches, p, out)
	close(batches)
	wg.Wait()
	out.settle(p)
	p.finish()

	fmt.Fprintf(env.Stderr, "imported %d numbers, %d failed\n", p.done.Load(), p.failed.Load())
	reasons := make([]string, 0, len(out.reasons))
	for r := range out.reasons {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool { return out.reasons[reasons[i]] > out.reasons[reasons[j]] })
	for _, r := range reasons {
		fmt.Fprintf(env.Stderr, "  %8d  %s\n", out.reasons[r], r)
	}
	if readErr != nil {
		return readErr
	}
	if p.failed.Load() > 0 {
		if *failuresPath != "" {
			return fmt.Errorf("%d numbers failed; see %s", p.failed.Load(), *failuresPath)
		}
		return fmt.Errorf("%d numbers failed", p.failed.Load())
	}
	return nil
}

// readImport streams the CSV into batches: one column of numbers, or a
// header naming a "number" column and optionally a "state" column. A number
// already read (in any batch) fails as a duplicate line and is not sent.
func readImport(ctx context.Context, in io.Reader, defState string, size int, batches chan<- importBatch, p *progress, out *importOutcome) error {
	seen := newNumberSet()
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.TrimLeadingSpace = true
	numCol, stateCol := 0, -1
	pending := map[string][]string{}
	line := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				out.fail(p, fmt.Sprintf("line %d", line), "malformed CSV line")
				continue
			}
			return err
		}
		if len(rec) == 0 {
			continue
		}
		if line == 1 && !looksLikeNumber(rec[0]) {
			numCol = -1
			for i, h := range rec {
				switch strings.ToLower(strings.TrimSpace(h)) {
				case "number", "e164", "phone_number", "did":
					numCol = i
				case "state", "create_with_state":
					stateCol = i
				}
			}
			if numCol < 0 {
				return fmt.Errorf("the header names no number column (number, e164, phone_number or did): %v", rec)
			}
			continue
		}
		if numCol >= len(rec) || strings.TrimSpace(rec[numCol]) == "" {
			continue
		}
		num := strings.TrimSpace(rec[numCol])
		if !seen.add(num) {
			out.fail(p, num, duplicateLine)
			continue
		}
		st := defState
		if stateCol >= 0 && stateCol < len(rec) && strings.TrimSpace(rec[stateCol]) != "" {
			st = strings.TrimSpace(rec[stateCol])
		}
		pending[st] = append(pending[st], num)
		if len(pending[st]) >= size {
			select {
			case batches <- importBatch{state: st, nums: pending[st]}:
			case <-ctx.Done():
				return ctx.Err()
			}
			pending[st] = nil
		}
	}
	for st, nums := range pending {
		if len(nums) > 0 {
			batches <- importBatch{state: st, nums: nums}
		}
	}
	return nil
}

func looksLikeNumber(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && (s[0] == '+' || (s[0] >= '0' && s[0] <= '9'))
}

// importOptions apply to every batch of an import.
type importOptions struct {
	accept  bool   // charges accepted
	carrier string // carrier_name of every number; "" = the server's default
}

// sendImportBatch creates one batch and records each number's outcome.
func sendImportBatch(ctx context.Context, c *client, b importBatch, o importOptions, p *progress, out *importOutcome) {
	data := map[string]any{"numbers": b.nums}
	if b.state != "" {
		data["create_with_state"] = b.state
	}
	if o.carrier != "" {
		data["carrier_name"] = o.carrier
	}
	body := map[string]any{"data": data}
	if o.accept {
		body["accept_charges"] = true
	}
	r, err := c.request(ctx, http.MethodPut, c.accountPath("/phone_numbers/collection/import"), body)
	if err != nil {
		var ae *apiError
		reason := err.Error()
		if errors.As(err, &ae) {
			if ae.Status == http.StatusBadRequest && len(b.nums) > 1 && bytes.Contains(ae.Data, []byte(`"uniqueItems"`)) {
				// Two spellings of one number in the batch: the server
				// refuses the whole batch, so send its numbers one by one.
				for _, n := range b.nums {
					sendImportBatch(ctx, c, importBatch{state: b.state, nums: []string{n}}, o, p, out)
				}
				return
			}
			reason = envelopeReason(ae)
		}
		for _, n := range b.nums {
			out.fail(p, n, reason)
		}
		return
	}
	var reply struct {
		Success []string                   `json:"success"`
		Error   map[string]json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(r.Data, &reply); err != nil {
		for _, n := range b.nums {
			out.fail(p, n, "unreadable reply: "+err.Error())
		}
		return
	}
	for _, n := range reply.Success {
		out.created(p, n)
	}
	for n, raw := range reply.Error {
		var code struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(raw, &code) == nil && code.Error == "number_exists" {
			out.exists(n, failureReason(raw))
			continue
		}
		out.fail(p, n, failureReason(raw))
	}
}

// envelopeReason is a one-line reason from an error envelope.
func envelopeReason(ae *apiError) string {
	if ae.Status == http.StatusPaymentRequired {
		return "charges not accepted (use --accept-charges)"
	}
	if r := failureReason(ae.Data); r != "" {
		return r
	}
	var s string
	if json.Unmarshal(ae.Data, &s) == nil && s != "" {
		return s
	}
	return fmt.Sprintf("%d %s", ae.Status, ae.Message)
}
