package ports

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
)

// Notification is something a port request's submitter or authority is
// told (Kazoo's port notifications, reference B.11). Until Numan has an
// event stream they are kept on the port request, in the transaction that
// made them, and listed at GET .../port_requests/{id}/notifications.
type Notification struct {
	ID        string `json:"id"`
	Type      string `json:"type"`      // Kazoo's event: port_request, port_pending, port_scheduled, ported, port_rejected, port_cancel, port_comment
	Timestamp int64  `json:"timestamp"` // Gregorian seconds
	// AccountID is the port request's account; AuthorizedBy the account
	// (or "system") that caused the notification.
	AccountID    string `json:"account_id"`
	AuthorizedBy string `json:"authorized_by"`
	// Transition is the state change, for transitions.
	Transition *Move `json:"transition,omitempty"`
	// Reason is the reason given with a transition.
	Reason string `json:"reason,omitempty"`
	// Comment is the new comment, for port_comment.
	Comment *Comment `json:"comment,omitempty"`
	// ScheduledDate is the agreed date, for port_scheduled (Gregorian).
	ScheduledDate int64      `json:"scheduled_date,omitempty"`
	To            Recipients `json:"to"`
}

// Recipients are who a notification is for.
type Recipients struct {
	// Submitter are the submitter's addresses (notifications.email.send_to)
	// when the submitter is told.
	Submitter []string `json:"submitter,omitempty"`
	// Authority is the port authority, when it is told: its account and
	// its support address (number_manager.port.support_email).
	Authority *AuthorityContact `json:"authority,omitempty"`
}

// AuthorityContact is a port authority as a recipient.
type AuthorityContact struct {
	AccountID string `json:"account_id"`
	Email     string `json:"email,omitempty"`
}

// eventOf is Kazoo's notification for a transition to st, and whether
// the submitter and the authority are told (reference B.11).
func eventOf(st State) (typ string, submitter, authority bool) {
	switch st {
	case Submitted:
		return "port_request", true, true
	case Pending:
		return "port_pending", true, false
	case Scheduled:
		return "port_scheduled", true, false
	case Completed:
		return "ported", true, false
	case Rejected:
		return "port_rejected", true, true
	case Canceled:
		return "port_cancel", true, true
	}
	return "", false, false
}

// notifier builds the notifications of one change of a port request.
type notifier struct {
	s   *Service
	ctx context.Context
	p   *Port
	by  By
	ts  int64
}

func (n *notifier) recipients(submitter, authority bool) Recipients {
	var r Recipients
	if submitter {
		var e struct {
			Email struct {
				SendTo json.RawMessage `json:"send_to"`
			} `json:"email"`
		}
		if raw, ok := n.p.Public["notifications"]; ok && json.Unmarshal(raw, &e) == nil && e.Email.SendTo != nil {
			r.Submitter, _ = emails(e.Email.SendTo)
		}
		if r.Submitter == nil {
			r.Submitter = []string{}
		}
	}
	if authority {
		r.Authority = &AuthorityContact{AccountID: n.p.AuthorityID, Email: n.s.supportEmail(n.ctx, n.p.AuthorityID)}
	}
	return r
}

func (n *notifier) add(x Notification) {
	x.ID = newID()
	x.Timestamp = n.ts
	x.AccountID = n.p.AccountID
	x.AuthorizedBy = n.by.id()
	n.p.Notifications = append(n.p.Notifications, x)
}

// transition records the notification of a move to m.New.
func (n *notifier) transition(m Move, reason string) {
	typ, sub, auth := eventOf(m.New)
	if typ == "" {
		return
	}
	x := Notification{Type: typ, Transition: &m, Reason: reason, To: n.recipients(sub, auth)}
	if m.New == Scheduled {
		x.ScheduledDate = scheduledOf(n.p)
	}
	n.add(x)
}

// rescheduled records a new scheduled date of a scheduled request.
func (n *notifier) rescheduled() {
	n.add(Notification{Type: "port_scheduled", ScheduledDate: scheduledOf(n.p), To: n.recipients(true, false)})
}

// comment records a new comment: the authority is always told, the
// submitter unless it is private.
func (n *notifier) comment(c Comment) {
	n.add(Notification{Type: "port_comment", Comment: &c, To: n.recipients(!c.IsPrivate, true)})
}

// scheduledOf is p's scheduled_date, or 0.
func scheduledOf(p *Port) int64 {
	var d int64
	p.Public.Get("scheduled_date", &d)
	return d
}

// newID returns 32 random hex characters (Kazoo's document ids).
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// visibleNotifications are p's notifications a viewer may see: those about
// private comments only for who sees private comments.
func visibleNotifications(p *Port, seePrivate bool) []Notification {
	out := []Notification{}
	for _, x := range p.Notifications {
		if x.Comment != nil && x.Comment.IsPrivate && !seePrivate {
			continue
		}
		out = append(out, x)
	}
	return out
}
