package number

// FieldError is a field of a request that broke a rule a service checks
// (a plan's currency that cannot change, an id of the wrong shape). It is
// of kind invalid; the API shows it as Kazoo's validation error,
// {field: {rule: {"message": ..., "value": ...}}}.
type FieldError struct {
	Field   string // the field's name, dotted for nested fields
	Rule    string // the rule it broke, in JSON Schema's terms (enum, pattern, ...)
	Message string
	Value   any // the offending value; nil leaves it out
}

func (e *FieldError) Error() string { return "invalid " + e.Field + ": " + e.Message }
