package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

const portColumns = "id, account_id, authority_id, state, active, doc, next_check, created, modified, version"

// nullTime is t as stored, or NULL for the zero time.
func (d *dialect) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.time(t)
}

// nullTimeScanner scans a timestamp that may be NULL (the zero time).
type nullTimeScanner struct{ t *time.Time }

func (s nullTimeScanner) Scan(src any) error {
	if src == nil {
		*s.t = time.Time{}
		return nil
	}
	return timeScanner(s).Scan(src)
}

func scanPort(row scanner) (*store.PortRequest, error) {
	var (
		p   store.PortRequest
		doc []byte
	)
	if err := row.Scan(&p.ID, &p.AccountID, &p.AuthorityID, &p.State, &p.Active, &doc,
		nullTimeScanner{&p.NextCheck}, scanTime(&p.Created), scanTime(&p.Modified), &p.Version); err != nil {
		return nil, err
	}
	p.Doc = slices.Clone(doc)
	return &p, nil
}

func portNotFound(id string) error {
	return &number.Error{Kind: number.KindNotFound, Number: id, Message: "port request " + id + " not found"}
}

// InsertPort implements store.Ports.
func (x *executor) InsertPort(ctx context.Context, p *store.PortRequest) error {
	p.Created, p.Modified = storedTime(p.Created), storedTime(p.Modified)
	return x.atomic(ctx, func(x *executor) error {
		if err := x.checkPortNumbers(ctx, p); err != nil {
			return err
		}
		_, err := x.exec(ctx, "INSERT INTO port_requests ("+portColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)",
			p.ID, p.AccountID, p.AuthorityID, p.State, p.Active, string(p.Doc), x.d.nullTime(p.NextCheck), x.d.time(p.Created), x.d.time(p.Modified))
		if x.d.is(err, uniqueViolation) {
			return &number.Error{Kind: number.KindConflict, Number: p.ID, Message: "port request " + p.ID + " already exists"}
		}
		if err != nil {
			return x.d.internal("insert port request", p.ID, err)
		}
		if err := x.writePortNumbers(ctx, p); err != nil {
			return err
		}
		p.Version = 1
		return nil
	})
}

// checkPortNumbers refuses an active request holding a number another
// active request holds. The unique index is the guard; this names the
// number while the transaction can still read (a failed statement ends a
// PostgreSQL transaction).
func (x *executor) checkPortNumbers(ctx context.Context, p *store.PortRequest) error {
	if !p.Active || len(p.Numbers) == 0 {
		return nil
	}
	for chunk := range chunks(p.Numbers, x.d.maxKeys) {
		cond, args := x.d.keysIn("number", chunk)
		var taken string
		err := x.queryRow(ctx, "SELECT number FROM port_request_numbers WHERE "+cond+
			" AND active = "+numbered(len(args)+1)+" AND port_id <> "+numbered(len(args)+2)+" ORDER BY number LIMIT 1",
			append(args, true, p.ID)...).Scan(&taken)
		switch {
		case err == nil:
			return &number.Error{Kind: number.KindNumberIsPorting, Number: taken}
		case !errors.Is(err, sql.ErrNoRows):
			return x.d.internal("check port numbers", p.ID, err)
		}
	}
	return nil
}

// writePortNumbers replaces the request's numbers with p.Numbers.
func (x *executor) writePortNumbers(ctx context.Context, p *store.PortRequest) error {
	if _, err := x.exec(ctx, "DELETE FROM port_request_numbers WHERE port_id = $1", p.ID); err != nil {
		return x.d.internal("write port numbers", p.ID, err)
	}
	nums := slices.Clone(p.Numbers)
	slices.Sort(nums)
	nums = slices.Compact(nums)
	rows := make([][]any, len(nums))
	for i, n := range nums {
		rows[i] = []any{p.ID, n, p.Active}
	}
	err := x.insertRows(ctx, "port_request_numbers", []string{"port_id", "number", "active"}, rows)
	if x.d.is(err, uniqueViolation) {
		// Another request took one of the numbers since the check: the
		// caller tries again and learns which.
		return &number.Error{Kind: number.KindConflict, Number: p.ID, Message: "a number of port request " + p.ID + " was taken by another request"}
	}
	if err != nil {
		return x.d.internal("write port numbers", p.ID, err)
	}
	return nil
}

