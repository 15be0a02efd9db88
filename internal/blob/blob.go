package blob

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/klauspost/compress/zstd"
	"github.com/oklog/ulid/v2"
)

// ID names a segment: a ULID, whose 26-character text is the segment's
// file name without extension. The caller chooses it and never reuses it
// for different bytes.
type ID = ulid.ULID

// ParseID parses the text of an ID, as [ulid.ParseStrict] does.
func ParseID(s string) (ID, error) {
	id, err := ulid.ParseStrict(s)
	if err != nil {
		return ID{}, fmt.Errorf("blob: parse id %q: %w", s, err)
	}
	return id, nil
}

// Codec is the compression applied to chunks. Its values are stored in
// segment files: never renumber.
type Codec uint8

// The codecs. A chunk is stored compressed only when that makes it smaller
// (and, with CodecS2, when that pays: see Options.Codec); otherwise it is
// stored raw (CodecNone) whatever the Options say.
const (
	CodecNone Codec = 1 // stored raw
	CodecS2   Codec = 2 // github.com/klauspost/compress/s2 block format: fast
	CodecZstd Codec = 3 // zstd at its default level: smaller, slower
)

func (c Codec) valid() bool { return c >= CodecNone && c <= CodecZstd }

// String returns "none", "s2", "zstd" or "Codec(n)".
func (c Codec) String() string {
	switch c {
	case CodecNone:
		return "none"
	case CodecS2:
		return "s2"
	case CodecZstd:
		return "zstd"
	}
	return fmt.Sprintf("Codec(%d)", uint8(c))
}

// Options configures a Store. The zero value of every field selects its
// default, and a nil *Options means all defaults.
type Options struct {
	// Codec compresses the chunks of new segments. Segments written with any
	// codec remain readable whatever this is set to. With CodecS2 a Writer
	// compresses a chunk only while what it measures (the speed of the
	// source, of hashing, compressing, writing and syncing, and how much
	// recent chunks shrank) predicts that compressing saves at least 1/8 of
	// the bytes without making the write slower: on a fast disk and a busy
	// CPU chunks are stored raw, behind a slow disk or client compressed.
	// CodecZstd compresses every chunk it makes smaller.
	// Default: CodecS2.
	Codec Codec

	// Concurrency is the number of chunks hashed and compressed at the same
	// time, across all Writers of the Store. Each Writer additionally holds
	// at most Concurrency+2 chunks in memory (about 2.2 MiB each), however
	// large the segment.
	// Default: runtime.GOMAXPROCS(0).
	Concurrency int
}

// EnsureDefaults fills in the default of every zero field of o and returns
// o; if o is nil it returns a new Options with all defaults.
func (o *Options) EnsureDefaults() *Options {
	if o == nil {
		o = &Options{}
	}
	if o.Codec == 0 {
		o.Codec = CodecS2
	}
	if o.Concurrency == 0 {
		o.Concurrency = runtime.GOMAXPROCS(0)
	}
	return o
}

// Validate reports every invalid field of o at once. Zero fields are valid:
// they select defaults.
func (o *Options) Validate() error {
	var errs []error
	if o.Codec != 0 && !o.Codec.valid() {
		errs = append(errs, fmt.Errorf("blob: Options.Codec: unknown codec %s", o.Codec))
	}
	if o.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("blob: Options.Concurrency: %d is negative", o.Concurrency))
	}
	return errors.Join(errs...)
}

var (
	// ErrNotFound reports that no committed segment has the requested ID.
	ErrNotFound = errors.New("blob: segment not found")
	// ErrExist reports that a segment with the ID is committed or being
	// written.
	ErrExist = errors.New("blob: segment already exists")
	// ErrCorrupt reports that stored bytes fail their checks. Every error
	// describing damage wraps it and is a *CorruptError; corrupt bytes are
	// never returned as data.
	ErrCorrupt = errors.New("blob: segment corrupt")
)

// CorruptError describes damage found in a segment. It wraps ErrCorrupt.
type CorruptError struct {
	ID ID
	// Chunk is the index of the damaged chunk (and tree-hash leaf), or -1
	// if the damage is in the footer or index, which makes the whole
	// segment unreadable.
	Chunk  int
	Detail string
}

func corruptf(id ID, chunk int, format string, args ...any) *CorruptError {
	return &CorruptError{ID: id, Chunk: chunk, Detail: fmt.Sprintf(format, args...)}
}

// Error describes the damage.
func (e *CorruptError) Error() string {
	if e.Chunk < 0 {
		return fmt.Sprintf("blob: segment %s corrupt: %s", e.ID, e.Detail)
	}
	return fmt.Sprintf("blob: segment %s corrupt: chunk %d: %s", e.ID, e.Chunk, e.Detail)
}

// Unwrap returns ErrCorrupt.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// Info describes a committed segment.
type Info struct {
	ID ID
	// Size is the number of bytes in the segment.
	Size int64
	// Leaves holds the SHA-256 of each ChunkSize-byte chunk of the segment
	// (the last may be shorter), in order: the leaves of its tree hash.
	// Empty for an empty segment.
	Leaves [][32]byte
	// StoredSize is the size of the segment file: compressed chunks plus
	// framing, index and footer.
	StoredSize int64
}

