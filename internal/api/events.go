package api

import (
	"net/http"
	"strconv"
)

// handleNumberHistory is GET …/phone_numbers/{PHONE_NUMBER}/history: the
// number's events, oldest first (id, type, timestamp, account, actor,
// request id, the number before and after). page_size and start_key (a
// position in the outbox, as next_start_key gives it) page through it.
// Only the number's owner, its ancestors and admins see it; others get
// 404, as for a number they may not see.
func handleNumberHistory(c *call) {
	q := c.r.URL.Query()
	limit, after := defaultPageSize, int64(0)
	var v validationErrors
	if s := q.Get("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			v.add("page_size", "minimum", "Value must be at least 1", "target", 1, "value", s)
		}
		limit = min(n, maxPageSize)
	}
	if s := q.Get("start_key"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			v.add("start_key", "type", "Value did not match type(s): positive integer", "value", s)
		}
		after = n - 1
	}
	if err := v.err(); err != nil {
		c.fail(err)
		return
	}
	es, err := c.s.mgr.History(c.ctx, c.requester(), c.param("PHONE_NUMBER"), after, limit+1)
	if err != nil {
		c.fail(err)
		return
	}
	rp := reply{status: http.StatusOK}
	if len(es) > limit {
		rp.page = append(rp.page, pageKey{"next_start_key", strconv.FormatInt(es[limit].Seq, 10)})
		es = es[:limit]
	}
	rp.page = append([]pageKey{{"page_size", len(es)}}, rp.page...)
	rp.data = es
	c.write(rp)
}
