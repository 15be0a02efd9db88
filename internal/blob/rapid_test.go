package blob

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"pgregory.net/rapid"
)

// machine runs random operations against a Store and a model: the bytes of
// the committed segments and of the open Writers.
type machine struct {
	fs      vfs.FS
	opts    *Options
	s       *Store
	ids     []ID // the pool IDs are drawn from, small so that they collide
	model   map[ID][]byte
	writers map[ID]*modelWriter
}

type modelWriter struct {
	w    *Writer
	data []byte
}

func (m *machine) id(t *rapid.T) ID { return rapid.SampledFrom(m.ids).Draw(t, "id") }

func (m *machine) writer(t *rapid.T) (ID, *modelWriter) {
	if len(m.writers) == 0 {
		t.Skip("no open writer")
	}
	ids := slices.SortedFunc(maps.Keys(m.writers), func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
	id := rapid.SampledFrom(ids).Draw(t, "writer")
	return id, m.writers[id]
}

func (m *machine) committed(t *rapid.T) ID {
	if len(m.model) == 0 {
		t.Skip("no committed segment")
	}
	ids := slices.SortedFunc(maps.Keys(m.model), func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
	return rapid.SampledFrom(ids).Draw(t, "segment")
}

func (m *machine) create(t *rapid.T) {
	id := m.id(t)
	w, err := m.s.Create(id)
	_, committed := m.model[id]
	_, writing := m.writers[id]
	if committed || writing {
		if !errors.Is(err, ErrExist) {
			t.Fatalf("Create(%s) = %v, want ErrExist", id, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	m.writers[id] = &modelWriter{w: w}
}

func (m *machine) write(t *rapid.T) {
	_, mw := m.writer(t)
	// Sizes near ChunkSize make chunk boundaries fall anywhere.
	n := rapid.OneOf(rapid.IntRange(0, 5000), rapid.IntRange(ChunkSize-5000, ChunkSize+5000),
		rapid.IntRange(0, 2*ChunkSize)).Draw(t, "n")
	rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 0))
	data := randomBytes(rng, n)
	if rapid.Bool().Draw(t, "text") {
		data = textBytes(rng, n)
	}
	var err error
	if rapid.Bool().Draw(t, "readFrom") {
		_, err = mw.w.ReadFrom(&shortReader{rng: rng, b: data})
	} else {
		_, err = mw.w.Write(data)
	}
	if err != nil {
		t.Fatal(err)
	}
	mw.data = append(mw.data, data...)
}

func (m *machine) commit(t *rapid.T) {
	id, mw := m.writer(t)
	info, err := mw.w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(mw.data)) || !slices.Equal(info.Leaves, leavesOf(mw.data)) {
		t.Fatalf("Commit returned size %d and %d leaves for %d bytes", info.Size, len(info.Leaves), len(mw.data))
	}
	delete(m.writers, id)
	m.model[id] = mw.data
}

func (m *machine) abort(t *rapid.T) {
	id, mw := m.writer(t)
	if err := mw.w.Abort(); err != nil {
		t.Fatal(err)
	}
	delete(m.writers, id)
}

func (m *machine) delete(t *rapid.T) {
	id := m.id(t)
	if err := m.s.Delete(id); err != nil {
		t.Fatal(err)
	}
	delete(m.model, id)
}

func (m *machine) read(t *rapid.T) {
	id := m.committed(t)
	data := m.model[id]
	off := rapid.IntRange(0, len(data)).Draw(t, "off")
	n := rapid.IntRange(0, len(data)-off).Draw(t, "len")
	r, err := m.s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make([]byte, n)
	if rapid.Bool().Draw(t, "readAt") {
		_, err = r.ReadAt(got, int64(off))
	} else {
		var rr io.ReadCloser
		if rr, err = r.NewRangeReader(int64(off), int64(n)); err == nil {
			_, err = io.ReadFull(rr, got)
			rr.Close()
		}
	}
	if err != nil || !bytes.Equal(got, data[off:off+n]) {
		t.Fatalf("read [%d,+%d) of %s: %v", off, n, id, err)
	}
}

func (m *machine) stat(t *rapid.T) {
	id := m.id(t)
	info, err := m.s.Stat(id)
	data, ok := m.model[id]
	if !ok {
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Stat(%s) of a missing segment = %v", id, err)
		}
		return
	}
	if err != nil || info.Size != int64(len(data)) || !slices.Equal(info.Leaves, leavesOf(data)) {
		t.Fatalf("Stat(%s) = %+v, %v", id, info, err)
	}
	if err := m.s.Verify(id); err != nil {
		t.Fatal(err)
	}
}

// reopen opens a new Store on the directory, as after a restart.
func (m *machine) reopen(t *rapid.T) {
	if len(m.writers) > 0 {
		t.Skip("writers open")
	}
	s, err := Open(m.fs, testDir, m.opts)
	if err != nil {
		t.Fatal(err)
	}
	m.s = s
}

func (m *machine) check(t *rapid.T) {
	ids := list(t, m.s)
	want := slices.SortedFunc(maps.Keys(m.model), func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
	if !slices.Equal(ids, want) {
		t.Fatalf("List = %v, want %v", ids, want)
	}
}

func TestRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &machine{
			fs: vfs.NewMem(),
			opts: &Options{
				Codec:       rapid.SampledFrom(allCodecs).Draw(t, "codec"),
				Concurrency: rapid.IntRange(1, 4).Draw(t, "concurrency"),
			},
			model:   map[ID][]byte{},
			writers: map[ID]*modelWriter{},
		}
		for i := range 4 {
			m.ids = append(m.ids, testID(uint64(i)))
		}
		var err error
		if m.s, err = Open(m.fs, testDir, m.opts); err != nil {
			t.Fatal(err)
		}
		defer func() {
			for _, mw := range m.writers {
				mw.w.Abort()
			}
		}()
		t.Repeat(map[string]func(*rapid.T){
			"create": m.create,
			"write":  m.write,
			"commit": m.commit,
			"abort":  m.abort,
			"delete": m.delete,
			"read":   m.read,
			"stat":   m.stat,
			"reopen": m.reopen,
			"":       m.check,
		})
	})
}
