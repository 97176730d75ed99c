package number

// authRule says who may make a transition.
type authRule int

const (
	anyone           authRule = iota // everyone may buy available and aging numbers
	ownerOrAncestor                  // is_authorized
	ownerOrRelatives                 // is_authorized or is_reserved_from_parent
)

// step is one allowed (from, to) pair: who may make it and what it does.
type step struct {
	auth        authRule
	assign      bool // give the number to assign_to
	pushHistory bool // push assign_to onto the reserve history
	acquire     bool // ask the carrier to buy the number
	allowMDN    bool // MDN numbers may make this step
}

// Transitions is Kazoo's transition table (knm_states), as data: target
// state -> current state -> step. A pair that is missing is an
// invalid_state_transition; a target that is missing altogether fails with
// no cause.
var transitions = map[State]map[State]step{
	Reserved: {
		Reserved:  {auth: ownerOrAncestor, assign: true, pushHistory: true, acquire: true},
		Discovery: {auth: ownerOrAncestor, assign: true, pushHistory: true, acquire: true},
		Available: {auth: ownerOrAncestor, assign: true, pushHistory: true},
		InService: {auth: ownerOrAncestor, assign: true, pushHistory: true},
	},
	InService: {
		InService: {auth: ownerOrAncestor, assign: true, allowMDN: true},
		Discovery: {auth: ownerOrAncestor, assign: true, acquire: true},
		PortIn:    {auth: ownerOrAncestor, assign: true},
		Available: {auth: anyone, assign: true},
		Aging:     {auth: anyone, assign: true},
		Reserved:  {auth: ownerOrRelatives, assign: true},
	},
	Available: {
		Available: {auth: ownerOrAncestor},
	},
	Aging: {
		Aging:     {auth: anyone},
		Released:  {auth: anyone},
		Available: {auth: anyone},
	},
	PortIn: {
		PortIn: {auth: anyone},
	},
}

// CanTransition reports whether the table has a step from one state to the
// other (ignoring who asks).
func CanTransition(from, to State) bool {
	_, ok := transitions[to][from]
	return ok
}

// TransitionResult tells the caller what a transition needs done outside
// the record.
type TransitionResult struct {
	Acquire bool // the carrier must buy the number
	Changed bool // the record changed
}

// Transition moves n to state to on behalf of r, giving it to assignTo where
// the step assigns. It changes n in place only when it succeeds.
func Transition(n *Number, to State, assignTo string, r Requester, rel Relations) (TransitionResult, error) {
	targets, ok := transitions[to]
	if !ok {
		return TransitionResult{}, NewError(KindInvalidStateTransition, n.Number)
	}
	from := n.State
	st, ok := targets[from]
	if n.IsMDN() && !st.allowMDN {
		if to == Reserved {
			from = "'MDN'"
		}
		return TransitionResult{}, &Error{Kind: KindInvalidStateTransition, Number: n.Number, Cause: transitionCause(from, to)}
	}
	if !ok {
		return TransitionResult{}, &Error{Kind: KindInvalidStateTransition, Number: n.Number, Cause: transitionCause(from, to)}
	}

	switch {
	case to == Reserved && from == Reserved:
		if assignTo == "" {
			return TransitionResult{}, &Error{Kind: KindForbidden, Number: n.Number, Cause: "can not assign to self"}
		}
		if assignTo == n.AssignedTo {
			return TransitionResult{}, &Error{Kind: KindNoChangeRequired, Number: n.Number}
		}
	case to == InService && from == InService && assignTo == n.AssignedTo:
		return TransitionResult{}, nil
	}

	var allowed bool
	switch st.auth {
	case anyone:
		allowed = true
	case ownerOrAncestor:
		allowed = IsAuthorized(n, assignTo, r, rel)
	case ownerOrRelatives:
		allowed = IsAuthorized(n, assignTo, r, rel) || IsReservedFromParent(n, r, rel)
	}
	if !allowed {
		return TransitionResult{}, NewError(KindForbidden, n.Number)
	}
	if st.assign && assignTo == "" {
		return TransitionResult{}, &Error{Kind: KindAssignFailure, Number: n.Number, Cause: "field_undefined"}
	}

	before := n.Clone()
	if st.pushHistory {
		n.pushReserve(assignTo)
	}
	if st.assign {
		n.SetAssignedTo(assignTo)
	}
	n.State = to
	changed := before.State != n.State || before.AssignedTo != n.AssignedTo || len(before.ReserveHistory) != len(n.ReserveHistory)
	return TransitionResult{Acquire: st.acquire, Changed: changed}, nil
}
