package carriertest_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// httpCarrier is the smallest remote carrier: a JSON API reached through
// httpx, with a hook that can spoil the classification of its errors.
type httpCarrier struct {
	client *httpx.Client
	spoil  func(error) error
}

func newHTTPCarrier(baseURL string, spoil func(error) error) *httpCarrier {
	if spoil == nil {
		spoil = func(err error) error { return err }
	}
	return &httpCarrier{client: &httpx.Client{Carrier: "faulty", BaseURL: baseURL, Backoff: httpx.NoBackoff}, spoil: spoil}
}

func (c *httpCarrier) Info() carrier.Info {
	return carrier.Info{Module: number.Module{Name: "faulty"}, Billable: true, MaxPrefixLength: 10}
}

func (c *httpCarrier) FindNumbers(ctx context.Context, prefix string, quantity int, _ carrier.SearchOptions) ([]carrier.Result, error) {
	resp, err := c.client.Get(ctx, "numbers", url.Values{"prefix": {prefix}})
	if err != nil {
		return nil, c.spoil(err)
	}
	nums, err := httpx.DecodeJSON[[]string]("faulty", resp.Body)
	if err != nil {
		return nil, c.spoil(err)
	}
	var out []carrier.Result
	for _, n := range nums[:min(quantity, len(nums))] {
		out = append(out, carrier.Result{Number: n, Carrier: "faulty", State: number.Discovery})
	}
	return out, nil
}

func (c *httpCarrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	resp, err := c.client.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: "orders", Body: []byte(`{"number":"` + n.Number + `"}`), Number: n.Number})
	if err != nil {
		return carrier.Acquired{}, c.spoil(err)
	}
	o, err := httpx.DecodeJSON[struct{ ID string }]("faulty", resp.Body)
	if err != nil {
		return carrier.Acquired{}, c.spoil(err)
	}
	d := number.Doc{}
	d.Set("order_id", o.ID)
	return carrier.Acquired{CarrierData: d}, nil
}

func (c *httpCarrier) Disconnect(ctx context.Context, n *number.Number) error {
	_, err := c.client.Do(ctx, &httpx.Request{Method: http.MethodDelete, Path: "numbers/" + n.Number, Number: n.Number})
	if httpx.StatusCode(err) == http.StatusNotFound {
		return nil
	}
	return c.spoil(err)
}

func (c *httpCarrier) Holds(ctx context.Context, e164 string) (bool, error) {
	_, err := c.client.Get(ctx, "numbers/"+e164, nil)
	switch {
	case err == nil:
		return true, nil
	case httpx.StatusCode(err) == http.StatusNotFound:
		return false, nil
	}
	return false, c.spoil(err)
}

// A remote carrier that leaves httpx's classification alone passes.
func TestRunFaultsPassesAnHTTPXCarrier(t *testing.T) {
	carriertest.RunFaults(t, func(t *testing.T, url string) carrier.Carrier { return newHTTPCarrier(url, nil) },
		carriertest.Malformed(`["+1415555`))
}

const spoiledEnv = "CARRIERTEST_SPOILED_CHILD"

// TestSpoiledCarriers runs RunFaults on carriers whose classification is
// wrong; it only runs inside the child process
// TestRunFaultsCatchesMisclassification starts.
func TestSpoiledCarriers(t *testing.T) {
	if os.Getenv(spoiledEnv) == "" {
		t.Skip("run by TestRunFaultsCatchesMisclassification")
	}
	for name, spoil := range map[string]func(error) error{
		"everything_taken":   func(err error) error { return carrier.Classify(err, carrier.Taken) },
		"nothing_definite":   carrier.Uncertain,
		"unclassified_error": func(err error) error { return number.Errorf(number.KindByCarrier, "", "%v", err) },
	} {
		t.Run(name, func(t *testing.T) {
			carriertest.RunFaults(t, func(t *testing.T, url string) carrier.Carrier { return newHTTPCarrier(url, spoil) })
		})
	}
}

// TestRunFaultsCatchesMisclassification checks the suite fails carriers
// that call a failure definite when the carrier may have acted, or
// uncertain when it did not.
func TestRunFaultsCatchesMisclassification(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestSpoiledCarriers$", "-test.v")
	cmd.Env = append(os.Environ(), spoiledEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the spoiled carriers passed the suite:\n%s", out)
	}
	for _, want := range []string{
		"--- FAIL: TestSpoiledCarriers/everything_taken/500 ",
		"--- FAIL: TestSpoiledCarriers/everything_taken/no_reply_before_the_deadline ",
		"--- FAIL: TestSpoiledCarriers/everything_taken/reply_cut_off ",
		"--- FAIL: TestSpoiledCarriers/nothing_definite/404 ",
		"--- FAIL: TestSpoiledCarriers/nothing_definite/409 ",
		"--- FAIL: TestSpoiledCarriers/nothing_definite/401 ",
		"--- FAIL: TestSpoiledCarriers/nothing_definite/429_Retry-After_an_hour ",
		"--- FAIL: TestSpoiledCarriers/nothing_definite/nothing_listening ",
		"--- FAIL: TestSpoiledCarriers/unclassified_error/409 ",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("RunFaults did not catch %q; output:\n%s", strings.TrimPrefix(want, "--- FAIL: "), out)
		}
	}
	for _, passed := range []string{
		"--- PASS: TestSpoiledCarriers/everything_taken/409 ",
		"--- PASS: TestSpoiledCarriers/nothing_definite/500 ",
	} {
		if !strings.Contains(string(out), passed) {
			t.Errorf("RunFaults failed a correct case %q; output:\n%s", strings.TrimPrefix(passed, "--- PASS: "), out)
		}
	}
}
