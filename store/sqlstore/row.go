package sqlstore

// This file holds what is plain data and SQL text, the same for every
// dialect: the JSON document that carries a number's unindexed fields,
// account paths, timestamp normalisation and the WHERE clauses of listings
// and searches. Both dialects take $N placeholders (modernc.org/sqlite
// binds $N by ordinal).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// numberColumns lists the columns every number query selects, in the order
// the stores scan them.
const numberColumns = "number, state, assigned_to, module_name, pool, created, modified, version, doc"

// accountColumns lists the columns every account query selects, in the
// order the stores scan them.
const accountColumns = "id, name, parent_id, path, enabled, reseller, allow_number_additions, superduper_admin, public, api_key_hash, api_key_sealed, created, modified, version"

// storedTime is how the store keeps timestamps: UTC, microsecond precision (what
// PostgreSQL stores), so a value read back equals the value written.
func storedTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// numberDoc is the stored JSON document of a number: every field that is not
// a column. Docs are decoded into json.RawMessage values, so user JSON comes
// back byte for byte.
type numberDoc struct {
	PrevAssignedTo string     `json:"prev_assigned_to,omitempty"`
	ReserveHistory []string   `json:"reserve_history,omitempty"`
	UsedBy         string     `json:"used_by,omitempty"`
	CarrierData    number.Doc `json:"carrier_data,omitempty"`
	PortedIn       bool       `json:"ported_in,omitempty"`
	Features       number.Doc `json:"features,omitempty"`
	FeaturesAllow  []string   `json:"features_allow,omitempty"`
	FeaturesDeny   []string   `json:"features_deny,omitempty"`
	Region         string     `json:"region,omitempty"`
	Locality       number.Doc `json:"locality"` // absent = nil, {} = empty
	Public         number.Doc `json:"public,omitempty"`
}

