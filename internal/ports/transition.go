package ports

import (
	"context"
	"encoding/json"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// Transition moves a port request to state to (PATCH .../{id}/{state},
// reference B.7). The body, when given, is merged over the document first
// (a schedule_on for scheduled, new comments); reason goes into the
// request's history. The table (B.3) and the authority rules decide;
// scheduled needs a scheduled_date or schedule_on. The numbers move in the
// same transaction as the state: claimed as port_in numbers on submission,
// removed on rejection and cancellation, put in service on completion.
func (s *Service) Transition(ctx context.Context, by By, accountID, id string, to State, body number.Doc, reason string) (View, error) {
	var view View
	err := s.mutate(ctx, by, accountID, id, func(sc scope, m *mutation) error {
		p := sc.p
		if len(body) > 0 {
			doc := mergeDoc(p, Merge, publicPart(body))
			if err := s.apply(ctx, sc, m, by, doc, p.State == Unconfirmed || p.State == Rejected); err != nil {
				return err
			}
		}
		if err := s.move(ctx, sc, m, by, to, reason); err != nil {
			return err
		}
		m.after = func() { view = p.view(sc.seePrivate(by)) }
		return nil
	})
	return view, err
}

// move makes one transition of sc's request in m, checking the table and
// the authority rules.
func (s *Service) move(ctx context.Context, sc scope, m *mutation, by By, to State, reason string) error {
	p := sc.p
	cfg, _, err := s.mgr.Config(ctx)
	if err != nil {
		return err
	}
	if !CanMove(p.State, to, cfg.AllowPortTransitionFromSubmittedToScheduled) {
		return invalid("port_state", "enum", "Cannot move to new state from current state", "cause", string(to))
	}
	if !mayMove(sc, by, to) {
		return invalid("port_state", "enum", "you're not allowed to change to new state from current state, please contact your port authority", "cause", string(to))
	}
	if to == Scheduled {
		_, hasDate := p.Public["scheduled_date"]
		_, hasOn := p.Public["schedule_on"]
		if !hasDate && !hasOn {
			return invalid("schedule_on", "required", "Field is required but missing: a scheduled request needs schedule_on or scheduled_date")
		}
	}
	from := p.State
	mv := Move{New: to, Previous: from}
	p.Transitions = append([]Transition{{
		Authorization: Authorization{Account: AccountRef{ID: by.id(), Name: by.name()}, Reason: reason},
		Reason:        reason, Timestamp: manager.Gregorian(m.now), Transition: mv, Type: "transition",
	}}, p.Transitions...)
	p.State = to
	switch to {
	case Submitted:
		m.claim = true
	case Rejected, Canceled:
		m.drop = from.holdsNumbers()
	case Completed:
		m.complete = true
		p.PortedNumbers = p.Public["numbers"]
		p.Public["numbers"] = json.RawMessage(`{}`)
	}
	s.carrierOnMove(ctx, sc, m, by, from, to)
	m.notify.transition(mv, reason)
	return nil
}
