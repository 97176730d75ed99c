package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number/money"
)

// printFound prints a search reply as columns: the number, its state,
// where it is and what it can do, then the carrier's monthly and setup
// cost and the carrier's name, when the reply shows them (the server shows
// costs to admins and resellers, carriers to admins). "-" is a detail the
// carrier did not give.
func printFound(w io.Writer, data json.RawMessage) error {
	var found []manager.Found
	if err := json.Unmarshal(data, &found); err != nil {
		return err
	}
	var costs, carriers bool
	for _, f := range found {
		costs = costs || f.Cost != nil
		carriers = carriers || f.Carrier != ""
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := []string{"NUMBER", "STATE", "CITY", "REGION", "RATE CENTER", "CAPABILITIES"}
	if costs {
		head = append(head, "MONTHLY", "SETUP")
	}
	if carriers {
		head = append(head, "CARRIER")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, f := range found {
		row := []string{f.Number, string(f.State), cell(f.Locality.City), cell(f.Locality.Region), cell(f.RateCenter), capabilities(f.Capabilities)}
		if costs {
			var monthly, setup *int64
			currency := ""
			if f.Cost != nil {
				monthly, setup, currency = f.Cost.Monthly, f.Cost.Setup, f.Cost.Currency
			}
			row = append(row, price(monthly, currency), price(setup, currency))
		}
		if carriers {
			row = append(row, cell(f.Carrier))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

func cell(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// capabilities lists what the number can do ("voice,sms"); "-" when the
// carrier did not say.
func capabilities(c *carrier.Capabilities) string {
	if c == nil {
		return "-"
	}
	var out []string
	for _, v := range []struct {
		on   bool
		name string
	}{{c.Voice, "voice"}, {c.SMS, "sms"}, {c.MMS, "mms"}, {c.Fax, "fax"}} {
		if v.on {
			out = append(out, v.name)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ",")
}

func price(minor *int64, currency string) string {
	if minor == nil {
		return "-"
	}
	return money.Format(*minor, currency) + " " + currency
}
