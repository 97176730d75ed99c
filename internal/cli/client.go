package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultURL is the server the operator commands talk to unless told otherwise.
const DefaultURL = "http://127.0.0.1:8000"

// client talks to a numan (or Kazoo) server's v2 API.
type client struct {
	base    string
	token   string
	apiKey  string
	account string
	http    *http.Client
}

// clientFlags registers the flags every operator command shares.
type clientFlags struct {
	url, token, apiKey, account *string
}

func addClientFlags(fs *flag.FlagSet, env *Env) clientFlags {
	return clientFlags{
		url:     fs.String("url", envOr(env, "NUMAN_URL", DefaultURL), "server URL (NUMAN_URL)"),
		token:   secretFlag(fs, env, "token", "NUMAN_TOKEN", "auth `token` (default: NUMAN_TOKEN)"),
		apiKey:  secretFlag(fs, env, "api-key", "NUMAN_API_KEY", "API `key`, traded for a token when no token is given (default: NUMAN_API_KEY)"),
		account: fs.String("account", env.Getenv("NUMAN_ACCOUNT"), "account id (NUMAN_ACCOUNT); default: the token's account"),
	}
}

// connect returns a client with a token and an account id.
func (f clientFlags) connect(ctx context.Context) (*client, error) {
	c := &client{base: strings.TrimRight(*f.url, "/"), token: *f.token, apiKey: *f.apiKey, account: *f.account,
		http: &http.Client{Timeout: 5 * time.Minute}}
	if c.token == "" && c.apiKey == "" {
		return nil, usagef("no credentials: set --token/NUMAN_TOKEN or --api-key/NUMAN_API_KEY")
	}
	if c.token == "" {
		data, err := c.call(ctx, http.MethodPut, "/v2/api_auth", map[string]any{"data": map[string]any{"api_key": c.apiKey}})
		if err != nil {
			return nil, err
		}
		var d struct {
			AuthToken string `json:"auth_token"`
			AccountID string `json:"account_id"`
		}
		_ = json.Unmarshal(data, &d)
		c.token = d.AuthToken
		if c.account == "" {
			c.account = d.AccountID
		}
	}
	if c.account == "" {
		data, err := c.call(ctx, http.MethodGet, "/v2/token_info", nil)
		if err != nil {
			return nil, err
		}
		var d struct {
			AccountID string `json:"account_id"`
		}
		_ = json.Unmarshal(data, &d)
		c.account = d.AccountID
	}
	return c, nil
}

// apiError is an error envelope from the server.
type apiError struct {
	Status  int
	Message string
	Data    json.RawMessage
}

func (e *apiError) Error() string {
	d := string(e.Data)
	if len(d) > 500 {
		d = d[:500] + "..."
	}
	return fmt.Sprintf("server answered %d %s: %s", e.Status, e.Message, d)
}

// reply is a decoded envelope.
type reply struct {
	Status       string          `json:"status"`
	Data         json.RawMessage `json:"data"`
	Message      string          `json:"message"`
	AuthToken    string          `json:"auth_token"`
	NextStartKey string          `json:"next_start_key"`
}

// call sends a request and returns the envelope's data, or an *apiError.
func (c *client) call(ctx context.Context, method, path string, body any) (json.RawMessage, error) {
	r, err := c.request(ctx, method, path, body)
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}

func (c *client) request(ctx context.Context, method, path string, body any) (*reply, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("X-Auth-Token", c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s %s: %s: not a JSON envelope: %.200s", method, path, resp.Status, raw)
	}
	if resp.StatusCode >= 400 || r.Status == "error" {
		return &r, &apiError{Status: resp.StatusCode, Message: r.Message, Data: r.Data}
	}
	if r.AuthToken != "" && path == "/v2/api_auth" {
		c.token = r.AuthToken
	}
	return &r, nil
}

// stream sends a GET and returns the raw body for the caller to read.
func (c *client) stream(ctx context.Context, path, accept string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("X-Auth-Token", c.token)
	hc := *c.http
	hc.Timeout = 0 // an export of millions of numbers takes what it takes
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		var r reply
		_ = json.Unmarshal(raw, &r)
		return nil, &apiError{Status: resp.StatusCode, Message: r.Message, Data: r.Data}
	}
	return resp.Body, nil
}

// accountPath is /v2/accounts/{account}/suffix.
func (c *client) accountPath(suffix string) string {
	return "/v2/accounts/" + url.PathEscape(c.account) + suffix
}

// numberPath is the path of one number of the client's account.
func (c *client) numberPath(num, suffix string) string {
	return c.accountPath("/phone_numbers/" + url.PathEscape(num) + suffix)
}

// printJSON writes raw JSON indented.
func printJSON(w io.Writer, raw json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		_, err = w.Write(raw)
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}
