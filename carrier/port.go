package carrier

import (
	"context"
	"time"
)

// Porter is implemented by carriers that port numbers in (Telnyx's porting
// orders, Bandwidth's LNP orders). A port request submitted to a carrier is
// followed there until the carrier completes or refuses it.
//
// Submitting takes several calls at most carriers (documents, an order, its
// details, a confirmation), any of which may fail after others acted, so
// SubmitPort is resumable: it first looks for what an earlier attempt with
// the same Reference left at the carrier and carries on from there. A
// caller that got an error that is not a definite refusal (the carrier may
// have acted) calls SubmitPort again with the same submission; it never
// makes a second order.
type Porter interface {
	// SubmitPort creates the port at the carrier (or finds the one an
	// earlier attempt with the same Reference created), fills in its
	// details and documents, and submits it.
	SubmitPort(ctx context.Context, s PortSubmission) (PortRef, error)
	// PortStatus reads where the port is at the carrier and what the
	// carrier said about it.
	PortStatus(ctx context.Context, ref PortRef) (PortStatus, error)
	// CancelPort asks the carrier to cancel the port. A port the carrier
	// no longer has, or has already canceled, is canceled.
	CancelPort(ctx context.Context, ref PortRef) error
}

// PortabilityChecker is implemented by carriers that tell, before a port is
// submitted, whether they can port numbers in.
type PortabilityChecker interface {
	// CheckPortability returns each number's portability, keyed as given.
	CheckPortability(ctx context.Context, nums []string) (map[string]Portability, error)
}

// Portability is a carrier's answer for one number.
type Portability struct {
	Portable bool
	// Reason is why it is not portable, in the carrier's words.
	Reason string
	// LosingCarrier is who holds the number today, when the carrier says.
	LosingCarrier string
}

// PortSubmission is what a carrier needs to port numbers in: Kazoo's port
// request document in neutral terms.
type PortSubmission struct {
	// Reference is Numan's id of the port request: the carrier's customer
	// reference, by which an interrupted submission is found again.
	Reference string
	Numbers   []string // E.164
	// RequestedDate is when the customer wants the numbers moved (Kazoo's
	// transfer_date); zero = as soon as the carrier can.
	RequestedDate time.Time
	// The losing carrier's account, as on its bill (Kazoo's bill object).
	LosingCarrier string
	EntityName    string // bill.name: the business or person named on the account
	AccountNumber string
	PIN           string
	BillingNumber string // bill.btn, E.164
	Address       PortAddress
	// AuthorizedBy is the person who signed the LOA (signee_name).
	AuthorizedBy string
	Documents    []PortDocument
}

// PortAddress is the service address on the losing carrier's account.
type PortAddress struct {
	HouseNumber string // street_number
	Street      string // street_pre_dir street_address street_type street_post_dir
	Extended    string // extended_address
	Locality    string
	Region      string // state or province
	PostalCode  string
	Country     string // ISO 3166 alpha-2; "" = US
}

// Document kinds a submission carries.
const (
	DocumentLOA     = "loa"
	DocumentInvoice = "invoice" // a recent bill of the losing carrier
	DocumentOther   = "other"
)

// PortDocument is a document attached to a submission.
type PortDocument struct {
	Kind        string // DocumentLOA, DocumentInvoice, DocumentOther
	Name        string
	ContentType string
	Data        []byte
}

// PortRef is the carrier's handle on a submitted port: the ids of its
// orders (a carrier may split one port into several).
type PortRef struct {
	IDs []string `json:"ids"`
}

// PortState is where a port stands at the carrier, in Numan's port request
// states.
type PortState string

// The states a carrier reports a port in.
const (
	// PortPending: submitted and in progress at the carrier, no date yet.
	PortPending PortState = "pending"
	// PortScheduled: the losing carrier agreed a date (FOC).
	PortScheduled PortState = "scheduled"
	// PortCompleted: the numbers are the carrier's.
	PortCompleted PortState = "completed"
	// PortRejected: the port needs fixing (an exception, a rejection by the
	// losing carrier); Reason says why.
	PortRejected PortState = "rejected"
	// PortCanceled: the port was canceled at the carrier.
	PortCanceled PortState = "canceled"
)

// PortStatus is a port's state at the carrier.
type PortStatus struct {
	State PortState
	// Date is the date agreed with the losing carrier (FOC), when known.
	Date time.Time
	// Reason is why the port was rejected, in the carrier's words.
	Reason string
	// Status is the carrier's own name of the state, for people.
	Status string
	// Messages are what the carrier wrote about the port, oldest first.
	Messages []PortMessage
}

// PortMessage is one note or comment the carrier wrote on a port.
type PortMessage struct {
	ID     string // the carrier's id, unique within the port
	Time   time.Time
	Author string
	Text   string
}
