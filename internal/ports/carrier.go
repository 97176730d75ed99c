package ports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// carrierDeadline bounds one pass's calls to a carrier for one request
// (a submission uploads documents and makes several calls).
const carrierDeadline = 2 * time.Minute

// lease is how long a node that took a request for a carrier call keeps
// it: longer than carrierDeadline, so no other node calls the carrier for
// the same request meanwhile.
const lease = 5 * time.Minute

// carrierOnMove sets what the carrier follower does after a transition
// made by a person (or the system): a submission of a request the master
// handles goes to number_manager.port_carrier; a request rejected or
// canceled by a person is canceled at its carrier; one completed by hand
// is no longer followed.
func (s *Service) carrierOnMove(ctx context.Context, sc scope, m *mutation, by By, from, to State) {
	p := sc.p
	switch {
	case to == Submitted:
		name, ok := s.portCarrier(ctx, sc)
		if !ok {
			p.Carrier, p.NextCheck = nil, time.Time{}
			return
		}
		sub := 1
		if p.Carrier != nil {
			sub = p.Carrier.Submission + 1
		}
		p.Carrier = &CarrierOrder{Name: name, Phase: phaseSubmit, Submission: sub}
		p.NextCheck = m.now
	case p.Carrier == nil || p.Carrier.Phase == "":
	case by.Account == nil:
		// The follower sets its own phases.
	case to == Rejected || to == Canceled:
		if len(p.Carrier.Ref.IDs) == 0 && p.Carrier.Attempts == 0 {
			// Never sent: nothing to cancel.
			p.Carrier.Phase, p.NextCheck = "", time.Time{}
			return
		}
		p.Carrier.Phase, p.Carrier.Attempts, p.NextCheck = phaseCancel, 0, m.now
	case to == Completed:
		p.Carrier.Phase, p.NextCheck = "", time.Time{}
	}
}

// portCarrier is the carrier sc's request is submitted to, when
// number_manager.port_carrier names one that ports numbers in and the
// master handles the request (Kazoo submitted to its phonebook only the
// requests the master handled). ok is false for a request moved by hand.
func (s *Service) portCarrier(ctx context.Context, sc scope) (string, bool) {
	cfg, _, err := s.mgr.Config(ctx)
	if err != nil || cfg.PortCarrier == "" || sc.p.AuthorityID != master(sc.acc) {
		return "", false
	}
	c, err := s.mgr.Carrier(ctx, cfg.PortCarrier)
	if err != nil {
		s.log.WarnContext(ctx, "number_manager.port_carrier cannot be built; port requests are moved by hand", "carrier", cfg.PortCarrier, "err", err)
		return "", false
	}
	if _, ok := c.(carrier.Porter); !ok {
		s.log.WarnContext(ctx, "number_manager.port_carrier does not port numbers in; port requests are moved by hand", "carrier", cfg.PortCarrier)
		return "", false
	}
	return cfg.PortCarrier, true
}

// FollowReport says what one pass of FollowCarriers did.
type FollowReport struct {
	Submitted int // requests submitted to their carrier
	Moved     int // transitions made from a carrier's status
	Canceled  int // requests canceled at their carrier
	Errors    []error
}

// followBatch bounds the requests one pass looks at.
const followBatch = 100

// FollowCarriers is the background job of carrier porting: every request
// whose next check has come is submitted to its carrier, followed there
// (moved through pending and scheduled to completed or rejected from the
// carrier's status, the carrier's messages recorded as private comments
// and its reasons for a rejection as a public one), or canceled there.
// A carrier call that may have acted is retried, never forgotten: the
// phase stays until the carrier answers.
func (s *Service) FollowCarriers(ctx context.Context) FollowReport {
	var rep FollowReport
	due, err := s.st.DuePorts(ctx, s.now().UTC(), followBatch)
	if err != nil {
		rep.Errors = append(rep.Errors, err)
		return rep
	}
	for _, rec := range due {
		if err := s.followOne(ctx, rec.ID, &rep); err != nil {
			rep.Errors = append(rep.Errors, fmt.Errorf("port request %s: %w", rec.ID, err))
		}
	}
	return rep
}