// GetPort implements store.Ports.
func (x *executor) GetPort(ctx context.Context, id string) (*store.PortRequest, error) {
	p, err := x.getPort(ctx, id, "")
	if err != nil {
		return nil, err
	}
	return p, x.loadPortNumbers(ctx, []*store.PortRequest{p})
}

func (x *executor) getPort(ctx context.Context, id, lock string) (*store.PortRequest, error) {
	p, err := scanPort(x.queryRow(ctx, "SELECT "+portColumns+" FROM port_requests WHERE id = $1"+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portNotFound(id)
	}
	if err != nil {
		return nil, x.d.internal("get port request", id, err)
	}
	return p, nil
}

// loadPortNumbers fills in the numbers of ps.
func (x *executor) loadPortNumbers(ctx context.Context, ps []*store.PortRequest) error {
	byID := make(map[string]*store.PortRequest, len(ps))
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
		ids = append(ids, p.ID)
		p.Numbers = nil
	}
	for chunk := range chunks(ids, x.d.maxKeys) {
		cond, args := x.d.keysIn("port_id", chunk)
		err := x.query(ctx, "SELECT port_id, number FROM port_request_numbers WHERE "+cond+" ORDER BY port_id, number", args...).each(func(row scanner) error {
			var id, n string
			if err := row.Scan(&id, &n); err != nil {
				return err
			}
			if p := byID[id]; p != nil {
				p.Numbers = append(p.Numbers, n)
			}
			return nil
		})
		if err != nil {
			return x.d.internal("get port numbers", "", err)
		}
	}
	return nil
}

// UpdatePort implements store.Ports.
func (x *executor) UpdatePort(ctx context.Context, p *store.PortRequest) error {
	p.Modified = storedTime(p.Modified)
	return x.atomic(ctx, func(x *executor) error {
		changed, err := x.execOne(ctx, "UPDATE port_requests SET account_id = $2, authority_id = $3, state = $4, active = $5,"+
			" doc = $6, next_check = $7, modified = $8, version = version + 1 WHERE id = $1 AND version = $9",
			p.ID, p.AccountID, p.AuthorityID, p.State, p.Active, string(p.Doc), x.d.nullTime(p.NextCheck), x.d.time(p.Modified), p.Version)
		if err != nil {
			return x.d.internal("update port request", p.ID, err)
		}
		if !changed {
			return x.portUnchanged(ctx, p.ID)
		}
		if err := x.checkPortNumbers(ctx, p); err != nil {
			return err
		}
		if err := x.writePortNumbers(ctx, p); err != nil {
			return err
		}
		p.Version++
		return nil
	})
}

// portUnchanged says why a conditional write of a request changed nothing.
func (x *executor) portUnchanged(ctx context.Context, id string) error {
	var v int64
	err := x.queryRow(ctx, "SELECT version FROM port_requests WHERE id = $1", id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return portNotFound(id)
	}
	if err != nil {
		return x.d.internal("port request", id, err)
	}
	return &number.Error{Kind: number.KindConflict, Number: id, Message: "port request " + id + " was changed by another request"}
}

// DeletePort implements store.Ports.
func (x *executor) DeletePort(ctx context.Context, id string, version int64) error {
	return x.atomic(ctx, func(x *executor) error {
		changed, err := x.execOne(ctx, "DELETE FROM port_requests WHERE id = $1 AND version = $2", id, version)
		if err != nil {
			return x.d.internal("delete port request", id, err)
		}
		if !changed {
			return x.portUnchanged(ctx, id)
		}
		// The foreign keys cascade; said again so nothing depends on them.
		for _, table := range []string{"port_request_numbers", "port_request_attachments"} {
			if _, err := x.exec(ctx, "DELETE FROM "+table+" WHERE port_id = $1", id); err != nil {
				return x.d.internal("delete port request", id, err)
			}
		}
		return nil
	})
}

