package number

// The fixture world of kazoo-test-scenarios §1.1, plus one account below
// CHILD so that "descendant of the owner" has a non-admin example.
const (
	master     = "00000000000000000000000000000001" // superduper admin, root
	reseller   = "00000000000000000000000000000002" // child of MASTER
	child      = "00000000000000000000000000000003" // child of RESELLER
	grandchild = "00000000000000000000000000000004" // child of CHILD
	unrelated  = "unrelated_account_b113394f16cb71" // has no account document
)

func fixtureAccounts() Accounts {
	return Accounts{
		master:     {ID: master, Name: "Master Account", SuperduperAdmin: true, AllowNumberAdditions: true, Enabled: true, Reseller: true},
		reseller:   {ID: reseller, Name: "Sub Account", ParentID: master, Tree: []string{master}, AllowNumberAdditions: true, Enabled: true, Reseller: true},
		child:      {ID: child, Name: "Sub-Sub Account", ParentID: reseller, Tree: []string{master, reseller}, Enabled: true},
		grandchild: {ID: grandchild, Name: "Sub-Sub-Sub Account", ParentID: child, Tree: []string{master, reseller, child}, Enabled: true},
	}
}

// ancestorsOf is the same tree written out by hand, so that expectations
// do not lean on Accounts' own hierarchy code.
var ancestorsOf = map[string][]string{
	master:     nil,
	reseller:   {master},
	child:      {master, reseller},
	grandchild: {master, reseller, child},
}

// wantInHierarchy is §2.2's in_hierarchy(a, b): a is b or an ancestor of b.
func wantInHierarchy(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	for _, x := range ancestorsOf[b] {
		if x == a {
			return true
		}
	}
	return false
}

// relation names who asks, relative to the owner CHILD.
type relation struct {
	name string
	req  Requester
}

var relations = []relation{
	{"system", SystemRequester},
	{"superduper admin", By(master)},
	{"owner", By(child)},
	{"ancestor of owner", By(reseller)},
	{"descendant of owner", By(grandchild)},
	{"unrelated account", By(unrelated)},
	{"no requester", Requester{}},
}

// wantIsAdmin is §2.2's is_admin.
func wantIsAdmin(r Requester) bool { return r.System || r.AccountID == master }

// wantIsAuthorized is §2.2's is_authorized, written from the reference.
func wantIsAuthorized(r Requester, assignedTo, assignTo string) bool {
	switch {
	case r.System:
		return true
	case r.AccountID == "":
		return false
	case wantIsAdmin(r):
		return true
	case assignedTo == "" && assignTo == "":
		return false
	case assignedTo == "":
		return wantInHierarchy(r.AccountID, assignTo)
	default:
		return wantInHierarchy(r.AccountID, assignedTo)
	}
}

// wantReservedFromParent is §2.2's reserved_from_parent.
func wantReservedFromParent(state State, assignedTo string, r Requester) bool {
	return state == Reserved && assignedTo != "" && (assignedTo == master || wantInHierarchy(assignedTo, r.AccountID))
}
