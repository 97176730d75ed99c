package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// remoteTimeout bounds a call to a locality or phonebook service.
const remoteTimeout = 10 * time.Second

// configString reads one string key of an effective system-config document.
func (c *call) configString(id, key string) string {
	raw, err := c.s.cfg.Effective(c.ctx, id)
	if err != nil {
		return ""
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal(raw, &doc) != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(doc[key], &s)
	return s
}

// handleLocality is POST …/phone_numbers/locality: the locality service
// (number_manager.locality url, else number_manager.other phonebook_url)
// when one is configured, else what the phonenumbers library knows.
func handleLocality(c *call) {
	nums, err := c.numbersList()
	if err != nil {
		c.fail(err)
		return
	}
	base := c.configString("number_manager.locality", "url")
	if base == "" {
		base = c.configString("number_manager.other", "phonebook_url")
	}
	if base == "" {
		c.ok(c.localLocality(nums))
		return
	}
	body, _ := json.Marshal(map[string]any{"data": nums})
	var resp struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
	}
	if err := c.remoteJSON(http.MethodPost, strings.TrimRight(base, "/")+"/locality/metadata", body, &resp); err != nil || resp.Status != "success" {
		c.s.log.Warn("locality lookup failed", "request_id", c.requestID, "err", err)
		c.fail(&apiError{http.StatusInternalServerError, "number locality lookup failed",
			map[string]any{"message": "number locality lookup failed"}})
		return
	}
	c.ok(resp.Data)
}

// localLocality answers locality from the phonenumbers geocoding and
// carrier data, in the shape of Kazoo's locality service.
func (c *call) localLocality(nums []string) map[string]any {
	out := make(map[string]any, len(nums))
	for _, raw := range nums {
		e164, err := c.s.mgr.Normalize(c.ctx, raw)
		if err != nil {
			out[raw] = map[string]any{"number": raw, "status": "error", "message": "not_reconcilable"}
			continue
		}
		pn, err := phonenumbers.Parse(e164, "")
		if err != nil {
			out[raw] = map[string]any{"number": raw, "e164_number": e164, "status": "error", "message": "unknown number"}
			continue
		}
		region := phonenumbers.GetRegionCodeForNumber(pn)
		place, _ := phonenumbers.GetGeocodingForNumber(pn, "en")
		company, _ := phonenumbers.GetCarrierForNumber(pn, "en")
		city, province := place, ""
		if i := strings.LastIndex(place, ", "); i > 0 {
			city, province = place[:i], place[i+2:]
		}
		out[raw] = map[string]any{
			"number":      raw,
			"e164_number": e164,
			"country":     region,
			"status":      "success",
			"geocode":     map[string]any{"locality": place},
			"locality":    map[string]any{"locality": city, "province": province},
			"carrier":     map[string]any{"company": company},
		}
	}
	return out
}

// handlePrefix is GET /v2/phone_numbers/prefix?city= (and under an
// account): the phonebook service's area codes for a city.
func handlePrefix(c *call) {
	city := c.r.URL.Query().Get("city")
	if city == "" {
		c.fail(errBadIdentifier("city"))
		return
	}
	base := c.configString("crossbar.phone_numbers", "phonebook_url")
	if base == "" {
		c.fail(&apiError{http.StatusInternalServerError, "Unable to acquire numbers missing carrier url",
			map[string]any{"message": "Unable to acquire numbers missing carrier url"}})
		return
	}
	country := c.configString("crossbar.phone_numbers", "default_country")
	if country == "" {
		country = "US"
	}
	u := fmt.Sprintf("%s/%s/city?pattern=%s", strings.TrimRight(base, "/"), url.PathEscape(country), url.QueryEscape(city))
	var resp struct {
		Data json.RawMessage `json:"data"`
	}
	if err := c.remoteJSON(http.MethodGet, u, nil, &resp); err != nil {
		c.s.log.Warn("phonebook lookup failed", "request_id", c.requestID, "err", err)
		c.fail(&apiError{http.StatusInternalServerError, "phonebook lookup failed", map[string]any{"message": "phonebook lookup failed"}})
		return
	}
	c.ok(resp.Data)
}

// remoteJSON calls a configured service and decodes its JSON answer.
func (c *call) remoteJSON(method, u string, body []byte, dst any) error {
	ctx, cancel := context.WithTimeout(c.ctx, remoteTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s", u, resp.Status)
	}
	return json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 16<<20)).Decode(dst)
}
