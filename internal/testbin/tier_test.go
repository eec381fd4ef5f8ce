package testbin

import "testing"

// Under -short NeedIntegration skips, and the test stops at the call;
// without -short it returns and the test goes on.
func TestNeedIntegrationSkipsOnlyUnderShort(t *testing.T) {
	var reached bool
	t.Run("inner", func(t *testing.T) {
		NeedIntegration(t, "nothing")
		reached = true
	})
	if reached == testing.Short() {
		t.Errorf("short=%v: the test went on past NeedIntegration = %v", testing.Short(), reached)
	}
}
