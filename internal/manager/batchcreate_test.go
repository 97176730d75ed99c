package manager_test

import (
	"fmt"
	"sync"
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

// Two bulk creations of the same numbers race: a bulk creation takes its
// numbers for new without reading them, and a batch the store refuses for
// a number already stored is created again, read. Every number is created
// once, for one of them; the other is told number_exists.
func TestConcurrentBulkCreatesSellEachNumberOnce(t *testing.T) {
	w := newWorld(t)
	var nums []string
	for i := range 1500 {
		nums = append(nums, fmt.Sprintf("+1555333%04d", i))
	}
	owners := []string{reseller, master}
	results := make([]*manager.Result, len(owners))
	var wg sync.WaitGroup
	for i, owner := range owners {
		wg.Go(func() {
			results[i] = w.m.Create(ctx, nums, manager.Op{AuthBy: number.SystemRequester, AssignTo: owner})
		})
	}
	wg.Wait()
	won := map[string]string{}
	for i, r := range results {
		for _, n := range r.Succeeded {
			if prev, ok := won[n.Number]; ok {
				t.Fatalf("%s created for %s and %s", n.Number, prev, owners[i])
			}
			won[n.Number] = owners[i]
		}
		for _, err := range r.Failed {
			wantKind(t, number.AsError(err), number.KindNumberExists, "")
		}
	}
	for _, e := range nums {
		owner, ok := won[e]
		if !ok {
			t.Fatalf("%s created by neither", e)
		}
		if n := w.stored(t, e); n.AssignedTo != owner || n.Version != 1 {
			t.Fatalf("%s stored for %q at version %d, reported created for %s", e, n.AssignedTo, n.Version, owner)
		}
	}
	if got := len(results[0].Failed) + len(results[1].Failed); got != len(nums) {
		t.Fatalf("%d refusals, want %d", got, len(nums))
	}
}
