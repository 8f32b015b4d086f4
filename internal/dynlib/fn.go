package dynlib

// Fn is a function to bind: Ptr points to a variable of a func type, set
// to call the C function Symbol.
type Fn struct {
	Ptr    any
	Symbol string
}
