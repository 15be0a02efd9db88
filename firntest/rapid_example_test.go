package firntest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/firntest"
	"pgregory.net/rapid"
)

// store is the application code under test: it uploads data, retrying up
// to three times when the service is unavailable.
func store(ctx context.Context, g firn.Glacier, vault string, data []byte) (string, error) {
	var err error
	for range 4 {
		var out *firn.UploadArchiveOutput
		out, err = g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: vault, Body: bytes.NewReader(data)})
		if err == nil {
			return out.ArchiveId, nil
		}
		if !errors.Is(err, firn.ErrServiceUnavailable) {
			break
		}
	}
	return "", err
}

// storeProperty says that store keeps exactly one copy of the data when
// the service fails at most three times in a row, and none otherwise.
func storeProperty(t *rapid.T) {
	ctx := context.Background()
	e := firntest.New(t, nil) // one engine per check, closed after it
	f := firntest.Inject(e)
	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	data := rapid.SliceOfN(rapid.Byte(), 1, 100).Draw(t, "data")
	failures := rapid.IntRange(0, 6).Draw(t, "failures")
	f.FailNext("UploadArchive", failures, firn.ErrServiceUnavailable)

	_, err := store(ctx, f, "v", data)
	d, _ := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
	switch {
	case failures <= 3 && (err != nil || d.NumberOfArchives != 1 || d.SizeInBytes != int64(len(data))):
		t.Fatalf("%d failures: err %v, %d archives of %d bytes", failures, err, d.NumberOfArchives, d.SizeInBytes)
	case failures > 3 && (!errors.Is(err, firn.ErrServiceUnavailable) || d.NumberOfArchives != 0):
		t.Fatalf("%d failures: err %v, %d archives", failures, err, d.NumberOfArchives)
	}
}

// A property of application code, checked by rapid against engines that
// fail on demand. In a test, pass the *testing.T:
//
//	func TestStore(t *testing.T) { rapid.Check(t, storeProperty) }
func Example_rapid() {
	var tb exampleTB
	rapid.Check(&tb, storeProperty)
	fmt.Println("failed:", tb.Failed())
	// Output:
	// failed: false
}

// exampleTB stands in for the *testing.T that an example lacks: it prints
// what a test would report.
type exampleTB struct{ failed bool }

func (*exampleTB) Helper()                      {}
func (*exampleTB) Name() string                 { return "Example_rapid" }
func (*exampleTB) Logf(string, ...any)          {}
func (*exampleTB) Log(...any)                   {}
func (*exampleTB) Skipf(string, ...any)         {}
func (*exampleTB) Skip(...any)                  {}
func (*exampleTB) SkipNow()                     {}
func (tb *exampleTB) Errorf(f string, a ...any) { tb.Error(fmt.Sprintf(f, a...)) }
func (tb *exampleTB) Error(a ...any)            { tb.failed = true; fmt.Println(a...) }
func (tb *exampleTB) Fatalf(f string, a ...any) { tb.Errorf(f, a...) }
func (tb *exampleTB) Fatal(a ...any)            { tb.Error(a...) }
func (tb *exampleTB) FailNow()                  { tb.failed = true }
func (tb *exampleTB) Fail()                     { tb.failed = true }
func (tb *exampleTB) Failed() bool              { return tb.failed }
