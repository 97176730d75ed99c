package number

// keypad maps each letter to its digit on a telephone keypad (ITU-T
// E.161: ABC 2, DEF 3, GHI 4, JKL 5, MNO 6, PQRS 7, TUV 8, WXYZ 9).
const keypad = "22233344455566677778889999"

// Keypad returns s with every ASCII letter replaced by its digit on a
// telephone keypad, in either case, so a vanity number or prefix
// ("628FLOWERS") reads as the digits dialled ("6283569377"). Anything else
// is left as it is.
func Keypad(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = keypad[c-'A']
		case c >= 'a' && c <= 'z':
			b[i] = keypad[c-'a']
		}
	}
	return string(b)
}
