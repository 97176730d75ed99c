package manager_test

import (
	"fmt"
	"testing"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// A bulk creation writes its new numbers in batches (one transaction per
// batch), beside the numbers it updates, and answers for every number.
func TestCreateWritesNewNumbersInBatches(t *testing.T) {
	w := newWorld(t)
	var nums []string
	for i := range 2500 {
		nums = append(nums, fmt.Sprintf("+1555444%04d", i))
	}
	nums = append(nums, availableNum, inServiceNum)
	r := w.m.Create(ctx, nums, manager.Op{AuthBy: number.SystemRequester, AssignTo: reseller})
	if len(r.Succeeded) != 2501 || len(r.Failed) != 1 {
		t.Fatalf("%d succeeded, failures %v", len(r.Succeeded), r.Failed)
	}
	wantKind(t, failure(t, r, inServiceNum), number.KindNumberExists, "")
	for _, e := range []string{nums[0], nums[1999], nums[2499], availableNum} {
		if n := w.stored(t, e); n.State != number.InService || n.AssignedTo != reseller || n.Version < 1 {
			t.Fatalf("%s stored as %+v", e, n)
		}
	}
}
