package httpx

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name       string
		doneAt     int // check number that reports done; 0 never
		failAt     int
		maxChecks  int
		wantErr    error
		wantChecks int
	}{
		{name: "done at once", doneAt: 1, wantChecks: 1},
		{name: "done on third check", doneAt: 3, maxChecks: 5, wantChecks: 3},
		{name: "never done", maxChecks: 4, wantErr: ErrStillPending, wantChecks: 4},
		{name: "check fails", failAt: 2, maxChecks: 5, wantErr: boom, wantChecks: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sl := &recordingSleeper{}
			p := Poller{Interval: 0, MaxChecks: tt.maxChecks, Sleep: sl.Sleep}
			checks := 0
			err := p.Poll(context.Background(), func(context.Context) (bool, error) {
				checks++
				if checks == tt.failAt {
					return false, boom
				}
				return checks == tt.doneAt, nil
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if checks != tt.wantChecks {
				t.Errorf("checks = %d, want %d", checks, tt.wantChecks)
			}
			if len(sl.got()) != tt.wantChecks-1 {
				t.Errorf("sleeps = %d, want %d", len(sl.got()), tt.wantChecks-1)
			}
		})
	}
}

func TestPollDefaultChecksFromWait(t *testing.T) {
	sl := &recordingSleeper{}
	p := Poller{Interval: 2 * time.Second, MaxWait: 10 * time.Second, Sleep: sl.Sleep}
	checks := 0
	err := p.Poll(context.Background(), func(context.Context) (bool, error) { checks++; return false, nil })
	if !errors.Is(err, ErrStillPending) || checks != 6 {
		t.Errorf("err=%v checks=%d, want still pending after 6", err, checks)
	}
	for _, d := range sl.got() {
		if d != 2*time.Second {
			t.Errorf("slept %v, want 2s", d)
		}
	}
}

func TestPollStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := Poller{MaxChecks: 100}
	checks := 0
	err := p.Poll(ctx, func(context.Context) (bool, error) {
		checks++
		cancel()
		return false, nil
	})
	if !errors.Is(err, ErrStillPending) || !errors.Is(err, context.Canceled) || checks != 1 {
		t.Errorf("err=%v checks=%d", err, checks)
	}
}
