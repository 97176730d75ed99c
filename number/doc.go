// Package number is Numan's domain core: the number record, its states and
// the one transition table, account relations, normalisation and
// classification of phone numbers, and the typed error kinds every other
// package returns.
//
// It imports no infrastructure (no net/http, no database/sql): carriers,
// stores and the HTTP layer depend on it, never the other way round.
package number
