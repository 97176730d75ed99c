package ports

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Port is a port request: Kazoo's document (its public keys kept as the
// client sent them) and what Numan keeps beside it.
type Port struct {
	ID            string
	AccountID     string // the account porting the numbers in
	AccountName   string
	AuthorityID   string // who handles it (reference B.4)
	AuthorityName string
	State         State
	// Public is every public key of the document (name, numbers, bill,
	// notifications, carrier, schedule_on, scheduled_date, the client's
	// own keys) except comments, which are kept apart.
	Public number.Doc
	// Numbers are the keys of Public's numbers, E.164, sorted.
	Numbers       []string
	Comments      []Comment
	Transitions   []Transition    // newest first, as Kazoo kept them
	PortedNumbers json.RawMessage // the numbers object, once completed (Kazoo's pvt_ported_numbers)
	Sent          bool            // submitted to a carrier (Kazoo's crawler flag)
	Uploads       map[string]Upload
	Carrier       *CarrierOrder
	Notifications []Notification
	NextCheck     time.Time // when the carrier follower looks at it next
	Created       time.Time
	Modified      time.Time
	Version       int64
}

// Comment is one comment on a port request (Kazoo's comment schema).
type Comment struct {
	AccountID      string `json:"account_id,omitempty"`
	ActionRequired bool   `json:"action_required"`
	Author         string `json:"author"`
	Content        string `json:"content"`
	IsPrivate      bool   `json:"is_private"`
	Timestamp      int64  `json:"timestamp"` // Gregorian seconds
	UserID         string `json:"user_id,omitempty"`
}

// Transition is one entry of a port request's history.
type Transition struct {
	Authorization Authorization `json:"authorization"`
	Reason        string        `json:"reason,omitempty"`
	Timestamp     int64         `json:"timestamp"` // Gregorian seconds
	Transition    Move          `json:"transition"`
	Type          string        `json:"type"` // "transition"
}

// Move is the states of a transition.
type Move struct {
	New      State `json:"new"`
	Previous State `json:"previous,omitempty"`
}

// Authorization is who made a transition.
type Authorization struct {
	Account AccountRef `json:"account"`
	Reason  string     `json:"reason,omitempty"`
}

