package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
)

func runExport(ctx context.Context, env *Env, args []string) error {
	fs := flagSet(env, "numbers export")
	cf := addClientFlags(fs, env)
	outPath := fs.String("out", "-", "CSV file to write (- for stdout)")
	state := fs.String("state", "", "only numbers in these states (comma-separated)")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := cf.connect(ctx)
	if err != nil {
		return err
	}
	q := url.Values{"accept": {"csv"}}
	if *state != "" {
		q.Set("filter_state", *state)
	}
	body, err := c.stream(ctx, c.accountPath("/phone_numbers?"+q.Encode()), "text/csv")
	if err != nil {
		return err
	}
	defer body.Close()
	var w io.Writer = env.Stdout
	if *outPath != "-" {
		f, err := os.Create(*outPath)
		if err != nil {
			return err
		}
		defer f.Close()
		bw := bufio.NewWriterSize(f, 1<<16)
		defer bw.Flush()
		w = bw
	}
	p := newProgress(env.Stderr, "export", 0)
	buf := make([]byte, 1<<16)
	lines := int64(0)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
			p.done.Store(max(lines-1, 0)) // the header is not a number
			if _, err := w.Write(buf[:n]); err != nil {
				p.finish()
				return err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			p.finish()
			return fmt.Errorf("export cut short after %d numbers: %w", max(lines-1, 0), rerr)
		}
	}
	p.finish()
	return nil
}