// encodeNumber returns the JSON document holding n's unindexed fields.
// encoding/json would compact the raw values of a Doc; the document is
// written by hand so they are stored exactly as given.
func encodeNumber(n *number.Number) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	field := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteByte('"')
		b.WriteString(name)
		b.WriteString(`":`)
	}
	value := func(name string, v any) error {
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		field(name)
		b.Write(raw)
		return nil
	}
	doc := func(name string, d number.Doc) error {
		field(name)
		return writeDoc(&b, d)
	}
	var errs []error
	if n.PrevAssignedTo != "" {
		errs = append(errs, value("prev_assigned_to", n.PrevAssignedTo))
	}
	if len(n.ReserveHistory) > 0 {
		errs = append(errs, value("reserve_history", n.ReserveHistory))
	}
	if n.UsedBy != "" {
		errs = append(errs, value("used_by", n.UsedBy))
	}
	if len(n.CarrierData) > 0 {
		errs = append(errs, doc("carrier_data", n.CarrierData))
	}
	if n.PortedIn {
		errs = append(errs, value("ported_in", true))
	}
	if len(n.Features) > 0 {
		errs = append(errs, doc("features", n.Features))
	}
	if len(n.FeaturesAllow) > 0 {
		errs = append(errs, value("features_allow", n.FeaturesAllow))
	}
	if len(n.FeaturesDeny) > 0 {
		errs = append(errs, value("features_deny", n.FeaturesDeny))
	}
	if n.Region != "" {
		errs = append(errs, value("region", n.Region))
	}
	if n.Locality != nil {
		errs = append(errs, doc("locality", n.Locality))
	}
	if len(n.Public) > 0 {
		errs = append(errs, doc("public", n.Public))
	}
	for _, err := range errs {
		if err != nil {
			return nil, number.Wrap(number.KindInvalid, n.Number, err)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// encodeDoc returns d as a JSON object, its values written exactly as given.
func encodeDoc(d number.Doc) ([]byte, error) {
	var b bytes.Buffer
	if err := writeDoc(&b, d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeDoc(b *bytes.Buffer, d number.Doc) error {
	b.WriteByte('{')
	for i, k := range d.Keys() {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(k) // a string always encodes
		b.Write(key)
		b.WriteByte(':')
		v := d[k]
		if !json.Valid(v) {
			return fmt.Errorf("value of %q is not valid JSON", k)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return nil
}

// decodeNumber fills n's unindexed fields from its stored document. Public,
// Features and CarrierData come back as empty Docs, never nil.
func decodeNumber(n *number.Number, data []byte) error {
	var d numberDoc
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("decode number %s: %w", n.Number, err)
	}
	n.PrevAssignedTo = d.PrevAssignedTo
	n.ReserveHistory = d.ReserveHistory
	n.UsedBy = d.UsedBy
	n.CarrierData = orEmpty(d.CarrierData)
	n.PortedIn = d.PortedIn
	n.Features = orEmpty(d.Features)
	n.FeaturesAllow = d.FeaturesAllow
	n.FeaturesDeny = d.FeaturesDeny
	n.Region = d.Region
	n.Locality = d.Locality
	n.Public = orEmpty(d.Public)
	return nil
}

// decodeDoc decodes a stored JSON object; nil and null give an empty Doc.
func decodeDoc(data []byte) (number.Doc, error) {
	var d number.Doc
	if len(data) > 0 {
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, err
		}
	}
	return orEmpty(d), nil
}

func orEmpty(d number.Doc) number.Doc {
	if d == nil {
		return number.Doc{}
	}
	return d
}

// accountPath is the materialised path of a: "/" + its tree and its id,
// each followed by "/". Every descendant's path starts with it.
func accountPath(a *number.Account) (string, error) {
	var b strings.Builder
	b.WriteByte('/')
	for _, id := range append(slices.Clone(a.Tree), a.ID) {
		if id == "" || strings.Contains(id, "/") {
			return "", number.Errorf(number.KindInvalid, a.ID, "account id %q in tree of %s is not usable", id, a.ID)
		}
		b.WriteString(id)
		b.WriteByte('/')
	}
	return b.String(), nil
}

// treeFromPath returns the ancestors, root first, held in a stored path.
func treeFromPath(path string) []string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) <= 1 {
		return []string{}
	}
	return parts[:len(parts)-1]
}

// prefixEnd returns the smallest string greater than every string starting
// with prefix, so "number >= prefix AND number < prefixEnd(prefix)" is an
// index range holding exactly the numbers with that prefix. ok is false
// when there is no such bound (the prefix is empty or only 0x7f bytes
// and beyond).
func prefixEnd(prefix string) (end string, ok bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0x7f { // stay ASCII so the bound is valid UTF-8
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// where collects the conditions and arguments of a WHERE clause with $N
// placeholders.
type where struct {
	conds []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (q *where) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// and adds a condition.
func (q *where) and(cond string) { q.conds = append(q.conds, cond) }

// in adds "column IN (...)" for vals; nothing when vals is empty.
func (q *where) in(column string, vals []string) {
	if len(vals) == 0 {
		return
	}
	marks := make([]string, len(vals))
	for i, v := range vals {
		marks[i] = q.arg(v)
	}
	q.and(column + " IN (" + strings.Join(marks, ", ") + ")")
}

// prefix bounds column to the strings starting with prefix, from from on
// (from may be "" or anything, it is raised to prefix).
func (q *where) prefix(column, prefix, from string) {
	if from < prefix {
		from = prefix
	}
	if from != "" {
		q.and(column + " >= " + q.arg(from))
	}
	if prefix == "" {
		return
	}
	if end, ok := prefixEnd(prefix); ok {
		q.and(column + " < " + q.arg(end))
	}
}

// clause returns " WHERE a AND b ..." or "".
func (q *where) clause() string {
	if len(q.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.conds, " AND ")
}

func statesToStrings(states []number.State) []string {
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

// listSQL returns the SELECT for one page of lq: limit+1 rows, so the extra
// row gives the next page's start key.
func listSQL(lq store.ListQuery, hasFeature func(p string) string) (string, []any) {
	var q where
	if lq.AssignedTo != "" {
		q.and("assigned_to = " + q.arg(lq.AssignedTo) + " AND assigned_to <> ''") // matches the partial index
	}
	q.in("state", statesToStrings(lq.States))
	q.in("module_name", lq.Modules)
	if len(lq.Features) > 0 {
		// Features are in the document, not indexed: the listing's other
		// conditions bound the rows read, and a rare feature in a big
		// account reads many of them for a page.
		var any []string
		for _, f := range lq.Features {
			any = append(any, hasFeature(q.arg(f)))
		}
		q.and("(" + strings.Join(any, " OR ") + ")")
	}
	q.prefix("number", lq.Prefix, lq.StartKey)
	sql := "SELECT " + numberColumns + " FROM numbers" + q.clause() + " ORDER BY number"
	if lq.Limit > 0 {
		sql += " LIMIT " + strconv.Itoa(lq.Limit+1)
	}
	return sql, q.args
}

// searchSQL returns the SELECT of sq. noLimit is the dialect's LIMIT clause
// meaning "all rows", needed by SQLite before an OFFSET.
func searchSQL(sq store.SearchQuery, noLimit string) (string, []any) {
	var q where
	q.prefix("number", sq.Prefix, "")
	q.in("state", statesToStrings(sq.States))
	q.in("module_name", sq.Modules)
	if sq.AssignedTo != "" {
		q.and("assigned_to = " + q.arg(sq.AssignedTo) + " AND assigned_to <> ''") // matches the partial index
	}
	if sq.Pool != "" {
		q.and("pool = " + q.arg(sq.Pool) + " AND pool <> ''") // matches the partial index
	}
	sql := "SELECT " + numberColumns + " FROM numbers" + q.clause() + " ORDER BY number"
	switch {
	case sq.Limit > 0:
		sql += " LIMIT " + strconv.Itoa(sq.Limit)
	case sq.Offset > 0 && noLimit != "":
		sql += " " + noLimit
	}
	if sq.Offset > 0 {
		sql += " OFFSET " + strconv.Itoa(sq.Offset)
	}
	return sql, q.args
}

// page cuts rows fetched with limit+1 into a page.
func page(rows []*number.Number, limit int) store.Page {
	if limit > 0 && len(rows) > limit {
		return store.Page{Numbers: rows[:limit], NextStartKey: rows[limit].Number}
	}
	return store.Page{Numbers: rows}
}

// descendantsSQL selects every account below the account $1 in one index
// range over path: after "/…/id/" and before "/…/id0" ('0' follows '/').
const descendantsSQL = "SELECT " + accountColumns + " FROM accounts" +
	" WHERE path > (SELECT path FROM accounts WHERE id = $1)" +
	" AND path < (SELECT substr(path, 1, length(path) - 1) || '0' FROM accounts WHERE id = $1)" +
	" ORDER BY name, id"

// checkObject reports an error unless doc is one valid JSON object.
func checkObject(doc []byte) error {
	if !json.Valid(doc) {
		return fmt.Errorf("config is not valid JSON")
	}
	if t := bytes.TrimSpace(doc); len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("config is not a JSON object")
	}
	return nil
}

// numbersOf returns the numbers of ns.
func numbersOf(ns []*number.Number) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Number
	}
	return out
}

// firstDuplicate names the first number of a failed bulk insert that is
// stored (stored holds those of ns found after the failure) or appears
// twice in ns; "" when neither (it was stored and deleted meanwhile).
func firstDuplicate(ns []*number.Number, stored map[string]*number.Number) string {
	seen := make(map[string]bool, len(ns))
	for _, n := range ns {
		if stored[n.Number] != nil || seen[n.Number] {
			return n.Number
		}
		seen[n.Number] = true
	}
	return ""
}

// checkMove refuses to move account id (stored at oldPath) to newPath
// below itself, which would make a cycle.
func checkMove(id, oldPath, newPath string) error {
	if newPath != oldPath && strings.HasPrefix(newPath, oldPath) {
		return number.Errorf(number.KindInvalid, id, "account %s cannot move below itself", id)
	}
	return nil
}

// moveSubtreeSQL returns the UPDATE that rewrites the paths of the
// descendants of an account moved from oldPath to newPath, one index range.
func moveSubtreeSQL(oldPath, newPath string) (string, []any) {
	return "UPDATE accounts SET path = $1 || substr(path, $2), version = version + 1 WHERE path > $3 AND path < $4",
		[]any{newPath, int64(len(oldPath) + 1), oldPath, oldPath[:len(oldPath)-1] + "0"}
}
