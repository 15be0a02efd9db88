package conformance

import (
	"testing"

	"github.com/firnstore/firn/internal/testkit"
)

func TestSpyGenerated(t *testing.T) {
	testkit.CheckForwarder(t, "spy_glacier.go", "conformance", "spy", "record")
}
