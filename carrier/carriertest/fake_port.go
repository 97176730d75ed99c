package carriertest

import (
	"context"
	"fmt"
	"slices"

	"github.com/numan-dev/numan/carrier"
)

// The fake's porting calls, for holds and counts.
const (
	OpPortCheck  Op = "port_check"
	OpPortSubmit Op = "port_submit"
	OpPortStatus Op = "port_status"
	OpPortCancel Op = "port_cancel"
)

// fakePorts is what the fake's porting (carrier.Porter and
// carrier.PortabilityChecker) is scripted with and saw.
type fakePorts struct {
	notPortable map[string]string // number -> reason; others are portable
	submitErr   error
	statusErr   error
	cancelErr   error
	status      carrier.PortStatus
	submissions []carrier.PortSubmission // every call, in order
	orders      map[string]string        // reference -> order id
	canceled    []string
}

// SetNotPortable makes CheckPortability answer that e164 is not portable,
// for reason.
func (f *Fake) SetNotPortable(e164, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ports.notPortable == nil {
		f.ports.notPortable = map[string]string{}
	}
	f.ports.notPortable[e164] = reason
}

// FailSubmitPort makes SubmitPort fail with err (nil: succeed again).
// Like a real carrier's, a submission that failed after the order was
// made is found again by its reference on the next call.
func (f *Fake) FailSubmitPort(err error) { f.mu.Lock(); f.ports.submitErr = err; f.mu.Unlock() }

// FailPortStatus makes PortStatus fail with err (nil: answer again).
func (f *Fake) FailPortStatus(err error) { f.mu.Lock(); f.ports.statusErr = err; f.mu.Unlock() }

// FailCancelPort makes CancelPort fail with err (nil: succeed again).
func (f *Fake) FailCancelPort(err error) { f.mu.Lock(); f.ports.cancelErr = err; f.mu.Unlock() }

// SetPortStatus sets what PortStatus answers for every port from now on
// (initially pending).
func (f *Fake) SetPortStatus(st carrier.PortStatus) { f.mu.Lock(); f.ports.status = st; f.mu.Unlock() }

// PortSubmissions returns every SubmitPort call's submission, in order.
func (f *Fake) PortSubmissions() []carrier.PortSubmission {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ports.submissions)
}

// PortOrders returns how many distinct orders submissions made.
func (f *Fake) PortOrders() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ports.orders)
}

// CanceledPorts returns the order ids CancelPort canceled, in order.
func (f *Fake) CanceledPorts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ports.canceled)
}

// CheckPortability implements carrier.PortabilityChecker.
func (f *Fake) CheckPortability(ctx context.Context, nums []string) (map[string]carrier.Portability, error) {
	if err := f.enter(ctx, OpPortCheck); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]carrier.Portability{}
	for _, n := range nums {
		reason, bad := f.ports.notPortable[n]
		out[n] = carrier.Portability{Portable: !bad, Reason: reason}
	}
	return out, nil
}

// SubmitPort implements carrier.Porter: one order per reference, made
// before a scripted failure is returned (as a carrier that acted and then
// failed to answer).
func (f *Fake) SubmitPort(ctx context.Context, s carrier.PortSubmission) (carrier.PortRef, error) {
	if err := f.enter(ctx, OpPortSubmit); err != nil {
		return carrier.PortRef{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ports.submissions = append(f.ports.submissions, s)
	if f.ports.orders == nil {
		f.ports.orders = map[string]string{}
	}
	id, ok := f.ports.orders[s.Reference]
	if !ok {
		id = fmt.Sprintf("fake-port-%d", fakeOrderSeq.Add(1))
		f.ports.orders[s.Reference] = id
	}
	if f.ports.submitErr != nil {
		return carrier.PortRef{}, f.ports.submitErr
	}
	return carrier.PortRef{IDs: []string{id}}, nil
}

// PortStatus implements carrier.Porter.
func (f *Fake) PortStatus(ctx context.Context, ref carrier.PortRef) (carrier.PortStatus, error) {
	if err := f.enter(ctx, OpPortStatus); err != nil {
		return carrier.PortStatus{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ports.statusErr != nil {
		return carrier.PortStatus{}, f.ports.statusErr
	}
	st := f.ports.status
	if st.State == "" {
		st.State, st.Status = carrier.PortPending, "submitted"
	}
	st.Messages = slices.Clone(st.Messages)
	return st, nil
}

// CancelPort implements carrier.Porter.
func (f *Fake) CancelPort(ctx context.Context, ref carrier.PortRef) error {
	if err := f.enter(ctx, OpPortCancel); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ports.cancelErr != nil {
		return f.ports.cancelErr
	}
	f.ports.canceled = append(f.ports.canceled, ref.IDs...)
	return nil
}

var (
	_ carrier.Porter             = (*Fake)(nil)
	_ carrier.PortabilityChecker = (*Fake)(nil)
)
