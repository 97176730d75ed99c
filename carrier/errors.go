package carrier

import (
	"errors"

	"github.com/numan-dev/numan/number"
)

// ErrKept is what Disconnect answers when the carrier keeps the number on
// purpose: with enable_provisioning off outside a sandbox, Numan (as Kazoo)
// never releases numbers at the carrier. The number is still held, so the
// manager puts it back in the pool instead of forgetting it.
var ErrKept = errors.New("the carrier keeps the number: enable_provisioning is off")

// DisconnectOff applies enable_provisioning and sandbox_provisioning to a
// release: with provisioning on, release (skip false); off in a sandbox,
// pretend it was released (nothing was really bought); off otherwise, the
// carrier keeps the number (ErrKept).
func DisconnectOff(enable, sandbox bool) (skip bool, err error) {
	switch {
	case enable:
		return false, nil
	case sandbox:
		return true, nil
	}
	return true, ErrKept
}

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
