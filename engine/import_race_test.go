package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/miniotest"
)

// importRace races imports of one ID from every engine of es, n calls
// each: the same bytes, or bytes of their own when distinct. Exactly one
// must import; the others find it there (the same bytes) or refuse theirs
// as another Checksum.
func importRace(t *testing.T, es []*engine.Engine, n int, distinct bool) {
	t.Helper()
	ctx := context.Background()
	id := glacierID(fmt.Sprintf("race-%v", distinct))
	var imported atomic.Int32
	errs := race(es, n, func(e *engine.Engine, i int) error {
		body := "the same bytes"
		if distinct {
			body = fmt.Sprintf("bytes of #%04d", i) // as long as the same bytes
		}
		out, err := e.ImportArchive(ctx, importInput(id, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), body))
		if err == nil && out.Imported {
			imported.Add(1)
		}
		return err
	})
	for i, err := range errs {
		var fe *firn.Error
		switch {
		case err == nil:
		case distinct && errors.As(err, &fe) && fe.Code == firn.CodeInvalidParameterValue:
		default:
			t.Errorf("import %d: %v", i, err)
		}
	}
	if got := imported.Load(); got != 1 {
		t.Errorf("%d of %d imports of one ID imported it, want 1", got, len(errs))
	}
	wantVault(t, es[0], "v", 1, int64(len("the same bytes")))
	if distinct {
		return
	}
	if _, err := es[len(es)-1].DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: id}); err != nil {
		t.Error(err)
	}
}

// TestImportRace races imports of one ID in one engine.
func TestImportRace(t *testing.T) {
	for _, distinct := range []bool{false, true} {
		e, _ := openImport(t, engine.Options{})
		importRace(t, []*engine.Engine{e}, 8, distinct)
	}
}

// TestSharedImportRace races imports of one ID from three engines on one
// PostgreSQL database and one MinIO bucket: the existence checks are
// decided in the database's transaction.
func TestSharedImportRace(t *testing.T) {
	c := miniotest.Start(t)
	for _, distinct := range []bool{false, true} {
		es := sharedEngines(t, c, engine.Options{})
		if _, err := es[0].CreateVault(context.Background(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
			t.Fatal(err)
		}
		importRace(t, es, 2, distinct)
	}
}
