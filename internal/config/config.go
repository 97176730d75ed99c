// Package config reads Numan's system configuration documents
// (number_manager, number_manager.<carrier>, ...) from the store, the way
// Kazoo's system_config works: a document holds a "default" section that
// applies to every node and optional sections named after a node that
// override it there. Reads are cached briefly, so a change made on any node
// takes effect everywhere within TTL, without a restart.
package config

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// DefaultSection is the section that applies to every node.
const DefaultSection = "default"

// NumberManagerID is the id of the number manager's own document.
const NumberManagerID = "number_manager"

// CarrierID returns the id of a carrier's settings document.
func CarrierID(carrier string) string { return NumberManagerID + "." + number.CarrierName(carrier) }

// AccountConfigID returns the id of an account's own number_manager
// document (Kazoo's configs_number_manager in the account's database). It
// lives in the configs table with the system documents, under an id the
// system_configs API refuses (it holds a slash), so it is reached only
// through the account's own endpoint and its access rules.
func AccountConfigID(account string) string { return "accounts/" + account + "/" + NumberManagerID }

// Source reads effective configuration for one node.
type Source struct {
	store store.Configs
	node  string
	ttl   time.Duration
	now   func() time.Time
	// keys seals secret values written and opens the ones read; without
	// it a secret can be neither written nor read.
	keys *secrets.Keyring

	mu    sync.Mutex
	cache map[string]cached
	nm    *numberManager
}

type cached struct {
	doc     map[string]json.RawMessage // the effective section (default merged with node)
	raw     json.RawMessage            // doc, encoded
	fetched time.Time
}

type numberManager struct {
	raw  string
	cfg  number.Config
	norm *number.Normalizer
}

