package number

import "fmt"

// State is where a number is in its lifecycle.
type State string

// The nine states of Kazoo's number manager.
const (
	Discovery State = "discovery" // a carrier offered it in a search; not ours yet
	PortIn    State = "port_in"   // being ported in; routed inside the account only
	Available State = "available" // ours, unowned: anyone in good standing may take it
	Reserved  State = "reserved"  // owned, not routed
	InService State = "in_service"
	Released  State = "released" // optional intermediate state after release
	PortOut   State = "port_out"
	Aging     State = "aging"   // released, resting before it becomes available again
	Deleted   State = "deleted" // hard-deleted: never stored, only returned
)

// States lists every state in a stable order.
var States = []State{Discovery, PortIn, Available, Reserved, InService, Released, PortOut, Aging, Deleted}

// ParseState returns the State named s or an invalid error.
func ParseState(s string) (State, error) {
	for _, st := range States {
		if string(st) == s {
			return st, nil
		}
	}
	return "", Errorf(KindInvalid, "", "unknown state %q", s)
}

// Valid reports whether s is one of the nine states.
func (s State) Valid() bool {
	_, err := ParseState(string(s))
	return err == nil
}

func (s State) String() string { return string(s) }

// Holds reports whether a number in state s is owned by an account
// (assigned_to is meaningful).
func (s State) Holds() bool {
	switch s {
	case PortIn, Reserved, InService, PortOut:
		return true
	}
	return false
}

// transitionCause is the cause Kazoo puts in invalid_state_transition errors.
func transitionCause(from, to State) string {
	f := string(from)
	if f == "" {
		f = "(nothing)"
	}
	return fmt.Sprintf("from %s to %s", f, to)
}
