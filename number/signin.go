package number

import (
	"encoding/json"
	"strings"
)

// AccountNameKey is how account names are compared when a sign-in names
// an account, as Kazoo compares them (kz_util:normalize_account_name):
// lower-case ASCII letters and digits only, so "Acme, Inc." and "acmeinc"
// name the same account.
func AccountNameKey(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		}
	}
	return b.String()
}

// Realm is the account's SIP realm (its public field "realm"), in lower
// case; "" when it has none.
func (a *Account) Realm() string {
	var s string
	if raw, ok := a.Public["realm"]; ok && json.Unmarshal(raw, &s) == nil {
		return strings.ToLower(strings.TrimSpace(s))
	}
	return ""
}