// followOne takes one request for a pass (the lease), calls its carrier,
// and writes what the carrier said.
func (s *Service) followOne(ctx context.Context, id string, rep *FollowReport) error {
	var (
		order CarrierOrder
		taken bool
	)
	// Take the request: its next check moves past the lease, so another
	// node's pass leaves it alone while this one calls the carrier.
	err := s.mutate(ctx, System("numan"), "", id, func(sc scope, m *mutation) error {
		p := sc.p
		if p.NextCheck.IsZero() || p.NextCheck.After(m.now) {
			m.noop = true // taken by another pass
			return nil
		}
		if p.Carrier == nil || p.Carrier.Phase == "" {
			p.NextCheck = time.Time{}
			return nil
		}
		p.Carrier.Attempts++
		p.NextCheck = m.now.Add(lease)
		order, taken = *p.Carrier, true
		return nil
	})
	if err != nil || !taken {
		return err
	}
	by := System(order.Name)
	c, err := s.mgr.Carrier(ctx, order.Name)
	var porter carrier.Porter
	if err == nil {
		var ok bool
		if porter, ok = c.(carrier.Porter); !ok {
			err = fmt.Errorf("carrier %s does not port numbers in", order.Name)
		}
	}
	if err != nil {
		return s.retryLater(ctx, id, order, err)
	}
	cctx, cancel := context.WithTimeout(ctx, carrierDeadline)
	defer cancel()
	switch order.Phase {
	case phaseSubmit:
		return s.submit(cctx, ctx, id, order, c, porter, by, rep)
	case phaseFollow:
		st, err := porter.PortStatus(cctx, order.Ref)
		if err != nil {
			return s.retryLater(ctx, id, order, err)
		}
		return s.applyStatus(ctx, id, order, st, by, rep)
	case phaseCancel:
		err := error(nil)
		if len(order.Ref.IDs) > 0 {
			err = porter.CancelPort(cctx, order.Ref)
		}
		if err != nil && !carrier.IsDefiniteRefusal(err) {
			return s.retryLater(ctx, id, order, err)
		}
		note := "Canceled at " + order.Name + "."
		switch {
		case len(order.Ref.IDs) == 0:
			note = "A submission to " + order.Name + " was interrupted and may have left an order there: check and cancel it at the carrier."
		case err != nil:
			note = order.Name + " refused to cancel the port: " + carrierReason(err)
		default:
			rep.Canceled++
		}
		return s.mutate(ctx, by, "", id, func(sc scope, m *mutation) error {
			p := sc.p
			if p.Carrier == nil || p.Carrier.Phase != phaseCancel {
				return nil
			}
			p.Carrier.Phase, p.Carrier.LastError, p.NextCheck = "", "", time.Time{}
			s.carrierComment(m, p, by, note, true)
			return nil
		})
	}
	return nil
}

// submit checks portability (on the first attempt, where the carrier
// offers a check) and submits the request.
func (s *Service) submit(cctx, ctx context.Context, id string, order CarrierOrder, c carrier.Carrier, porter carrier.Porter, by By, rep *FollowReport) error {
	sc, err := s.load(ctx, by, "", id)
	if err != nil {
		return err
	}
	if checker, ok := c.(carrier.PortabilityChecker); ok && order.Attempts == 1 {
		res, err := checker.CheckPortability(cctx, sc.p.Numbers)
		if err != nil {
			return s.retryLater(ctx, id, order, err)
		}
		var why []string
		for _, n := range sc.p.Numbers {
			r, ok := res[n]
			switch {
			case !ok:
				why = append(why, n+": "+order.Name+" did not say whether it is portable")
			case !r.Portable:
				why = append(why, n+": "+strings.TrimSpace(r.Reason))
			}
		}
		if len(why) > 0 {
			return s.refuse(ctx, id, order, by, "Not portable to "+order.Name+": "+strings.Join(why, "; "))
		}
	}
	sub, err := s.submission(ctx, sc, order)
	if err != nil {
		return err
	}
	ref, err := porter.SubmitPort(cctx, sub)
	switch {
	case err == nil:
	case carrier.IsDefiniteRefusal(err):
		return s.refuse(ctx, id, order, by, order.Name+" refused the port: "+carrierReason(err))
	default:
		return s.retryLater(ctx, id, order, err)
	}
	rep.Submitted++
	return s.mutate(ctx, by, "", id, func(sc scope, m *mutation) error {
		p := sc.p
		if p.Carrier == nil || p.Carrier.Phase != phaseSubmit || p.Carrier.Submission != order.Submission {
			// Canceled or resubmitted meanwhile: the order stays known,
			// to be canceled.
			if p.Carrier != nil && p.Carrier.Submission == order.Submission {
				p.Carrier.Ref = ref
			}
			return nil
		}
		p.Carrier.Ref, p.Carrier.Phase, p.Carrier.Attempts, p.Carrier.LastError = ref, phaseFollow, 0, ""
		p.Sent = true
		p.NextCheck = m.now.Add(s.checkInterval(ctx))
		s.carrierComment(m, p, by, "Submitted to "+order.Name+" (order "+strings.Join(ref.IDs, ", ")+").", true)
		return nil
	})
}

