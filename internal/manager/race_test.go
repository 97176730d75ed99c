package manager_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// Of many concurrent attempts to take one number, exactly one wins; every
// other gets number_exists or conflict, and the store agrees with the winner.
func TestConcurrentTakesOneWinner(t *testing.T) {
	type attempt func(w *world, account string) *manager.Result
	cases := map[string]attempt{
		"activate an available number": func(w *world, account string) *manager.Result {
			return w.m.Move(ctx, []string{availableNum}, account, manager.Op{AuthBy: number.By(account)})
		},
		"create a new number": func(w *world, account string) *manager.Result {
			return w.m.Create(ctx, []string{createNum}, manager.Op{AuthBy: number.SystemRequester, AssignTo: account})
		},
	}
	for name, try := range cases {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			accounts := make([]string, 30)
			for i := range accounts {
				accounts[i] = fmt.Sprintf("%032x", 0x1000+i)
				if err := w.st.InsertAccount(ctx, &number.Account{ID: accounts[i], Name: accounts[i], ParentID: master, Tree: []string{master}, Enabled: true, Created: epoch, Modified: epoch}); err != nil {
					t.Fatal(err)
				}
			}
			var mu sync.Mutex
			var winners []string
			var wg sync.WaitGroup
			for _, acc := range accounts {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := try(w, acc)
					mu.Lock()
					defer mu.Unlock()
					if r.OK() {
						winners = append(winners, acc)
						return
					}
					for _, err := range r.Failed {
						if k := number.KindOf(err); k != number.KindConflict && k != number.KindNumberExists {
							t.Errorf("%s: loser got %v", acc, err)
						}
					}
				}()
			}
			wg.Wait()
			if len(winners) != 1 {
				t.Fatalf("winners: %v", winners)
			}
			num := availableNum
			if name == "create a new number" {
				num = createNum
			}
			if n := w.stored(t, num); n.AssignedTo != winners[0] || n.State != number.InService {
				t.Fatalf("stored %+v, winner %s", n, winners[0])
			}
		})
	}
}
