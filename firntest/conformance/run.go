package conformance

import (
	"strings"
	"testing"
)

// rule is one test of the suite; it gets a fresh target.
type rule struct {
	name string
	run  func(t *testing.T, tg *target)
}

// areas are the suite's rules by area, in the order they run.
var areas = []struct {
	name  string
	rules []rule
}{
	{"Vault", vaultRules},
	{"Tags", tagRules},
	{"Notifications", notificationRules},
	{"AccessPolicy", accessPolicyRules},
	{"Archive", archiveRules},
	{"Reopen", reopenRules},
	{"Multipart", multipartRules},
	{"Lock", lockRules},
	{"Authz", authzRules},
	{"Resources", resourceRules},
	{"Jobs", jobRules},
	{"Select", selectRules},
	{"Importer", importerRules},
}

// Run runs every rule of the suite as a subtest of t named after it,
// "Area/Rule" (for example "Vault/CreateVault/Idempotent"), so that a
// failure names the rule broken and -run selects rules. Each rule calls
// newTarget for a Target of its own; rules run in parallel, so newTarget is
// called from several goroutines at once.
//
// Rules named in skip, or in an area or group named in skip ("Authz",
// "Vault/CreateVault"), are skipped, for an implementation that does not
// claim them; a name that matches no rule fails the test.
func Run(t *testing.T, newTarget func(t *testing.T) *Target, skip ...string) {
	t.Helper()
	for _, s := range skip {
		if !matchesAny(s) {
			t.Errorf("conformance: skip %q names no rule", s)
		}
	}
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) {
			for _, r := range a.rules {
				t.Run(r.name, func(t *testing.T) {
					if skipped(a.name+"/"+r.name, skip) {
						t.Skip("skipped for this target")
					}
					t.Parallel()
					r.run(t, open(t, newTarget(t)))
				})
			}
		})
	}
}

// skipped says whether name, or a group of rules it belongs to, is in skip.
func skipped(name string, skip []string) bool {
	for _, s := range skip {
		if name == s || strings.HasPrefix(name, s+"/") {
			return true
		}
	}
	return false
}

// matchesAny says whether s names a rule or a group of rules.
func matchesAny(s string) bool {
	for _, a := range areas {
		for _, r := range a.rules {
			if skipped(a.name+"/"+r.name, []string{s}) {
				return true
			}
		}
	}
	return false
}
