package voipinnovations

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

const (
	testLogin    = "numan-test"
	testPassword = "s3cret-pass"
	testEPG      = "4410"
	servicePath  = "/Services/APIService.asmx"
)

// node is any XML element, for reading the requests the carrier sends.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []node     `xml:",any"`
}

func (n node) isNil() bool {
	for _, a := range n.Attrs {
		if a.Name.Local == "nil" && a.Value == "true" {
			return true
		}
	}
	return false
}

// call is one SOAP request the fake received: the action and its
// parameters in order (nil ones as "<nil>").
type call struct {
	action string
	names  []string
	args   map[string]string
}

// fakeVI speaks the VoIP Innovations SOAP API: it checks the HTTP method,
// path and headers, the envelope, the credentials and each action's
// parameters, and answers with testdata replies.
type fakeVI struct {
	t *testing.T
	// replies maps an action to its reply file; getDIDs is chosen by
	// searchReply unless set here.
	replies map[string]string
	// status is the HTTP status of the replies (a SOAP fault comes with 500).
	status int

	mu    sync.Mutex
	calls []call
}

func newFake(t *testing.T) *fakeVI {
	return &fakeVI{t: t, status: http.StatusOK, replies: map[string]string{
		"assignDID":  "assigndid_ok.xml",
		"releaseDID": "releasedid_ok.xml",
		"queryDID":   "querydid_assigned.xml",
		"auditDIDs":  "auditdids.xml",
		"configDID":  "configdid_ok.xml",
	}}
}

var wantParams = map[string][]string{
	"getDIDs":    {"cnam", "lata", "npa", "nxx", "rateCenter", "state", "t38", "tier", "login", "secret"},
	"assignDID":  {"didParams", "login", "secret"},
	"releaseDID": {"didParams", "login", "secret"},
	"queryDID":   {"did", "login", "secret"},
	"auditDIDs":  {"login", "secret"},
	"configDID":  {"didParams", "login", "secret"},
}

var tenDigits = regexp.MustCompile(`^\d{10}$`)

func (f *fakeVI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != servicePath {
		f.t.Errorf("%s %s, want POST %s", r.Method, r.URL.Path, servicePath)
		http.NotFound(w, r)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/xml;charset=UTF-8" {
		f.t.Errorf("Content-Type = %q", ct)
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("reading request: %v", err)
		return
	}
	var env node
	if err := xml.Unmarshal(raw, &env); err != nil {
		f.t.Errorf("request is no XML: %v\n%s", err, raw)
		f.reply(w, http.StatusInternalServerError, "fault.xml")
		return
	}
	if env.XMLName.Local != "Envelope" || env.XMLName.Space != "http://schemas.xmlsoap.org/soap/envelope/" ||
		len(env.Children) != 1 || env.Children[0].XMLName.Local != "Body" || len(env.Children[0].Children) != 1 {
		f.t.Errorf("not a SOAP 1.1 envelope with one action: %s", raw)
		f.reply(w, http.StatusInternalServerError, "fault.xml")
		return
	}
	op := env.Children[0].Children[0]
	c := call{action: op.XMLName.Local, args: map[string]string{}}
	if op.XMLName.Space != soapNamespace {
		f.t.Errorf("action namespace %q", op.XMLName.Space)
	}
	if sa := r.Header.Get("SOAPAction"); sa != soapNamespace+c.action {
		f.t.Errorf("SOAPAction = %q for action %s", sa, c.action)
	}
	for _, p := range op.Children {
		c.names = append(c.names, p.XMLName.Local)
		switch {
		case p.isNil():
			c.args[p.XMLName.Local] = "<nil>"
		case p.XMLName.Local == "didParams":
			for _, dp := range p.Children {
				for _, v := range dp.Children {
					c.args[dp.XMLName.Local+"."+v.XMLName.Local] = v.Text
				}
			}
		default:
			c.args[p.XMLName.Local] = p.Text
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()

	if want, ok := wantParams[c.action]; !ok || !slices.Equal(c.names, want) {
		f.t.Errorf("action %s parameters %v, want %v", c.action, c.names, want)
	}
	if c.args["login"] != testLogin || c.args["secret"] != testPassword {
		if c.action == "auditDIDs" {
			f.reply(w, f.status, "auditdids_bad_login.xml")
			return
		}
		f.reply(w, f.status, "getdids_bad_login.xml")
		return
	}
	switch c.action {
	case "getDIDs":
		npa, nxx := c.args["npa"], c.args["nxx"]
		if (npa == "<nil>") == (nxx == "<nil>") {
			f.t.Errorf("getDIDs wants one of npa and nxx: npa=%q nxx=%q", npa, nxx)
		}
		for _, k := range []string{"cnam", "lata", "rateCenter", "state", "t38", "tier"} {
			if c.args[k] != "<nil>" {
				f.t.Errorf("getDIDs %s = %q, want nil", k, c.args[k])
			}
		}
		f.reply(w, f.status, f.searchReply(npa, nxx))
	case "assignDID":
		if !tenDigits.MatchString(c.args["DIDParam.tn"]) || c.args["DIDParam.epg"] != testEPG {
			f.t.Errorf("assignDID args %v", c.args)
		}
		f.reply(w, f.status, f.replies[c.action])
	case "releaseDID":
		if !tenDigits.MatchString(c.args["DIDParam.tn"]) {
			f.t.Errorf("releaseDID args %v", c.args)
		}
		f.reply(w, f.status, f.replies[c.action])
	case "configDID":
		if !tenDigits.MatchString(c.args["DIDParam.tn"]) || c.args["DIDParam.epg"] == "" {
			f.t.Errorf("configDID args %v", c.args)
		}
		file := f.replies[c.action]
		if c.args["DIDParam.epg"] == "9999" {
			file = "configdid_no_endpoint.xml"
		}
		f.reply(w, f.status, file)
	case "queryDID":
		if !tenDigits.MatchString(c.args["did"]) {
			f.t.Errorf("releaseDID args %v", c.args)
		}
		f.reply(w, f.status, f.replies[c.action])
	case "auditDIDs":
		f.reply(w, f.status, f.replies[c.action])
	}
}

func (f *fakeVI) searchReply(npa, nxx string) string {
	if file, ok := f.replies["getDIDs"]; ok {
		return file
	}
	switch {
	case nxx != "<nil>":
		return "getdids_nxx.xml"
	case npa[0] == '8':
		return "getdids_tollfree.xml"
	default:
		return "getdids_npa.xml"
	}
}

func (f *fakeVI) reply(w http.ResponseWriter, status int, file string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(readTestdata(f.t, file))
}

func (f *fakeVI) lastCall() (call, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return call{}, false
	}
	return f.calls[len(f.calls)-1], true
}

func startFake(t *testing.T) (*fakeVI, *httptest.Server) {
	f := newFake(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// newTestCarrier builds the carrier through the registry, as Numan does,
// pointed at srv, with retries that do not wait.
func newTestCarrier(t *testing.T, srvURL string, extra map[string]any) *Carrier {
	t.Helper()
	settings := map[string]any{
		"api_url":        srvURL + servicePath,
		"login":          testLogin,
		"password":       testPassword,
		"endpoint_group": testEPG,
	}
	for k, v := range extra {
		settings[k] = v
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	c, err := carrier.New(Name, raw, carrier.Deps{HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	vc := c.(*Carrier)
	vc.client.Backoff = httpx.NoBackoff
	vc.client.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	return vc
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func docJSON(t testing.TB, d number.Doc) string {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