// refuse rejects a request its carrier refused, telling the submitter
// why in a public comment.
func (s *Service) refuse(ctx context.Context, id string, order CarrierOrder, by By, why string) error {
	return s.mutate(ctx, by, "", id, func(sc scope, m *mutation) error {
		p := sc.p
		if p.Carrier == nil || p.Carrier.Phase != order.Phase || p.Carrier.Submission != order.Submission {
			return nil
		}
		p.Carrier.Phase, p.Carrier.LastError, p.NextCheck = "", why, time.Time{}
		s.carrierComment(m, p, by, why, false)
		if CanMove(p.State, Rejected, false) {
			return s.move(ctx, sc, m, by, Rejected, why)
		}
		return nil
	})
}

// retryLater records a failure that may not be final and looks again
// later, sooner after the first failures.
func (s *Service) retryLater(ctx context.Context, id string, order CarrierOrder, cause error) error {
	s.log.WarnContext(ctx, "port request at its carrier: will try again", "port_request", id, "carrier", order.Name, "phase", order.Phase, "err", cause)
	err := s.mutate(ctx, System(order.Name), "", id, func(sc scope, m *mutation) error {
		p := sc.p
		if p.Carrier == nil || p.Carrier.Phase != order.Phase {
			return nil
		}
		p.Carrier.LastError = cause.Error()
		wait := time.Duration(1<<min(p.Carrier.Attempts, 6)) * time.Minute
		p.NextCheck = m.now.Add(min(wait, s.checkInterval(ctx)))
		return nil
	})
	if err != nil {
		return err
	}
	return cause
}

// applyStatus moves a request from its carrier's status: through pending
// and scheduled to completed, or to rejected or canceled; the carrier's
// new messages become private comments.
func (s *Service) applyStatus(ctx context.Context, id string, order CarrierOrder, st carrier.PortStatus, by By, rep *FollowReport) error {
	err := s.mutate(ctx, by, "", id, func(sc scope, m *mutation) error {
		p := sc.p
		if p.Carrier == nil || p.Carrier.Phase != phaseFollow {
			return nil
		}
		p.Carrier.Status, p.Carrier.LastError, p.Carrier.Attempts = st.Status, "", 0
		for _, msg := range st.Messages {
			if msg.ID == "" || slices.Contains(p.Carrier.Seen, msg.ID) {
				continue
			}
			p.Carrier.Seen = append(p.Carrier.Seen, msg.ID)
			author := order.Name
			if msg.Author != "" {
				author += " (" + msg.Author + ")"
			}
			c := Comment{AccountID: "system", Author: author, Content: msg.Text, IsPrivate: true, Timestamp: gregorianOr(msg.Time, m.now)}
			addComments(p, []Comment{c})
			m.notify.comment(c)
		}
		p.NextCheck = m.now.Add(s.checkInterval(ctx))
		moved, err := s.follow(ctx, sc, m, by, st)
		rep.Moved += moved
		return err
	})
	if err == nil || number.IsKind(err, number.KindConflict) {
		return err
	}
	// The carrier moved the port, Numan cannot follow (a completion whose
	// number another account took meanwhile): an operator must.
	why := "Numan could not follow " + order.Name + " (" + st.Status + "): " + err.Error()
	_ = s.mutate(ctx, by, "", id, func(sc scope, m *mutation) error {
		p := sc.p
		if p.Carrier == nil || p.Carrier.Phase != phaseFollow {
			return nil
		}
		p.Carrier.Phase, p.Carrier.LastError, p.NextCheck = "", why, time.Time{}
		s.carrierComment(m, p, by, why, true)
		return nil
	})
	return err
}

// follow makes the transitions that bring a request to its carrier's
// state; it returns how many it made.
func (s *Service) follow(ctx context.Context, sc scope, m *mutation, by By, st carrier.PortStatus) (int, error) {
	p := sc.p
	var path []State
	switch st.State {
	case carrier.PortPending:
		path = []State{Pending}
	case carrier.PortScheduled:
		if !st.Date.IsZero() {
			before := scheduledOf(p)
			p.Public.Set("scheduled_date", manager.Gregorian(st.Date))
			if p.State == Scheduled && before != scheduledOf(p) {
				m.notify.rescheduled()
			}
		}
		path = []State{Pending, Scheduled}
	case carrier.PortCompleted:
		path = []State{Pending, Completed}
		p.Carrier.Phase, p.NextCheck = "", time.Time{}
	case carrier.PortRejected:
		why := st.Reason
		if why == "" {
			why = st.Status
		}
		why = order(p).Name + " rejected the port: " + why
		s.carrierComment(m, p, by, why, false)
		p.Carrier.Phase, p.Carrier.LastError, p.NextCheck = "", why, time.Time{}
		if CanMove(p.State, Rejected, false) {
			return 1, s.move(ctx, sc, m, by, Rejected, why)
		}
		return 0, nil
	case carrier.PortCanceled:
		p.Carrier.Phase, p.NextCheck = "", time.Time{}
		if CanMove(p.State, Canceled, false) {
			return 1, s.move(ctx, sc, m, by, Canceled, "canceled at "+order(p).Name)
		}
		return 0, nil
	}
	moved := 0
	for _, to := range path {
		if p.State == to || !CanMove(p.State, to, false) {
			continue
		}
		if err := s.move(ctx, sc, m, by, to, order(p).Name+": "+st.Status); err != nil {
			return moved, err
		}
		moved++
	}
	return moved, nil
}