// ListPorts implements store.Ports.
func (x *executor) ListPorts(ctx context.Context, q store.PortQuery) ([]*store.PortRequest, error) {
	if q.AccountIDs != nil && len(q.AccountIDs) == 0 {
		return []*store.PortRequest{}, nil
	}
	accounts := [][]string{nil}
	if q.AccountIDs != nil {
		accounts = nil
		size := x.d.maxKeys
		if size == 0 {
			size = 1000
		}
		for chunk := range chunks(q.AccountIDs, size) {
			accounts = append(accounts, chunk)
		}
	}
	var out []*store.PortRequest
	for _, ids := range accounts {
		var w where
		w.in("account_id", ids)
		if q.AuthorityID != "" {
			w.and("authority_id = " + w.arg(q.AuthorityID))
		}
		w.in("state", q.States)
		if q.Number != "" {
			w.and("id IN (SELECT port_id FROM port_request_numbers WHERE number = " + w.arg(q.Number) + ")")
		}
		if !q.ModifiedFrom.IsZero() {
			w.and("modified >= " + w.arg(x.d.time(q.ModifiedFrom)))
		}
		if !q.ModifiedTo.IsZero() {
			w.and("modified <= " + w.arg(x.d.time(q.ModifiedTo)))
		}
		ps, err := collect(x.query(ctx, "SELECT "+portColumns+" FROM port_requests"+w.clause()+" ORDER BY created, id", w.args...), scanPort)
		if err != nil {
			return nil, x.d.internal("list port requests", "", err)
		}
		out = append(out, ps...)
	}
	if len(accounts) > 1 {
		slices.SortStableFunc(out, func(a, b *store.PortRequest) int {
			if c := a.Created.Compare(b.Created); c != 0 {
				return c
			}
			switch {
			case a.ID < b.ID:
				return -1
			case a.ID > b.ID:
				return 1
			}
			return 0
		})
	}
	if err := x.loadPortNumbers(ctx, out); err != nil {
		return nil, err
	}
	return nonNil(out, nil)
}

// DuePorts implements store.Ports.
func (x *executor) DuePorts(ctx context.Context, now time.Time, limit int) ([]*store.PortRequest, error) {
	out, err := collect(x.query(ctx, "SELECT "+portColumns+" FROM port_requests WHERE next_check IS NOT NULL AND next_check <= $1"+
		" ORDER BY next_check, id LIMIT $2", x.d.time(now), limit), scanPort)
	if err != nil {
		return nil, x.d.internal("due port requests", "", err)
	}
	if err := x.loadPortNumbers(ctx, out); err != nil {
		return nil, err
	}
	return nonNil(out, nil)
}

// PutPortAttachment implements store.Ports.
func (x *executor) PutPortAttachment(ctx context.Context, a *store.PortAttachment) error {
	a.Created = storedTime(a.Created)
	data := a.Data
	if data == nil {
		data = []byte{}
	}
	_, err := x.exec(ctx, `INSERT INTO port_request_attachments (port_id, name, content_type, size, data, created)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (port_id, name) DO UPDATE SET content_type = excluded.content_type, size = excluded.size,
			data = excluded.data, created = excluded.created`,
		a.PortID, a.Name, a.ContentType, int64(len(data)), data, x.d.time(a.Created))
	if x.d.is(err, foreignKeyViolation) {
		return portNotFound(a.PortID)
	}
	if err != nil {
		return x.d.internal("put port attachment", a.PortID, err)
	}
	a.Size = int64(len(data))
	return nil
}

// GetPortAttachment implements store.Ports.
func (x *executor) GetPortAttachment(ctx context.Context, portID, name string) (*store.PortAttachment, error) {
	a := store.PortAttachment{PortID: portID, Name: name}
	var data []byte
	err := x.queryRow(ctx, "SELECT content_type, size, data, created FROM port_request_attachments WHERE port_id = $1 AND name = $2",
		portID, name).Scan(&a.ContentType, &a.Size, &data, scanTime(&a.Created))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &number.Error{Kind: number.KindNotFound, Number: name, Message: "attachment " + name + " not found"}
	}
	if err != nil {
		return nil, x.d.internal("get port attachment", portID, err)
	}
	a.Data = slices.Clone(data)
	return &a, nil
}

// DeletePortAttachment implements store.Ports.
func (x *executor) DeletePortAttachment(ctx context.Context, portID, name string) error {
	changed, err := x.execOne(ctx, "DELETE FROM port_request_attachments WHERE port_id = $1 AND name = $2", portID, name)
	if err != nil {
		return x.d.internal("delete port attachment", portID, err)
	}
	if !changed {
		return &number.Error{Kind: number.KindNotFound, Number: name, Message: "attachment " + name + " not found"}
	}
	return nil
}
