package number

import (
	"slices"
	"time"
)

// Account is a tenant in the account tree. Tree holds the ancestors, root
// first (Kazoo's pvt_tree), so ancestor and descendant checks need no query
// per level.
type Account struct {
	ID                   string
	Name                 string
	ParentID             string
	Tree                 []string // ancestors, root first; empty for the master
	Enabled              bool
	Reseller             bool
	AllowNumberAdditions bool // Kazoo's pvt_wnm_allow_additions
	SuperduperAdmin      bool
	Public               Doc    // free-form public fields (realm, timezone, ui_metadata, ...)
	APIKeyHash           string // SHA-256 (hex) of the API key: what api_auth looks up
	APIKeySealed         string // the API key encrypted with the server's secret, for GET .../api_key
	Created              time.Time
	Modified             time.Time
	Version              int64
}

// IsAccountID reports whether s has the shape of an account id: 32
// lowercase hex characters.
// Every request checks the account id of its path: a loop, not a regexp.
func IsAccountID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// IsAncestorOf reports whether a is a strict ancestor of b.
func (a *Account) IsAncestorOf(b *Account) bool { return slices.Contains(b.Tree, a.ID) }

// ResellerID returns the nearest reseller among the account and its
// ancestors, the closest first; resellerOf answers for ancestors not loaded.
func (a *Account) ResellerID(isReseller func(id string) bool) string {
	if a.Reseller {
		return a.ID
	}
	for i := len(a.Tree) - 1; i >= 0; i-- {
		if isReseller(a.Tree[i]) {
			return a.Tree[i]
		}
	}
	if len(a.Tree) > 0 {
		return a.Tree[0]
	}
	return a.ID
}

// Relations answers the two questions authorization asks about accounts.
type Relations interface {
	// InHierarchy reports whether a is b or one of b's ancestors.
	InHierarchy(a, b string) bool
	// IsAdmin reports whether the account is a superduper admin.
	IsAdmin(id string) bool
}

// Accounts is a set of loaded accounts keyed by id; it is a Relations. An
// account missing from the set is related only to itself and is no admin.
type Accounts map[string]*Account

// InHierarchy implements Relations.
func (s Accounts) InHierarchy(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	acc, ok := s[b]
	return ok && slices.Contains(acc.Tree, a)
}

// IsAdmin implements Relations.
func (s Accounts) IsAdmin(id string) bool {
	acc, ok := s[id]
	return ok && acc.SuperduperAdmin
}

// Requester is who asks for an operation: the system itself (bypasses every
// check), or an account.
type Requester struct {
	System    bool
	AccountID string
}

// SystemRequester is the requester that bypasses every authorization check.
var SystemRequester = Requester{System: true}

// By returns the requester for an account id.
func By(accountID string) Requester { return Requester{AccountID: accountID} }

// IsAdmin reports whether r is the system or a superduper admin account.
func (r Requester) IsAdmin(rel Relations) bool {
	return r.System || (r.AccountID != "" && rel.IsAdmin(r.AccountID))
}

// String is "system" or the account id, as Kazoo's auth_by.
func (r Requester) String() string {
	if r.System {
		return "system"
	}
	return r.AccountID
}

// IsAuthorized is Kazoo's is_authorized: may r act on n, which is about to
// be assigned to assignTo? The owner and its ancestors may; so may admins.
func IsAuthorized(n *Number, assignTo string, r Requester, rel Relations) bool {
	if r.System {
		return true
	}
	if r.AccountID == "" {
		return false
	}
	if r.IsAdmin(rel) {
		return true
	}
	switch {
	case n.AssignedTo == "" && assignTo == "":
		return false
	case n.AssignedTo == "":
		return rel.InHierarchy(r.AccountID, assignTo)
	default:
		return rel.InHierarchy(r.AccountID, n.AssignedTo)
	}
}

// IsReservedFromParent reports whether n is reserved by r's account or one
// of its ancestors: descendants may take such a number into service.
func IsReservedFromParent(n *Number, r Requester, rel Relations) bool {
	if n.State != Reserved || n.AssignedTo == "" || r.AccountID == "" {
		return false
	}
	return rel.IsAdmin(n.AssignedTo) || rel.InHierarchy(n.AssignedTo, r.AccountID)
}

// CanRead reports whether r may see n: anyone sees available numbers; the
// owner, its ancestors and admins see the rest; descendants see numbers
// reserved for them.
func CanRead(n *Number, r Requester, rel Relations) bool {
	return n.State == Available || IsAuthorized(n, "", r, rel) || IsReservedFromParent(n, r, rel)
}