func order(p *Port) *CarrierOrder { return p.Carrier }

// carrierComment records a comment of the carrier follower.
func (s *Service) carrierComment(m *mutation, p *Port, by By, text string, private bool) {
	c := Comment{AccountID: "system", Author: by.name(), Content: text, IsPrivate: private, Timestamp: manager.Gregorian(m.now)}
	addComments(p, []Comment{c})
	m.notify.comment(c)
}

// checkInterval is number_manager.port_check_interval_s.
func (s *Service) checkInterval(ctx context.Context) time.Duration {
	cfg, _, err := s.mgr.Config(ctx)
	if err != nil || cfg.PortCheckIntervalS <= 0 {
		return 15 * time.Minute
	}
	return time.Duration(cfg.PortCheckIntervalS) * time.Second
}

func gregorianOr(t, def time.Time) int64 {
	if t.IsZero() {
		return manager.Gregorian(def)
	}
	return manager.Gregorian(t)
}

// carrierReason is a carrier failure as the submitter may read it.
func carrierReason(err error) string {
	var ne *number.Error
	if errors.As(err, &ne) {
		if ne.Cause != "" {
			return ne.Cause
		}
		return ne.Msg()
	}
	return err.Error()
}

// submission is what the carrier is sent for sc's request: its bill,
// numbers, dates and documents (an LOA generated from the request when
// none is attached).
func (s *Service) submission(ctx context.Context, sc scope, order CarrierOrder) (carrier.PortSubmission, error) {
	p := sc.p
	var bill map[string]string
	p.Public.Get("bill", &bill)
	var signee, losing string
	p.Public.Get("signee_name", &signee)
	if !p.Public.Get("carrier", &losing) || losing == "" {
		losing = bill["carrier"]
	}
	sub := carrier.PortSubmission{
		Reference:     fmt.Sprintf("%s-%d", p.ID, order.Submission),
		Numbers:       slices.Clone(p.Numbers),
		LosingCarrier: losing,
		EntityName:    bill["name"],
		AccountNumber: bill["account_number"],
		PIN:           bill["pin"],
		BillingNumber: bill["btn"],
		AuthorizedBy:  signee,
		Address: carrier.PortAddress{
			HouseNumber: bill["street_number"],
			Street:      strings.Join(strings.Fields(strings.Join([]string{bill["street_pre_dir"], bill["street_address"], bill["street_type"], bill["street_post_dir"]}, " ")), " "),
			Extended:    bill["extended_address"],
			Locality:    bill["locality"],
			Region:      bill["region"],
			PostalCode:  bill["postal_code"],
		},
	}
	pin, err := s.openPIN(sub.PIN)
	if err != nil {
		return sub, err
	}
	sub.PIN = pin
	if btn, err := s.mgr.Normalize(ctx, sub.BillingNumber); err == nil {
		sub.BillingNumber = btn
	}
	var transfer int64
	if p.Public.Get("transfer_date", &transfer) && transfer > 0 {
		sub.RequestedDate = manager.FromGregorian(transfer)
	}
	haveLOA := false
	for _, name := range sortedKeys(p.Uploads) {
		a, err := s.st.GetPortAttachment(ctx, p.ID, name)
		if err != nil {
			return sub, err
		}
		kind := documentKind(name)
		haveLOA = haveLOA || kind == carrier.DocumentLOA
		sub.Documents = append(sub.Documents, carrier.PortDocument{Kind: kind, Name: name, ContentType: a.ContentType, Data: a.Data})
	}
	if !haveLOA {
		sub.Documents = append(sub.Documents, carrier.PortDocument{Kind: carrier.DocumentLOA, Name: "loa.pdf", ContentType: "application/pdf", Data: s.loaPDF(ctx, sc)})
	}
	return sub, nil
}

// documentKind guesses what an attachment is from its name, as UIs name
// them (loa.pdf, bill.pdf).
func documentKind(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "loa"):
		return carrier.DocumentLOA
	case strings.Contains(n, "bill"), strings.Contains(n, "invoice"):
		return carrier.DocumentInvoice
	}
	return carrier.DocumentOther
}
