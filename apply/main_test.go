package apply

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: Apply
// must return only when every goroutine it started has.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
