package cli

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progress draws a one-line progress report on stderr, redrawn a few times
// a second, so long imports and exports show they are alive.
type progress struct {
	w     io.Writer
	label string
	total int64 // bytes expected; 0 = unknown
	start time.Time

	bytes, done, failed atomic.Int64

	stop chan struct{}
	wg   sync.WaitGroup
}

func newProgress(w io.Writer, label string, total int64) *progress {
	p := &progress{w: w, label: label, total: total, start: time.Now(), stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.draw(false)
			case <-p.stop:
				p.draw(true)
				return
			}
		}
	}()
	return p
}

func (p *progress) draw(final bool) {
	done, failed := p.done.Load(), p.failed.Load()
	elapsed := time.Since(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done+failed) / elapsed
	}
	bar := ""
	if p.total > 0 {
		frac := float64(p.bytes.Load()) / float64(p.total)
		if frac > 1 {
			frac = 1
		}
		const width = 30
		n := int(frac * width)
		bar = fmt.Sprintf("[%-*s] %3.0f%% ", width, string(repeat('#', n)), frac*100)
	}
	end := "\r"
	if final {
		end = "\n"
	}
	fmt.Fprintf(p.w, "\r%s %s%d ok, %d failed, %.0f/s, %s%s", p.label, bar, done, failed, rate,
		time.Duration(elapsed*float64(time.Second)).Truncate(time.Second), end)
}

func repeat(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// finish draws the last line and stops redrawing.
func (p *progress) finish() {
	close(p.stop)
	p.wg.Wait()
}

// countingReader counts the bytes read through it, for the progress bar.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}
