package manager

import "context"

// preflight makes a real run ask the Charges hook before anything is
// bought or written. Carriers are called while the numbers move through
// their states, before the save step prices them, so the only way to refuse
// an operation nobody can pay for (not_enough_credit) without having bought
// a number is to rehearse it: run it dry, then hand the hook the changes
// with the real options. A refusal fails every number; nil means go ahead.
// Dry runs, and managers without a Charges hook, skip it.
func (m *Manager) preflight(ctx context.Context, nums []string, op Op, run func(Op) *Result) *Result {
	if op.DryRun || m.hooks.Charges == nil {
		return nil
	}
	dry := op
	dry.DryRun = true
	rehearsal := run(dry)
	if len(rehearsal.changes) == 0 {
		return nil
	}
	if _, err := m.hooks.Charges(ctx, op, rehearsal.changes); err != nil {
		return m.failAll(ctx, nums, err)
	}
	return nil
}
