package store

import (
	"context"
	"encoding/json"
	"time"
)

// PortRequest is a port request as stored: the columns listings and the
// carrier follower query by, and the request's whole document, which
// internal/ports keeps and the store never reads.
type PortRequest struct {
	ID          string
	AccountID   string // the account porting the numbers in
	AuthorityID string // the account that handles it (Kazoo's port authority)
	State       string
	// Active says the request holds its numbers: no other active request
	// may hold one of them (a write that would is refused with
	// number.KindNumberIsPorting naming the number).
	Active bool
	// Numbers are the request's numbers, E.164; they are found again by
	// ListPorts's Number whatever the request's state.
	Numbers []string
	Doc     json.RawMessage
	// NextCheck is when the carrier follower looks at the request next;
	// zero when it is not followed.
	NextCheck time.Time
	Created   time.Time
	Modified  time.Time
	Version   int64 // set by the store: 1 on insert, incremented on update
}

// PortQuery selects port requests. Every condition set must hold.
type PortQuery struct {
	AccountIDs  []string // requests of these accounts; nil = any account
	AuthorityID string   // requests this account handles; "" = any
	States      []string // in these states; empty = any
	Number      string   // holding this number; "" = any
	// ModifiedFrom and ModifiedTo bound the last change (inclusive); zero
	// leaves that end open.
	ModifiedFrom time.Time
	ModifiedTo   time.Time
}

// PortAttachment is a document attached to a port request.
type PortAttachment struct {
	PortID      string
	Name        string
	ContentType string
	Size        int64
	Data        []byte
	Created     time.Time
}

// Ports persists port requests and their attachments. Part of Data.
type Ports interface {
	// InsertPort stores a new request and sets p.Version to 1. An active
	// request with a number another active request holds fails with
	// number.KindNumberIsPorting naming the number; a second writer racing
	// for the same number may get number.KindConflict instead.
	InsertPort(ctx context.Context, p *PortRequest) error
	// GetPort returns one request, or number.KindNotFound.
	GetPort(ctx context.Context, id string) (*PortRequest, error)
	// UpdatePort writes p (its numbers replacing the stored ones) if the
	// stored version is still p.Version, then increments p.Version;
	// otherwise number.KindConflict (or KindNotFound). Numbers held by
	// another active request fail as in InsertPort.
	UpdatePort(ctx context.Context, p *PortRequest) error
	// DeletePort removes a request, its numbers and attachments, if its
	// stored version is version; otherwise KindConflict (or KindNotFound).
	DeletePort(ctx context.Context, id string, version int64) error
	// ListPorts returns the requests q selects, oldest first.
	ListPorts(ctx context.Context, q PortQuery) ([]*PortRequest, error)
	// DuePorts returns up to limit requests whose NextCheck has come,
	// the most overdue first.
	DuePorts(ctx context.Context, now time.Time, limit int) ([]*PortRequest, error)

	// PutPortAttachment stores (or replaces) a request's attachment; a
	// request that does not exist is KindNotFound.
	PutPortAttachment(ctx context.Context, a *PortAttachment) error
	// GetPortAttachment returns one attachment with its data, or
	// KindNotFound.
	GetPortAttachment(ctx context.Context, portID, name string) (*PortAttachment, error)
	// DeletePortAttachment removes one attachment; a missing one is
	// KindNotFound.
	DeletePortAttachment(ctx context.Context, portID, name string) error
}
