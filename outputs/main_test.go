package outputs

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: a
// closed Writer must stop its own.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
