package number

// ReleasePolicy is the part of number_manager a release obeys.
type ReleasePolicy struct {
	ReleasedState           State // state of a number nobody holds any more (default available)
	ShouldAge               bool  // available numbers go to aging instead
	ShouldPermanentlyDelete bool  // every released number is deleted
}

// ReleaseResult tells the caller what the release needs done outside the record.
type ReleaseResult struct {
	Disconnect bool // nobody holds it any more: release it at the carrier
	Delete     bool // remove it from storage (state is Deleted)
}

// Release releases n on behalf of r (Kazoo's knm_ops:release): features and
// public fields are cleared, the reserve history unwinds to the previous
// reserver, and a number nobody holds goes to the released state, aging, or
// is deleted. Numbers of the default module may be released from any state,
// and those of local modules are deleted, as Kazoo's knm_local and knm_mdn
// numbers are. n changes only when the release is allowed.
func Release(n *Number, r Requester, rel Relations, p ReleasePolicy) (ReleaseResult, error) {
	releasedState := p.ReleasedState
	if releasedState == "" {
		releasedState = Available
	}
	switch n.State {
	case Released, Reserved, PortIn, InService:
	default:
		if !ModuleOf(n.ModuleName).Default {
			return ReleaseResult{}, &Error{Kind: KindInvalidStateTransition, Number: n.Number, Cause: transitionCause(n.State, releasedState)}
		}
	}
	if !IsAuthorized(n, "", r, rel) {
		return ReleaseResult{}, NewError(KindForbidden, n.Number)
	}
	n.ResetFeatures()
	if len(n.ReserveHistory) >= 2 {
		prev := n.ReserveHistory[1]
		n.ReserveHistory = n.ReserveHistory[1:]
		n.SetAssignedTo(prev)
		n.State = Reserved
		return ReleaseResult{}, nil
	}
	n.SetAssignedTo("")
	n.ReserveHistory = nil
	n.State = releasedState
	res := ReleaseResult{Disconnect: true}
	switch {
	case p.ShouldPermanentlyDelete || IsLocalModule(n.ModuleName):
		n.State = Deleted
		res.Delete = true
	case p.ShouldAge && n.State == Available:
		n.State = Aging
	}
	return res, nil
}
