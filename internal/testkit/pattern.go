package testkit

// Pattern returns n bytes of i % 251, Python's bytes(i % 251 for i in
// range(n)): the data of the tree-hash test vectors. Its period, a prime,
// makes the leaves of a multi-leaf archive differ.
func Pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}
