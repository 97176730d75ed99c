package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/internal/manager"
)

// csvHeader is the column order of an account's numbers as CSV; `numan
// numbers import` reads the same columns.
var csvHeader = []string{"number", "state", "assigned_to", "used_by", "carrier_module", "features", "created", "updated"}

// exportPage is how many numbers are read per store query while exporting.
const exportPage = 1000

// exportCSV streams the account's numbers, or every number with
// all_accounts=true (admins; filters apply, paging does not)
// as CSV, page by page, so an export of millions of numbers holds only one
// page in memory.
func (c *call) exportCSV() {
	lq, err := listQuery(c.r.URL.Query())
	if err != nil {
		c.fail(err)
		return
	}
	lq.Limit = exportPage
	// The first page is read before the headers go, so a refusal (a
	// non-admin asking for every account's numbers) is a clean error reply.
	page, err := c.listPage(lq)
	if err != nil {
		c.fail(err)
		return
	}
	h := c.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="numbers.csv"`)
	c.status = http.StatusOK
	c.w.WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.w)
	_ = w.Write(csvHeader)
	flusher, _ := c.w.(http.Flusher)
	for {
		for _, n := range page.Numbers {
			_ = w.Write([]string{
				n.Number, string(n.State), n.AssignedTo, n.UsedBy, n.ModuleName,
				strings.Join(n.FeatureNames(), " "),
				strconv.FormatInt(manager.Gregorian(n.Created), 10),
				strconv.FormatInt(manager.Gregorian(n.Modified), 10),
			})
		}
		w.Flush()
		if flusher != nil {
			flusher.Flush()
		}
		if page.NextStartKey == "" || c.ctx.Err() != nil {
			return
		}
		lq.StartKey = page.NextStartKey
		if page, err = c.listPage(lq); err != nil {
			// Headers are gone; all that is left is to cut the stream short
			// so the client sees an incomplete file rather than a clean end.
			c.s.log.Error("csv export failed", "request_id", c.requestID, "err", err)
			panic(http.ErrAbortHandler)
		}
	}
}
