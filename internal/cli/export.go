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
	pool := fs.Bool("pool", false, "every number Numan holds, whoever holds it, not only the account's (admins)")
	carrierName := fs.String("carrier", "", "only numbers of these carrier modules (comma-separated), e.g. inventory")
	prefix := fs.String("prefix", "", "only numbers starting with this E.164 prefix, e.g. +1415")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("export takes no arguments (the file is --out)")
	}
	if *prefix != "" && (*prefix)[0] != '+' {
		return usagef("--prefix is an E.164 prefix: +1415, not %s", *prefix)
	}
	c, err := cf.connect(ctx)
	if err != nil {
		return err
	}
	q := url.Values{"accept": {"csv"}}
	if *state != "" {
		q.Set("filter_state", *state)
	}
	if *carrierName != "" {
		q.Set("filter_carrier_module", *carrierName)
	}
	if *prefix != "" {
		q.Set("filter_prefix", *prefix)
	}
	if *pool {
		q.Set("all_accounts", "true")
	}
	body, err := c.stream(ctx, c.accountPath("/phone_numbers?"+q.Encode()), "text/csv")
	if err != nil {
		return err
	}
	defer body.Close()
	w := env.Stdout
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
