package carrier

import "github.com/numan-dev/numan/number"

// Provisioning applies Kazoo's enable_provisioning and sandbox_provisioning
// flags to buying: with provisioning on, buy; off in a sandbox, pretend the
// buy succeeded (skip); off otherwise, refuse with provisioning_disabled.
func Provisioning(carrier, num string, enable, sandbox bool) (skip bool, err error) {
	switch {
	case enable:
		return false, nil
	case sandbox:
		return true, nil
	}
	return true, NotSent(&number.Error{Kind: number.KindUnspecified, Number: num, Message: "provisioning_disabled",
		Cause: carrier + ": enable_provisioning is false"})
}