// Store holds the segments of one directory. Its methods are safe for
// concurrent use. A directory must be used by at most one Store at a time.
type Store struct {
	b    backend
	opts Options
	// sem bounds the chunks being hashed and compressed across all Writers.
	sem     chan struct{}
	zstdEnc *zstd.Encoder // nil unless opts.Codec is CodecZstd
	zstdDec func() (*zstd.Decoder, error)

	// choose decides how each chunk is sealed (see policy.go); nil seals
	// every chunk with the codec.
	choose func(c *costs, seq uint64) mode

	mu      sync.Mutex
	writing map[ID]struct{} // IDs of open Writers
	learned costs           // the last committed Writer's, to start the next from
}

// Open opens the store in directory dir of fs, creating the directory if
// needed, removes temporary files left by Writers that were never committed
// (by a crash, say), and moves segment files of the flat layout of earlier
// versions into their fan-out directories (see the package documentation).
// It lists dir alone, however many segments the store holds. It returns an
// error if the options are invalid or if fs fails; a move that failed is
// finished by the next Open.
func Open(fs vfs.FS, dir string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.EnsureDefaults()
	b, err := openVFSBackend(fs, dir)
	if err != nil {
		return nil, err
	}
	return newStore(b, o)
}

// newStore returns a Store of the segments in b; o is valid and defaulted.
func newStore(b backend, o Options) (*Store, error) {
	var err error
	s := &Store{
		b:       b,
		opts:    o,
		sem:     make(chan struct{}, o.Concurrency),
		writing: make(map[ID]struct{}),
	}
	if o.Codec == CodecS2 {
		s.choose = (*costs).choose
		s.learned.sealers = float64(min(o.Concurrency, runtime.GOMAXPROCS(0)))
		s.learned.cores = float64(runtime.GOMAXPROCS(0))
	}
	if o.Codec == CodecZstd {
		// CRC off: every frame already carries a CRC-32C.
		s.zstdEnc, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(o.Concurrency), zstd.WithEncoderCRC(false))
		if err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
	}
	// Readers need a decoder only if they meet a zstd chunk.
	s.zstdDec = sync.OnceValues(func() (*zstd.Decoder, error) {
		return zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(o.Concurrency),
			zstd.WithDecoderMaxMemory(ChunkSize),
			zstd.WithDecodeAllCapLimit(true))
	})
	return s, nil
}

// Create starts writing segment id. It returns an error wrapping ErrExist if
// id is committed or already being written. The segment becomes visible only
// when the Writer's Commit succeeds; the caller must call Commit or Abort.
func (s *Store) Create(id ID) (*Writer, error) {
	s.mu.Lock()
	if _, ok := s.writing[id]; ok {
		s.mu.Unlock()
		return nil, fmt.Errorf("blob: create %s: %w", id, ErrExist)
	}
	s.writing[id] = struct{}{}
	s.mu.Unlock()
	p, err := s.b.create(id)
	if err != nil {
		s.done(id)
		return nil, err
	}
	return newWriter(s, id, p), nil
}

// learnedCosts returns the costs a new Writer starts from.
func (s *Store) learnedCosts() costs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.learned
}

// learn keeps the costs of a committed Writer for the next ones.
func (s *Store) learn(c costs) {
	s.mu.Lock()
	s.learned = c
	s.mu.Unlock()
}

// done forgets the Writer of id.
func (s *Store) done(id ID) {
	s.mu.Lock()
	delete(s.writing, id)
	s.mu.Unlock()
}

// Stat returns the Info of committed segment id, reading only its footer
// and index. It returns an error wrapping ErrNotFound if there is no such
// segment, and a *CorruptError if the footer or index is damaged.
func (s *Store) Stat(id ID) (Info, error) {
	r, err := s.Open(id)
	if err != nil {
		return Info{}, err
	}
	defer r.Close()
	return r.Info(), nil
}

// Open opens committed segment id for reading, reading its footer and
// index. Errors are as for Stat. The caller must Close the Reader.
func (s *Store) Open(id ID) (*Reader, error) {
	o, err := s.b.open(id)
	if err != nil {
		return nil, err
	}
	r, err := newReader(s, id, o)
	if err != nil {
		o.Close()
		return nil, err
	}
	return r, nil
}

// Delete removes committed segment id, durably: once it returns, a crash
// does not bring the segment back. Deleting a missing segment is not an
// error. Readers already open keep working on filesystems with POSIX
// semantics.
func (s *Store) Delete(id ID) error { return s.b.remove(id) }

// List returns the IDs of the committed segments, in no particular order.
// A segment is listed only once complete and synced, never while being
// written or after a crash interrupted it (see Writer.Commit for the one
// failed Commit a crash may bring back).
func (s *Store) List() ([]ID, error) { return s.b.list() }

// Verify re-reads every chunk of segment id and checks its CRC, that it
// decodes to its recorded length, and that the SHA-256 of the decoded bytes
// equals the stored leaf. Chunks are checked on up to Concurrency
// goroutines. It returns nil if the segment is intact, a *CorruptError
// naming the first damaged chunk (or -1 for the index), an error wrapping
// ErrNotFound, or an I/O error.
func (s *Store) Verify(id ID) error {
	r, err := s.Open(id)
	if err != nil {
		return err
	}
	defer r.Close()
	// The consumer only waits, so Concurrency-1 ahead keeps Concurrency busy.
	ra := readahead{r: r, end: len(r.chunks), depth: s.opts.Concurrency - 1, verify: true}
	defer ra.close()
	for range r.chunks {
		l := ra.take()
		l.release()
		if l.err != nil {
			return l.err
		}
	}
	return nil
}
