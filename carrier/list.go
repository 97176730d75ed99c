package carrier

import (
	"context"

	"github.com/numan-dev/numan/number"
)

// Lister is implemented by carriers whose API lists the numbers the
// operator's account holds (and pays for) there. The carrier audit
// (numan carriers audit) pages through it and compares each page with what
// Numan records: numbers paid for but unknown to Numan, numbers Numan sells
// that the carrier no longer holds, and carrier data that disagrees.
//
// ListNumbers returns the page that starts at token ("" for the first
// page) and the token of the next page ("" after the last). Each call is
// one bounded request (at most MaxListPage numbers) on ctx's deadline. A
// reply that cannot be read, or that does not say what it should, is an
// error, never an empty page: an audit that took garbage for "holds
// nothing" would report every number as gone.
type Lister interface {
	ListNumbers(ctx context.Context, token string) (HeldPage, error)
}

// MaxListPage bounds the numbers one ListNumbers call returns, so an audit
// holds one page of carrier records at a time, whatever the account's size.
const MaxListPage = 1000

// HeldPage is one page of a carrier's listing.
type HeldPage struct {
	Numbers []Held
	// Next is the token of the following page; "" when this is the last.
	Next string
}

// Held is a number the carrier holds for the account, as the carrier
// describes it: only the facts Numan also records or can check.
type Held struct {
	// Number is E.164.
	Number string
	// CarrierData is what Numan keeps in the carrier data of a number held
	// here: the carrier's own ids (phone_number_id, sid) that its
	// Disconnect reads. It becomes the carrier data of a number the audit
	// imports, and each of its keys that Numan's record also has must hold
	// the same value there.
	CarrierData number.Doc
	// Status is the carrier's word for the number's state ("active",
	// "in-use", "port-pending"); "" when the listing gives none.
	Status string
	// Inactive means the carrier holds (and bills) the number but says it
	// does not work yet or any more: a purchase or port pending, a
	// number suspended. The audit does not import such numbers, and
	// reports them when Numan sells them.
	Inactive bool
	// Route is where the carrier sends the number's calls (a connection,
	// a trunk, an endpoint group); "" when the listing does not say.
	Route string
	// WantRoute is the route the carrier's settings in Numan give the
	// numbers it buys; "" when they name none. A Route that differs is
	// reported: calls to the number do not reach the platform.
	WantRoute string
}
