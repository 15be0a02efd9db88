package conformance

import "testing"

func TestSkipped(t *testing.T) {
	skip := []string{"Authz", "Vault/CreateVault", "Archive/ReadBack"}
	for name, want := range map[string]bool{
		"Authz/SecureTransport":       true,
		"Vault/CreateVault/Limit1000": true,
		"Archive/ReadBack":            true,
		"Vault/CreateVaultX":          false,
		"Archive/ReadBackX":           false,
		"Vault/DescribeVault/Fields":  false,
		"AuthzX/Lock":                 false,
	} {
		if got := skipped(name, skip); got != want {
			t.Errorf("skipped(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestMatchesAny(t *testing.T) {
	for s, want := range map[string]bool{
		"Authz":                       true,
		"Vault/CreateVault":           true,
		"Vault/CreateVault/Limit1000": true,
		"Vault/CreateVault/Limit":     false,
		"Vaults":                      false,
		"":                            false,
	} {
		if got := matchesAny(s); got != want {
			t.Errorf("matchesAny(%q) = %v, want %v", s, got, want)
		}
	}
}
