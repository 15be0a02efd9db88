package conformance

import "crypto/rand"

// random returns n incompressible bytes.
func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
