package miniotest

import "testing"

// Clusters, in this process or another, never share ports: a claim is
// refused while another holds it, and free again once it is released.
func TestClaimPorts(t *testing.T) {
	const base = 31992 // a base freePort can choose
	first, err := claimPorts(base)
	if err != nil || first == nil {
		t.Fatalf("first claim: %v, %v", first, err)
	}
	second, err := claimPorts(base)
	if err != nil || second != nil {
		t.Fatalf("second claim while the first holds the ports: %v, %v (want nil, nil)", second, err)
	}
	first.Close()
	third, err := claimPorts(base)
	if err != nil || third == nil {
		t.Fatalf("claim after release: %v, %v", third, err)
	}
	third.Close()
}
