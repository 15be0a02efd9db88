package testkit

import (
	"reflect"

	"github.com/firnstore/firn"
)

// Operations returns the names of the methods of firn.Glacier, the
// operations of the API, in alphabetical order: the one list that tests
// iterate, so that a new operation is covered without being registered.
func Operations() []string {
	g := reflect.TypeFor[firn.Glacier]()
	ops := make([]string, g.NumMethod())
	for i := range ops {
		ops[i] = g.Method(i).Name
	}
	return ops
}
