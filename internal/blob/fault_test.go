package blob

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// TestFaultAtEveryOp fails each filesystem operation of opening a store and
// writing a segment in turn: the failure surfaces as an error, wrapped, and
// leaves neither a listed segment nor a temporary file.
func TestFaultAtEveryOp(t *testing.T) {
	data := randomBytes(rand.New(rand.NewPCG(7, 7)), 2*ChunkSize+3)
	failed := map[errorfs.OpKind]bool{}
	for k := 0; ; k++ {
		mem := vfs.NewMem()
		var ops atomic.Int64
		var injected atomic.Pointer[errorfs.Op]
		fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(op errorfs.Op) error {
			if ops.Add(1)-1 == int64(k) {
				injected.Store(&op)
				return errorfs.ErrInjected
			}
			return nil
		}))
		err := writeSegment(fs, testID(1), data)
		op := injected.Load()
		if op == nil {
			if err != nil {
				t.Fatal(err)
			}
			for _, kind := range []errorfs.OpKind{errorfs.OpMkdirAll, errorfs.OpCreate,
				errorfs.OpFileWrite, errorfs.OpFileSync, errorfs.OpRename, errorfs.OpOpenDir} {
				if !failed[kind] {
					t.Errorf("operation kind %d never failed", kind)
				}
			}
			return
		}
		failed[op.Kind] = true
		if !errors.Is(err, errorfs.ErrInjected) {
			t.Fatalf("failing op %d on %s: got %v, want the injected error", op.Kind, op.Path, err)
		}
		if names := files(t, mem); len(names) != 0 {
			t.Fatalf("failing op %d on %s: directory holds %v", op.Kind, op.Path, names)
		}
	}
}

// TestFaultWriteback fails the background write-back of a large segment.
func TestFaultWriteback(t *testing.T) {
	mem := vfs.NewMem()
	fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind == errorfs.OpFileSyncTo {
			return errorfs.ErrInjected
		}
		return nil
	}))
	data := randomBytes(rand.New(rand.NewPCG(12, 12)), writebackBytes+writebackLag+ChunkSize)
	if err := writeSegment(fs, testID(1), data); !errors.Is(err, errorfs.ErrInjected) {
		t.Fatalf("got %v, want the injected error", err)
	}
	if names := files(t, mem); len(names) != 0 {
		t.Fatalf("directory holds %v", names)
	}
}

// writeSegment opens a store on fs and writes a segment in pieces. It
// checks that a failed Write makes Commit fail too.
func writeSegment(fs vfs.FS, id ID, data []byte) error {
	s, err := Open(fs, testDir, nil)
	if err != nil {
		return err
	}
	w, err := s.Create(id)
	if err != nil {
		return err
	}
	var werr error
	for b := data; len(b) > 0 && werr == nil; {
		n := min(len(b), 700_000)
		_, werr = w.Write(b[:n])
		b = b[n:]
	}
	_, err = w.Commit()
	if werr != nil && err == nil {
		return fmt.Errorf("Write failed with %v but Commit succeeded", werr)
	}
	return err
}

// TestReadFaults checks that failing reads surface as errors that are not
// mistaken for damage.
func TestReadFaults(t *testing.T) {
	mem := vfs.NewMem()
	data := textBytes(rand.New(rand.NewPCG(8, 8)), 3*ChunkSize+10)
	info := put(t, openStore(t, mem, nil), testID(1), data)
	indexOffset := info.StoredSize - footerSize - int64(len(info.Leaves))*indexEntrySize - indexCRCSize

	var failOpen, failIndex, failData atomic.Bool
	fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(op errorfs.Op) error {
		switch {
		case op.Kind == errorfs.OpOpen && failOpen.Load(),
			op.Kind == errorfs.OpFileReadAt && op.Offset >= indexOffset && failIndex.Load(),
			op.Kind == errorfs.OpFileReadAt && op.Offset < indexOffset && failData.Load():
			return errorfs.ErrInjected
		}
		return nil
	}))
	s := openStore(t, fs, nil)
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, errorfs.ErrInjected) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: got %v, want the injected error alone", what, err)
		}
	}

	failOpen.Store(true)
	_, err := s.Stat(testID(1))
	check("Stat, open failing", err)
	failOpen.Store(false)

	failIndex.Store(true)
	_, err = s.Stat(testID(1))
	check("Stat, index read failing", err)
	failIndex.Store(false)

	failData.Store(true)
	r, err := s.Open(testID(1))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rr, err := r.NewRangeReader(ChunkSize-5, 10)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rr)
	check("range read", err)
	if len(got) != 0 {
		t.Fatalf("range read returned %d bytes along with the error", len(got))
	}
	_, err = r.ReadAt(make([]byte, 10), 5)
	check("ReadAt", err)
	check("Verify", s.Verify(testID(1)))

	failData.Store(false)
	if got, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size())); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after the fault cleared: %v", err)
	}
}
