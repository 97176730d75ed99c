package number

// Change is one number's before and after within an operation: what is
// priced, charged and recorded when it is written.
type Change struct {
	Before *Number // nil when the number is new
	After  *Number // nil when the number goes away
}
