package policy

import "testing"

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(retentionLock); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthorize(b *testing.B) {
	lock, _ := Parse(retentionLock)
	access, _ := Parse(exampleAccessPolicy)
	r := request()
	b.ReportAllocs()
	for b.Loop() {
		_ = Authorize(r, owner, lock, access)
	}
}
