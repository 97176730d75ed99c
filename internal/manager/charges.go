package manager

import (
	"context"

	"github.com/numan-dev/numan/internal/billing"
)

// preflight is where the manager decides between quoting and committing,
// for create, move, update and reserve. Carriers are called while the
// numbers move through their states, before the save step prices them, so
// the only way to refuse an operation nobody can pay for (or that its
// caller has not accepted) without having bought a number is to rehearse
// it: run it dry once, then
//
//   - a caller that has not accepted charges (Op.QuoteFirst) gets the dry
//     run back when it costs anything (Result.NeedsAcceptance: Kazoo's 402
//     "accept charges") or when nothing in it would succeed;
//   - a quote an account cannot pay fails every number (not_enough_credit);
//   - otherwise the operation runs for real, once.
//
// nil means go ahead: dry runs, the real run that follows a rehearsal, and
// operations of callers that accepted charges on a manager that charges
// nothing are not rehearsed.
//
// A rehearsal reads and prices everything twice. When the caller accepted
// charges, the real run is tried first, unrehearsed. Before anything that
// cannot be taken back unpriced (buying from a remote carrier, a feature
// provider's action) it stops with nothing done, and the operation is
// rehearsed as above; so it does, with nothing written, when pricing
// fails, or when the account cannot pay for several numbers at once (the
// rehearsal refuses them all). What remains is priced before it is
// written, each number's charge in its write's transaction, where the
// ledger refuses a debit the account cannot cover. When
// the unrehearsed run of one number fails for any reason, nothing was
// written (one number, one transaction), and the rehearsed path runs too,
// so every refusal (not_enough_credit above all) reads as it always has.
func (m *Manager) preflight(ctx context.Context, nums []string, op Op, run func(Op) *Result) *Result {
	if op.DryRun || op.priced || op.unrehearsed || (m.billing == nil && !op.QuoteFirst) {
		return nil
	}
	if !op.QuoteFirst {
		try := op
		try.unrehearsed = true
		res := run(try)
		if !res.needsRehearsal && (len(nums) > 1 || res.OK()) {
			return res
		}
	}
	dry := op
	dry.DryRun = true
	dry.plans = &billing.Plans{}
	rehearsal := run(dry)
	if op.QuoteFirst {
		if len(rehearsal.Charges) > 0 {
			rehearsal.NeedsAcceptance = true
			return rehearsal
		}
		if len(rehearsal.Succeeded) == 0 {
			return rehearsal
		}
	}
	if rehearsal.pricingErr != nil {
		return m.failAll(ctx, nums, rehearsal.pricingErr)
	}
	if len(rehearsal.Charges) > 0 {
		if err := m.billing.CheckCredit(ctx, rehearsal.Charges); err != nil {
			return m.failAll(ctx, nums, err)
		}
	}
	real := op
	real.priced = true
	real.quote = rehearsal.Charges
	real.plans = dry.plans
	return run(real)
}
