package ports

import (
	"slices"
	"strings"
)

// State is where a port request stands (Kazoo's port_state).
type State string

// The seven states of a port request.
const (
	Unconfirmed State = "unconfirmed" // the initial state; Kazoo's alias: waiting
	Submitted   State = "submitted"
	Pending     State = "pending"
	Scheduled   State = "scheduled"
	Completed   State = "completed"
	Rejected    State = "rejected"
	Canceled    State = "canceled"
)

// States lists every state in Kazoo's order.
var States = []State{Unconfirmed, Submitted, Pending, Scheduled, Completed, Rejected, Canceled}

// ParseState returns the state named s ("waiting" is unconfirmed); ok is
// false for anything else.
func ParseState(s string) (State, bool) {
	if s == "waiting" {
		return Unconfirmed, true
	}
	st := State(s)
	return st, slices.Contains(States, st)
}

// groups are the names by_types accepts besides the states themselves.
var groups = map[string][]State{
	"active":      {Unconfirmed, Submitted, Pending, Scheduled, Rejected},
	"progressing": {Submitted, Pending, Scheduled},
	"suspended":   {Unconfirmed, Rejected},
	"completed":   {Completed, Canceled},
	"all":         States,
}

// ParseTypes reads a by_types value: a comma-separated list of states and
// group names (active, progressing, suspended, completed, all); "" is
// active. It returns the states in Kazoo's order and the names it did not
// know.
func ParseTypes(s string) (states []State, unknown []string) {
	if strings.TrimSpace(s) == "" {
		s = "active"
	}
	want := map[State]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if g, ok := groups[name]; ok {
			for _, st := range g {
				want[st] = true
			}
			continue
		}
		if st, ok := ParseState(name); ok {
			want[st] = true
			continue
		}
		unknown = append(unknown, name)
	}
	for _, st := range States {
		if want[st] {
			states = append(states, st)
		}
	}
	return states, unknown
}

// Terminal reports whether no transition leaves st: completed and
// canceled. A request in any other state is active: no other active
// request may hold its numbers.
func (st State) Terminal() bool { return st == Completed || st == Canceled }

// holdsNumbers reports whether a request in st has its numbers in port_in
// for its account, tied to it (manager.PortKey): submitted, pending and
// scheduled, the states in which Kazoo answered number_is_porting.
func (st State) holdsNumbers() bool { return st == Submitted || st == Pending || st == Scheduled }

// timeRanged reports whether listings bound st by modified_from and
// modified_to (Kazoo's finished states).
func (st State) timeRanged() bool { return st == Completed || st == Canceled }

// transitions is Kazoo's transition table (reference B.3): target state ->
// the states it may be reached from. There is no way back to unconfirmed;
// completed and canceled are terminal.
var transitions = map[State][]State{
	Submitted: {Unconfirmed, Rejected},
	Pending:   {Submitted},
	Scheduled: {Submitted, Pending}, // from submitted only when the system config allows it
	Completed: {Pending, Scheduled, Rejected},
	Rejected:  {Submitted, Pending, Scheduled},
	Canceled:  {Unconfirmed, Submitted, Pending, Scheduled, Rejected},
}

// CanMove reports whether the table allows from -> to.
// submittedToScheduled is number_manager's
// allow_port_transition_from_submitted_to_scheduled.
func CanMove(from, to State, submittedToScheduled bool) bool {
	if to == Scheduled && from == Submitted {
		return submittedToScheduled
	}
	return slices.Contains(transitions[to], from)
}