// NewSource returns a Source over st for the node named node (may be "").
// ttl bounds how stale a read may be; 0 means one second.
func NewSource(st store.Configs, node string, ttl time.Duration, opts ...Option) *Source {
	if ttl <= 0 {
		ttl = time.Second
	}
	s := &Source{store: st, node: node, ttl: ttl, now: time.Now, cache: map[string]cached{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Option configures a Source.
type Option func(*Source)

// SealWith seals the secret values the source writes with kr, and opens
// the sealed values it reads. A source without a keyring refuses to write
// a secret, and to read a sealed one.
func SealWith(kr *secrets.Keyring) Option { return func(s *Source) { s.keys = kr } }

// Keyring is the keyring the source seals with (nil when it has none).
func (s *Source) Keyring() *secrets.Keyring { return s.keys }

// Node is the name of the node this source reads for.
func (s *Source) Node() string { return s.node }

// Invalidate drops every cached document, so the next read sees the store.
func (s *Source) Invalidate() {
	s.mu.Lock()
	s.cache = map[string]cached{}
	s.mu.Unlock()
}

// Effective returns document id's default section with this node's section
// merged over it, as a JSON object ({} when nothing is stored).
func (s *Source) Effective(ctx context.Context, id string) (json.RawMessage, error) {
	c, err := s.section(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.raw, nil
}

func (s *Source) section(ctx context.Context, id string) (cached, error) {
	s.mu.Lock()
	c, ok := s.cache[id]
	s.mu.Unlock()
	if ok && s.now().Sub(c.fetched) < s.ttl {
		return c, nil
	}
	doc, err := s.Sections(ctx, id)
	if err != nil {
		return cached{}, err
	}
	eff := Merge(Section(doc, DefaultSection), Section(doc, s.node))
	raw, err := json.Marshal(eff)
	if err != nil {
		return cached{}, err
	}
	c = cached{doc: eff, raw: raw, fetched: s.now()}
	s.mu.Lock()
	s.cache[id] = c
	s.mu.Unlock()
	return c, nil
}

// NumberManager returns the effective number_manager config, validated, and
// its compiled normaliser. A stored document that does not validate is an
// invalid error naming the key.
func (s *Source) NumberManager(ctx context.Context) (number.Config, *number.Normalizer, error) {
	raw, err := s.Effective(ctx, NumberManagerID)
	if err != nil {
		return number.Config{}, nil, err
	}
	s.mu.Lock()
	nm := s.nm
	s.mu.Unlock()
	if nm != nil && nm.raw == string(raw) {
		return nm.cfg, nm.norm, nil
	}
	cfg, err := number.DecodeConfig(raw)
	if err != nil {
		return number.Config{}, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return number.Config{}, nil, err
	}
	norm, err := number.NewNormalizer(cfg)
	if err != nil {
		return number.Config{}, nil, err
	}
	s.mu.Lock()
	s.nm = &numberManager{raw: string(raw), cfg: cfg, norm: norm}
	s.mu.Unlock()
	return cfg, norm, nil
}

// Carrier returns the effective settings of a carrier (number_manager.<name>).
func (s *Source) Carrier(ctx context.Context, name string) (json.RawMessage, error) {
	return s.Effective(ctx, CarrierID(name))
}

// ReadSections returns the stored document id as its sections; a missing
// document is an empty one.
func ReadSections(ctx context.Context, st store.Configs, id string) (map[string]map[string]json.RawMessage, error) {
	raw, err := st.GetConfig(ctx, id)
	if number.IsKind(err, number.KindNotFound) {
		return map[string]map[string]json.RawMessage{}, nil
	}
	if err != nil {
		return nil, err
	}
	var doc map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, number.Errorf(number.KindInternal, "", "system config %s is corrupt: %v", id, err)
	}
	if doc == nil {
		doc = map[string]map[string]json.RawMessage{}
	}
	return doc, nil
}

// deleteSection removes one section of document id; removing the default
// section removes the whole document.
func deleteSection(ctx context.Context, st store.Configs, id, section string) error {
	if section == DefaultSection {
		return st.DeleteConfig(ctx, id)
	}
	doc, err := ReadSections(ctx, st, id)
	if err != nil {
		return err
	}
	if _, ok := doc[section]; !ok {
		return number.NewError(number.KindNotFound, id+"/"+section)
	}
	delete(doc, section)
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return st.PutConfig(ctx, id, raw)
}

// Section returns a copy of one section of a document (empty when absent).
func Section(doc map[string]map[string]json.RawMessage, name string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range doc[name] {
		out[k] = v
	}
	return out
}

// Merge returns base with every key of over set over it.
func Merge(base, over map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// Sections returns the stored document id as its sections, read from the
// store (not the cache), its sealed values opened; a missing document is
// an empty one.
func (s *Source) Sections(ctx context.Context, id string) (map[string]map[string]json.RawMessage, error) {
	doc, err := ReadSections(ctx, s.store, id)
	if err != nil {
		return nil, err
	}
	for _, sec := range doc {
		for k, v := range sec {
			if sec[k], err = s.open(id, v); err != nil {
				return nil, err
			}
		}
	}
	return doc, nil
}

// WriteSection replaces one section of document id (creating the document)
// with keys, sealing every secret value. A masked value (what GET shows of
// a secret) keeps the stored value it masks, so a client that sends back
// what it read does not wipe a password. Every node's cache of the
// document, this one's at once, sees the change within its TTL.
func (s *Source) WriteSection(ctx context.Context, id, section string, keys map[string]json.RawMessage) error {
	defer s.Invalidate()
	doc, err := ReadSections(ctx, s.store, id)
	if err != nil {
		return err
	}
	old := doc[section]
	next := make(map[string]json.RawMessage, len(keys))
	for k, v := range keys {
		var prev json.RawMessage
		if p, ok := old[k]; ok {
			if prev, err = s.open(id, p); err != nil {
				return err
			}
		}
		u, keep := Unmask(k, v, prev)
		if !keep {
			continue
		}
		if next[k], err = s.seal(id, k, u); err != nil {
			return err
		}
	}
	doc[section] = next
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return s.store.PutConfig(ctx, id, raw)
}

// DeleteSection removes one section of document id (the default section:
// the whole document), dropping this node's cache as WriteSection does.
func (s *Source) DeleteSection(ctx context.Context, id, section string) error {
	defer s.Invalidate()
	return deleteSection(ctx, s.store, id, section)
}
