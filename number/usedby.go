package number

import "regexp"

// AppTrunkstore is the application whose numbers may have failover (Kazoo
// denies the failover feature to any number not used by trunkstore).
const AppTrunkstore = "trunkstore"

// usedByRe is what an application name may look like: Kazoo's apps are
// short lower-case words (callflow, trunkstore, mobile, port).
var usedByRe = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// ValidUsedBy reports whether app may be stored as a number's used_by: a
// short lower-case name such as callflow or trunkstore. "" (clear) is valid.
func ValidUsedBy(app string) bool { return app == "" || usedByRe.MatchString(app) }

// SetUsedBy records the application that routes n (Kazoo's assign_to_app);
// "" clears it. Failover is only for trunkstore numbers, so a number leaving
// trunkstore loses the failover feature and its request: kept, the request
// would be a denied feature and refuse every later update of the number.
func (n *Number) SetUsedBy(app string) {
	if n.UsedBy == AppTrunkstore && app != AppTrunkstore {
		delete(n.Features, FeatureFailover)
		delete(n.Public, FeatureFailover)
	}
	n.UsedBy = app
}
