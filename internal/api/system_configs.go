package api

import (
	"encoding/json"
	"net/http"
	"strings"

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
	if id == config.SecretID {
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
	doc, err := c.s.cfg.Sections(c.ctx, id)
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
// into it) of /v2/system_configs/{CONFIG_ID}[/{NODE}]. The manager
// validates the document as it or the carrier will read it.
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
	doc, err := c.s.cfg.Sections(c.ctx, id)
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
		case c.r.Method == http.MethodPatch && number.JSONType(v) == "null":
			delete(next, k)
		default:
			// A client sending back what it read (secrets masked, in a URL
			// or an object too) keeps the stored secrets.
			if u, keep := config.Unmask(k, v, stored[k]); keep {
				next[k] = u
			}
		}
	}
	doc[sec] = next
	if err := c.s.mgr.ValidateConfig(id, doc); err != nil {
		c.fail(err)
		return
	}
	if err := c.s.cfg.WriteSection(c.ctx, id, sec, next); err != nil {
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

// handleConfigDelete is DELETE /v2/system_configs/{CONFIG_ID}[/{NODE}]:
// the node's section, or the whole document.
func handleConfigDelete(c *call) {
	id, err := c.configID()
	if err != nil {
		c.fail(err)
		return
	}
	err = c.s.cfg.DeleteSection(c.ctx, id, c.section())
	if number.IsKind(err, number.KindNotFound) {
		c.fail(errBadIdentifier(id))
		return
	}
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
