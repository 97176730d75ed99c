package console

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds a headless-capable Chromium: NUMAN_CHROMIUM, else the
// usual names on PATH (Debian's package is /usr/bin/chromium; .ci/run
// installs it). "" when there is none.
func chromium() string {
	if p := os.Getenv("NUMAN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// pageErrors collects everything the page says is wrong: console.error
// and console.warn, uncaught exceptions, and the browser's own log
// entries of level error (a resource that failed to load, a
// Content-Security-Policy violation).
type pageErrors struct {
	mu   sync.Mutex
	list []string
}

func (p *pageErrors) add(s string) { p.mu.Lock(); p.list = append(p.list, s); p.mu.Unlock() }

func (p *pageErrors) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.list
	p.list = nil
	return out
}

func (p *pageErrors) listen(ev any) {
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			p.add(fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		p.add(fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber, msg))
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
			p.add(fmt.Sprintf("browser log (%s, %s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}
}

// shooter saves screenshots of the page at a desktop's and a phone's
// width under dir.
type shooter struct {
	t   *testing.T
	dir string
}

var viewports = []struct {
	name          string
	width, height int64
	mobile        bool
}{
	{"desktop", 1280, 800, false},
	{"phone", 390, 844, true},
}

func (s *shooter) shoot(ctx context.Context, name string) {
	s.t.Helper()
	for _, vp := range viewports {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if vp.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.width, vp.height, opts...)); err != nil {
			s.t.Fatalf("viewport %s: %v", vp.name, err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			s.t.Fatalf("screenshot %s (%s): %v", name, vp.name, err)
		}
		if err := os.WriteFile(filepath.Join(s.dir, name+"-"+vp.name+".png"), png, 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewports[0].width, viewports[0].height, chromedp.EmulateScale(1))); err != nil {
		s.t.Fatal(err)
	}
}

// TestBrowser drives the console in headless Chromium through what an
// operator does: sign in as a user of a reseller, search and buy a number through the quote
// dialog, find it in the list, open it, set a feature, release it, import
// a CSV of 1,000 numbers watching the progress, see the account's users,
// and sign out; then, with the master's API key, the account tree, switching into a sub-account, service plans
// and carriers. Any console error, uncaught exception or failed resource
// in any page fails it. Screenshots of each screen at desktop and phone
// width go to the test's artifact directory (go test -artifacts keeps
// them; see docs/console.md).
func TestBrowser(t *testing.T) {
	exe := chromium()
	if exe == "" {
		t.Skip("no Chromium (set NUMAN_CHROMIUM, or apt-get install chromium)")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	w := newWorld(t)
	w.offer("+14155550101", "+14155550102", "+14155550103")
	dash := fakeDASH(t)
	w.must(200, "PUT", "/v2/system_configs/number_manager.dash_e911", w.token, map[string]any{"data": map[string]any{
		"auth_username": "numan", "auth_password": "dash-secret", "emergency_provisioning_url": dash.URL}})
	srv := httptest.NewServer(w.con)
	defer srv.Close()
	shots := &shooter{t: t, dir: t.ArtifactDir()}
	csvPath := filepath.Join(t.TempDir(), "numbers.csv")
	var csv strings.Builder
	csv.WriteString("number\n")
	for i := range 1000 {
		fmt.Fprintf(&csv, "+1628555%04d\n", i)
	}
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 800),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// Every wait below ends at this deadline at worst: the test waits for
	// what the page shows, never for a length of time.
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelTimeout()
	errs := &pageErrors{}
	if err := chromedp.Listen(ctx, errs.listen); err != nil {
		t.Fatal(err)
	}

	base := srv.URL
	acme := "/a/" + w.acme
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if e := errs.take(); len(e) > 0 {
			t.Fatalf("%s: the page reported errors:\n%s", name, strings.Join(e, "\n"))
		}
	}
	textOf := func(sel string) string {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	wantText := func(sel, want string) {
		t.Helper()
		if got := textOf(sel); !strings.Contains(got, want) {
			t.Fatalf("%s says %q, want %q in it", sel, got, want)
		}
	}

	// Sign in.
	step("open the console", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-test="login-user"]`)))
	shots.shoot(ctx, "00-login")
	step("sign in as Acme's admin",
		chromedp.SendKeys(chromedp.CSS(`[data-test="login-user"] input[name="account"]`), "Acme"),
		chromedp.SendKeys(chromedp.CSS(`[data-test="login-user"] input[name="username"]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`[data-test="login-user"] input[name="password"]`), alicePassword),
		chromedp.Click(chromedp.CSS(`[data-test="login-user"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="numbers"]`)),
	)
	wantText(`header .user`, "alice")
	shots.shoot(ctx, "01-numbers-empty")

	// Search and buy through the quote.
	step("search",
		chromedp.Navigate(base+acme+"/buy"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="search"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-test="search"] input[name="prefix"]`), "415"),
		chromedp.Click(chromedp.CSS(`[data-test="search"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="offers"]`)),
	)
	wantText(`[data-test="offers"]`, "San Francisco")
	shots.shoot(ctx, "02-search")
	step("pick a number and buy",
		chromedp.Click(chromedp.CSS(`input[name="n"][value="+14155550102"]`)),
		chromedp.Click(chromedp.CSS(`[data-test="buy"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="quote"]`)),
	)
	wantText(`[data-test="quote-total"]`, "1.00 USD")
	shots.shoot(ctx, "03-quote")
	step("accept the charges",
		chromedp.Click(chromedp.CSS(`[data-test="accept"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="flash"], [data-test="error"]`)),
	)
	wantText(`[data-test="flash"]`, "bought")
	if got := w.fake.Acquired(); len(got) != 1 || got[0] != "+14155550102" {
		t.Fatalf("the carrier sold %v, want the one number picked", got)
	}

	// Find it in the list, open it.
	wantText(`[data-test="numbers"]`, "+14155550102")
	shots.shoot(ctx, "04-numbers")
	step("open the number",
		chromedp.Click(chromedp.CSS(`[data-test="numbers"] a[href$="14155550102"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="number-title"]`)),
	)
	wantText(`[data-test="number-state"]`, "In service")
	shots.shoot(ctx, "05-number")

	// Set a feature: the caller ID name.
	step("open the caller ID dialog",
		chromedp.Click(chromedp.CSS(`[data-test="open-cnam"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dlg-cnam`)),
		chromedp.SendKeys(chromedp.CSS(`[data-test="cnam-name"]`), "ACME SUPPORT"),
	)
	shots.shoot(ctx, "06-number-cnam-dialog")
	step("save the caller ID name",
		chromedp.Click(chromedp.CSS(`[data-test="save-cnam"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="flash"], [data-test="error"]`)),
	)
	wantText(`[data-test="flash"]`, "Caller ID name saved")
	wantText(`[data-test="number-features"]`, "Outbound CNAM")

	// Set its E911 address: the provider refuses the first and suggests
	// another, which is picked and saved.
	step("an E911 address the provider refuses",
		chromedp.Click(chromedp.CSS(`[data-test="open-e911"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dlg-e911`)),
		chromedp.SendKeys(chromedp.CSS(`#dlg-e911 input[name="street_address"]`), "1 Nowhere Rd"),
		chromedp.SendKeys(chromedp.CSS(`#dlg-e911 input[name="locality"]`), "Oakland"),
		chromedp.SendKeys(chromedp.CSS(`#dlg-e911 input[name="region"]`), "CA"),
		chromedp.SendKeys(chromedp.CSS(`#dlg-e911 input[name="postal_code"]`), "94607"),
		chromedp.Click(chromedp.CSS(`[data-test="save-e911"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dlg-e911 [data-fill-e911]`)),
	)
	wantText(`[data-test="error"]`, "Street name not found")
	shots.shoot(ctx, "05-number-e911-suggestion")
	step("pick the suggestion and save",
		chromedp.Click(chromedp.CSS(`#dlg-e911 [data-fill-e911]`)),
		chromedp.Click(chromedp.CSS(`[data-test="save-e911"]`)),
		// The refusal is on the page until the next one loads.
		chromedp.WaitVisible(chromedp.CSS(`[data-test="flash"]`)),
	)
	wantText(`[data-test="flash"]`, "E911 address saved")
	wantText(`[data-test="number-features"]`, "E911")
	wantText(`[data-test="history"]`, "Bought")
	wantText(`[data-test="history"]`, "1.00 USD")
	wantText(`[data-test="history"]`, "E911 on")
	shots.shoot(ctx, "05-number-history")

	// Release it.
	step("release the number",
		chromedp.Click(chromedp.CSS(`[data-test="action-release"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="confirm-yes"]`)),
		chromedp.Click(chromedp.CSS(`[data-test="confirm-yes"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="numbers"]`)),
	)
	wantText(`[data-test="flash"]`, "released")

	// Import 1,000 numbers from a CSV file, watching the progress.
	step("choose a CSV",
		chromedp.Navigate(base+acme+"/import"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="import-file"]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`[data-test="import-file"]`), []string{csvPath}),
		chromedp.Click(chromedp.CSS(`input[name="accept_charges"]`)),
	)
	// Remember every progress line the page shows while it imports.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const s = document.querySelector('[data-test="import-status"]');
		window.numanSeen = [];
		new MutationObserver(() => window.numanSeen.push(s.textContent)).observe(s, {childList: true, characterData: true, subtree: true});
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	step("start the import",
		chromedp.Click(chromedp.CSS(`[data-test="import-start"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="import-progress"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="import-progress"][data-done="1"]`)),
	)
	wantText(`[data-test="import-status"]`, "1000 of 1000 numbers: 1000 created, 0 failed")
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.numanSeen`))
	if err != nil {
		t.Fatal(err)
	}
	var midway int
	for _, s := range seen {
		if strings.Contains(s, " of 1000 numbers") && !strings.HasPrefix(s, "1000 of") && !strings.HasPrefix(s, "0 of") && !strings.HasPrefix(s, "Done") {
			midway++
		}
	}
	if midway < 5 {
		t.Errorf("the import showed %d progress lines on its way (want one per chunk of 100): %q", midway, seen)
	}
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('[data-test="import-progress"] progress').value`)); err != nil || v != 1000 {
		t.Errorf("progress bar at %v (%v), want 1000", v, err)
	}
	shots.shoot(ctx, "07-import")
	step("see the imported numbers",
		chromedp.Navigate(base+acme+"/numbers?prefix=%2B1628"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="next"]`)),
	)
	wantText(`[data-test="numbers"]`, "+16285550000")
	shots.shoot(ctx, "08-numbers-imported")

	// The account's users.
	step("users", chromedp.Navigate(base+acme+"/users"), chromedp.WaitVisible(chromedp.CSS(`[data-test="users"]`)))
	wantText(`[data-test="users"]`, "rita")
	shots.shoot(ctx, "09-users")

	// A webhook: made from the dialog, its secret shown once.
	step("make a webhook",
		chromedp.Navigate(base+acme+"/webhooks"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="hooks"]`)),
		chromedp.Click(chromedp.CSS(`[data-test="new-hook"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dlg-new-hook`)),
		chromedp.SendKeys(chromedp.CSS(`#dlg-new-hook input[name="name"]`), "CRM"),
		chromedp.SendKeys(chromedp.CSS(`[data-test="hook-uri"]`), "https://crm.example.com/numan"),
		chromedp.Click(chromedp.CSS(`[data-test="create-hook"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="hook-secret"]`)),
	)
	wantText(`[data-test="hook-secret"]`, "whsec_")
	shots.shoot(ctx, "13-webhooks")
	step("open the webhook",
		chromedp.Click(chromedp.CSS(`[data-test="hook-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="hook-attempts"]`)),
	)
	wantText(`[data-test="hook-state"]`, "enabled")
	shots.shoot(ctx, "14-webhook")

	// Port two numbers in: the request starts as a draft from the
	// dialog, takes a comment, and is submitted.
	step("open the porting dialog",
		chromedp.Navigate(base+acme+"/ports"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="ports"]`)),
		chromedp.Click(chromedp.CSS(`[data-test="new-port"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dlg-new-port`)),
		chromedp.SendKeys(chromedp.CSS(`#dlg-new-port input[name="name"]`), "Head office"),
		chromedp.SendKeys(chromedp.CSS(`[data-test="port-numbers"]`), "+14155550900\n+14155550901"),
		chromedp.SendKeys(chromedp.CSS(`#dlg-new-port input[name="bill_name"]`), "Acme Inc"),
		chromedp.SendKeys(chromedp.CSS(`#dlg-new-port input[name="bill_carrier"]`), "Old Telco"),
	)
	shots.shoot(ctx, "15-port-new")
	step("create the port request",
		chromedp.Click(chromedp.CSS(`[data-test="create-port"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="port-title"]`)),
	)
	wantText(`[data-test="port-state"]`, "Draft")
	wantText(`[data-test="port-numbers"]`, "+14155550901")
	step("comment and submit",
		chromedp.SendKeys(chromedp.CSS(`[data-test="port-comment"]`), "The bill follows by mail"),
		chromedp.Click(chromedp.CSS(`[data-test="port-comment-add"]`)),
		// The new page shows the comment (the old one still shows the
		// creation's flash).
		chromedp.WaitVisible(chromedp.CSS(`[data-test="port-timeline"] [data-test="comment"]`)),
		chromedp.Click(chromedp.CSS(`[data-test="port-move-submitted"]`)),
		// Only a submitted request offers to move to pending: the new
		// page, not the comment's flash still on the old one.
		chromedp.WaitVisible(chromedp.CSS(`[data-test="port-move-pending"]`)),
	)
	wantText(`[data-test="port-state"]`, "Submitted")
	wantText(`[data-test="port-timeline"]`, "The bill follows by mail")
	shots.shoot(ctx, "16-port")

	// Sign out.
	step("sign out",
		chromedp.Click(chromedp.CSS(`[data-test="logout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="login-user"]`)),
	)
	wantText(`main`, "You are signed out")
	step("the session is gone", chromedp.Navigate(base+acme+"/numbers"), chromedp.WaitVisible(chromedp.CSS(`[data-test="login-user"]`)))

	// The master: the account tree, a sub-account, plans, carriers.
	step("sign in as the master",
		chromedp.Click(chromedp.CSS(`details.alt summary`)),
		chromedp.SendKeys(chromedp.CSS(`[data-test="login-key"] input[name="api_key"]`), testMasterKey),
		chromedp.Click(chromedp.CSS(`[data-test="login-key"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="numbers"]`)),
		chromedp.Navigate(base+"/a/"+w.master+"/accounts"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="accounts"]`)),
	)
	wantText(`[data-test="accounts"]`, "Acme East")
	shots.shoot(ctx, "10-accounts")
	step("switch into Acme",
		chromedp.Click(chromedp.CSS(`[data-test="accounts"] a[href="`+acme+`/numbers"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="numbers"]`)),
	)
	wantText(`main .context`, "Acme")
	step("Acme's plans", chromedp.Navigate(base+acme+"/plans"), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	wantText(`main`, "Retail US")
	shots.shoot(ctx, "11-plans")
	step("carriers", chromedp.Navigate(base+"/a/"+w.master+"/carriers"), chromedp.WaitVisible(chromedp.CSS(`[data-test="carrier-settings"]`)))
	shots.shoot(ctx, "12-carriers")
	t.Logf("screenshots in %s", shots.dir)
}
