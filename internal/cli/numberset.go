package cli

import "strings"

// numberSet remembers phone numbers compactly, so an import of millions of
// lines can tell a repeat from a first: a number of at most 17 digits (with
// or without +, visual separators ignored) takes 8 bytes; anything else is
// kept as its text.
type numberSet struct {
	ints  map[uint64]struct{}
	other map[string]struct{}
}

func newNumberSet() numberSet {
	return numberSet{ints: map[uint64]struct{}{}, other: map[string]struct{}{}}
}

// add adds num and reports whether it was new.
func (s numberSet) add(num string) bool {
	if k, ok := numberKey(num); ok {
		if _, dup := s.ints[k]; dup {
			return false
		}
		s.ints[k] = struct{}{}
		return true
	}
	if _, dup := s.other[num]; dup {
		return false
	}
	s.other[num] = struct{}{}
	return true
}

// has reports whether num was added.
func (s numberSet) has(num string) bool {
	if k, ok := numberKey(num); ok {
		_, in := s.ints[k]
		return in
	}
	_, in := s.other[num]
	return in
}

// numberKey packs a number's digits into an integer: a leading 1 keeps
// leading zeros apart ("011" is not "11"), the top bit marks a "+".
// Spaces, dashes, dots, parentheses and a tel: prefix are ignored, as the
// server ignores them.
func numberKey(num string) (uint64, bool) {
	num = strings.TrimPrefix(strings.TrimSpace(num), "tel:")
	var k uint64 = 1
	var plus uint64
	digits := 0
	for i, r := range num {
		switch {
		case r >= '0' && r <= '9':
			digits++
			if digits > 17 {
				return 0, false
			}
			k = k*10 + uint64(r-'0')
		case r == '+' && i == 0:
			plus = 1 << 63
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	return k | plus, true
}