// AccountRef names an account.
type AccountRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Upload describes an attachment (Kazoo's uploads).
type Upload struct {
	ContentType string `json:"content_type"`
	Length      int64  `json:"length"`
}

// CarrierOrder is where a port request stands at the carrier it was
// submitted to (number_manager.port_carrier).
type CarrierOrder struct {
	Name string `json:"name"` // the carrier's registry name
	// Submission counts the request's submissions to carriers: the
	// carrier's reference is <request id>-<submission>, so a request
	// submitted again after a rejection makes a new order.
	Submission int `json:"submission"`
	// Phase is what the follower does next: submit the port, follow it,
	// cancel it; "" when nothing is left to do.
	Phase string `json:"phase,omitempty"`
	// Ref is the carrier's handle on the port once submitted.
	Ref carrier.PortRef `json:"ref"`
	// Status is the carrier's own name of its state, as last read.
	Status string `json:"status,omitempty"`
	// Seen are the ids of the carrier's messages already recorded.
	Seen []string `json:"seen,omitempty"`
	// Attempts counts the tries of the current phase; LastError is the
	// last failure.
	Attempts  int    `json:"attempts,omitempty"`
	LastError string `json:"last_error,omitempty"`
}

// The follower's phases.
const (
	phaseSubmit = "submit"
	phaseFollow = "follow"
	phaseCancel = "cancel"
)

// storedDoc is the document the store keeps for a port request.
type storedDoc struct {
	Public        number.Doc        `json:"public"`
	Comments      []Comment         `json:"comments,omitempty"`
	Transitions   []Transition      `json:"transitions,omitempty"`
	PortedNumbers json.RawMessage   `json:"ported_numbers,omitempty"`
	AccountName   string            `json:"account_name,omitempty"`
	AuthorityName string            `json:"authority_name,omitempty"`
	Sent          bool              `json:"sent,omitempty"`
	Uploads       map[string]Upload `json:"uploads,omitempty"`
	Carrier       *CarrierOrder     `json:"carrier,omitempty"`
	Notifications []Notification    `json:"notifications,omitempty"`
}

// record is p as the store keeps it.
func (p *Port) record() (*store.PortRequest, error) {
	doc, err := json.Marshal(storedDoc{
		Public: p.Public, Comments: p.Comments, Transitions: p.Transitions, PortedNumbers: p.PortedNumbers,
		AccountName: p.AccountName, AuthorityName: p.AuthorityName, Sent: p.Sent, Uploads: p.Uploads,
		Carrier: p.Carrier, Notifications: p.Notifications,
	})
	if err != nil {
		return nil, number.Wrap(number.KindInternal, p.ID, err)
	}
	nums := p.Numbers
	if p.State == Completed {
		nums = p.portedKeys() // still found by number once completed
	}
	return &store.PortRequest{
		ID: p.ID, AccountID: p.AccountID, AuthorityID: p.AuthorityID, State: string(p.State),
		Active: !p.State.Terminal(), Numbers: nums, Doc: doc, NextCheck: p.NextCheck,
		Created: p.Created, Modified: p.Modified, Version: p.Version,
	}, nil
}

// fromRecord reads a stored port request.
func fromRecord(r *store.PortRequest) (*Port, error) {
	var d storedDoc
	if err := json.Unmarshal(r.Doc, &d); err != nil {
		return nil, number.Wrap(number.KindInternal, r.ID, fmt.Errorf("port request %s: stored document: %w", r.ID, err))
	}
	p := &Port{
		ID: r.ID, AccountID: r.AccountID, AccountName: d.AccountName, AuthorityID: r.AuthorityID,
		AuthorityName: d.AuthorityName, State: State(r.State), Public: d.Public, Comments: d.Comments,
		Transitions: d.Transitions, PortedNumbers: d.PortedNumbers, Sent: d.Sent, Uploads: d.Uploads,
		Carrier: d.Carrier, Notifications: d.Notifications, NextCheck: r.NextCheck,
		Created: r.Created, Modified: r.Modified, Version: r.Version,
	}
	if p.Public == nil {
		p.Public = number.Doc{}
	}
	p.Numbers = numberKeys(p.Public["numbers"])
	return p, nil
}

// numberKeys returns the keys of a numbers object, sorted.
func numberKeys(raw json.RawMessage) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return slices.Sorted(maps.Keys(m))
}

func (p *Port) portedKeys() []string { return numberKeys(p.PortedNumbers) }

// master is the root of the port account's tree: Kazoo's master account
// (reference B.3: "master" is the master account's id, not the superduper
// flag).
func master(acc *number.Account) string {
	if len(acc.Tree) > 0 {
		return acc.Tree[0]
	}
	return acc.ID
}

// View is a port request as a client sees it (Kazoo's public view).
type View map[string]any

// view renders p for a viewer; private comments only when seePrivate.
func (p *Port) view(seePrivate bool) View {
	v := View{}
	for k, raw := range p.Public {
		v[k] = raw
	}
	if bill, ok := p.Public["bill"]; ok {
		v["bill"] = maskPIN(bill)
	}
	comments := []Comment{}
	for _, c := range p.Comments {
		if seePrivate || !c.IsPrivate {
			comments = append(comments, c)
		}
	}
	if len(p.Comments) > 0 {
		v["comments"] = comments
	}
	uploads := map[string]Upload{}
	maps.Copy(uploads, p.Uploads)
	v["id"] = p.ID
	v["port_state"] = p.State
	v["sent"] = p.Sent
	v["uploads"] = uploads
	v["created"] = manager.Gregorian(p.Created)
	v["updated"] = manager.Gregorian(p.Modified)
	ro := map[string]any{
		"account_id":          p.AccountID,
		"account_name":        p.AccountName,
		"port_authority":      p.AuthorityID,
		"port_authority_name": p.AuthorityName,
	}
	if len(p.PortedNumbers) > 0 {
		ro["ported_numbers"] = p.PortedNumbers
	}
	if p.Carrier != nil {
		c := map[string]any{"name": p.Carrier.Name}
		if p.Carrier.Status != "" {
			c["status"] = p.Carrier.Status
		}
		if seePrivate && len(p.Carrier.Ref.IDs) > 0 {
			c["orders"] = p.Carrier.Ref.IDs
		}
		ro["carrier"] = c
	}
	v["_read_only"] = ro
	return v
}
