package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrintFound(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want []string // the lines, with runs of spaces as one
	}{
		{
			name: "as an admin sees it",
			data: `[{"number":"+14153310190","state":"discovery","locality":{"city":"Sausalito","region":"CA","country":"US"},
				"rate_center":"SAUSALITO","capabilities":{"voice":true,"sms":true,"mms":false,"fax":true},
				"cost":{"currency":"USD","monthly":1.50,"monthly_minor":150,"setup":2.50,"setup_minor":250},"carrier":"telnyx"},
				{"number":"+14155550100","state":"available","carrier":"local"}]`,
			want: []string{
				"NUMBER STATE CITY REGION RATE CENTER CAPABILITIES MONTHLY SETUP CARRIER",
				"+14153310190 discovery Sausalito CA SAUSALITO voice,sms,fax 1.50 USD 2.50 USD telnyx",
				"+14155550100 available - - - - - - local",
			},
		},
		{
			name: "as an account sees it",
			data: `[{"number":"+14155550142","state":"discovery","locality":{"city":"SAN FRANCISCO","region":"CA"},"rate_center":"SNFC CA 01","lata":"722"},
				{"number":"+14155550143","state":"discovery","capabilities":{"voice":false,"sms":false,"mms":false,"fax":false}}]`,
			want: []string{
				"NUMBER STATE CITY REGION RATE CENTER CAPABILITIES",
				"+14155550142 discovery SAN FRANCISCO CA SNFC CA 01 -",
				"+14155550143 discovery - - - none",
			},
		},
		{name: "nothing found", data: `[]`, want: []string{"NUMBER STATE CITY REGION RATE CENTER CAPABILITIES"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := printFound(&out, []byte(tc.data)); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
				got = append(got, strings.Join(strings.Fields(line), " "))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
