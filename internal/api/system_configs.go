package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/number"
)

// configID is the path's {CONFIG_ID}, refusing the documents the API must
// never expose or overwrite.
func (c *call) configID() (string, error) {
	id := c.param("CONFIG_ID")
	if id == "" || strings.ContainsAny(id, "/ ") {
		return "", errBadIdentifier(id)
	}
	if id == AuthConfigID {
		return "", errForbidden("the server secret is not managed through the API")
	}
	return id, nil
}

// section is the document section a request addresses: the node's
// overrides for /system_configs/{ID}/{NODE}, else the default section.
func (c *call) section() string {
	if n := c.param("NODE"); n != "" {
		return n
	}
	return config.DefaultSection
}

// configDefaults are the defaults a system-config document is shown over.
func configDefaults(id string) map[string]json.RawMessage {
	if id != config.NumberManagerID {
		return map[string]json.RawMessage{}
	}
	raw, err := json.Marshal(number.DefaultConfig())
	if err != nil {
		return map[string]json.RawMessage{}
	}
	var out map[string]json.RawMessage
	_ = json.Unmarshal(raw, &out)
	return out
}

// configView is what GET shows: the stored keys of the section (over the
// default section for a node) over the defaults, secrets masked.
func (c *call) configView(id string) (map[string]json.RawMessage, error) {
	doc, err := config.ReadSections(c.ctx, c.s.store, id)
	if err != nil {
		return nil, err
	}
	view := config.Merge(configDefaults(id), config.Section(doc, config.DefaultSection))
	if sec := c.section(); sec != config.DefaultSection {
		view = config.Merge(view, config.Section(doc, sec))
	}
	view = config.Redact(view)
	view["id"], _ = json.Marshal(id)
	return view, nil
}

// handleConfigGet is GET /v2/system_configs/{CONFIG_ID}[/{NODE}].
func handleConfigGet(c *call) {
	id, err := c.configID()
	if err != nil {
		c.fail(err)
		return
	}
	view, err := c.configView(id)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(view)
}

// handleConfigWrite is PUT and POST (replace the section) and PATCH (merge
// into it) of /v2/system_configs/{CONFIG_ID}[/{NODE}]. The document is
// validated as the number manager or the carrier will read it, so a typo is
// refused here rather than breaking searches later.
func handleConfigWrite(c *call) {
	id, err := c.configID()
	if err != nil {
		c.fail(err)
		return
	}
	env, err := c.body()
	if err != nil {
		c.fail(err)
		return
	}
	data, err := env.data()
	if err != nil {
		c.fail(err)
		return
	}
	delete(data, "id")
	delete(data, "accept_charges")
	doc, err := config.ReadSections(c.ctx, c.s.store, id)
	if err != nil {
		c.fail(err)
		return
	}
	sec := c.section()
	stored := config.Section(doc, sec)
	next := map[string]json.RawMessage{}
	if c.r.Method == http.MethodPatch {
		next = config.Merge(next, stored)
	}
	for k, v := range data {
		switch {
		case c.r.Method == http.MethodPatch && jsonType(v) == "null":
			delete(next, k)
		case string(v) == `"`+config.Mask+`"`:
			// A client sending back what it read keeps the stored secret.
			if prev, ok := stored[k]; ok {
				next[k] = prev
			}
		default:
			next[k] = v
		}
	}
	doc[sec] = next
	if err := c.validateConfig(id, doc); err != nil {
		c.fail(err)
		return
	}
	if err := config.WriteSection(c.ctx, c.s.store, id, sec, next); err != nil {
		c.fail(err)
		return
	}
	c.s.cfg.Invalidate()
	view, err := c.configView(id)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(view)
}

// validateConfig checks every section of a document as it would be used:
// number_manager by the number manager, number_manager.<carrier> by the
// registered carrier's strict decoder.
func (c *call) validateConfig(id string, doc map[string]map[string]json.RawMessage) error {
	for sec := range doc {
		eff := config.Merge(config.Section(doc, config.DefaultSection), config.Section(doc, sec))
		raw, err := json.Marshal(eff)
		if err != nil {
			return err
		}
		if err := validateConfigDoc(c, id, raw); err != nil {
			var ne *number.Error
			if !errors.As(err, &ne) {
				ne = number.Wrap(number.KindInvalid, "", err)
				ne.Cause = err.Error()
			}
			if sec != config.DefaultSection {
				ne.Cause = "section " + sec + ": " + ne.Cause
			}
			return ne
		}
	}
	return nil
}

func validateConfigDoc(c *call, id string, raw json.RawMessage) error {
	if id == config.NumberManagerID {
		cfg, err := number.DecodeConfig(raw)
		if err != nil {
			return err
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		// A carrier nobody registered would be skipped silently by every
		// search: refuse it when it is configured.
		for key, names := range map[string][]string{
			"carrier_modules":       cfg.CarrierModules,
			"available_module_name": {cfg.AvailableModuleName},
			"port_in_module_name":   {cfg.PortInModuleName},
		} {
			for _, n := range names {
				if !carrier.Registered(n) {
					return number.Errorf(number.KindInvalid, "", "number_manager.%s: unknown carrier %q (known: %s)", key, n, strings.Join(carrier.Names(), ", "))
				}
			}
		}
		return nil
	}
	name, ok := strings.CutPrefix(id, config.NumberManagerID+".")
	if !ok || !carrier.Registered(name) {
		return nil
	}
	_, err := carrier.New(name, raw, carrier.Deps{Logger: c.s.log, HTTPClient: c.s.http, Now: c.s.now, Numbers: c.s.store})
	if err != nil && number.KindOf(err) == number.KindInternal {
		return number.Errorf(number.KindInvalid, "", "%v", err)
	}
	return err
}

// handleConfigDelete is DELETE /v2/system_configs/{CONFIG_ID}[/{NODE}]:
// the node's section, or the whole document.
func handleConfigDelete(c *call) {
	id, err := c.configID()
	if err != nil {
		c.fail(err)
		return
	}
	err = config.DeleteSection(c.ctx, c.s.store, id, c.section())
	if number.IsKind(err, number.KindNotFound) {
		c.fail(errBadIdentifier(id))
		return
	}
	if err != nil {
		c.fail(err)
		return
	}
	c.s.cfg.Invalidate()
	view, err := c.configView(id)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(view)
}
