package multipart

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/treehash"
	"github.com/oklog/ulid/v2"
	"pgregory.net/rapid"
)

const mib = 1 << 20

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// wantCode checks err's code and that its message mentions every string of
// mentions.
func wantCode(t *testing.T, what string, err error, code firn.Code, mentions ...string) {
	t.Helper()
	var fe *firn.Error
	if !errors.As(err, &fe) || fe.Code != code {
		t.Errorf("%s: error %v, want %s", what, err, code)
		return
	}
	for _, m := range mentions {
		if !strings.Contains(fe.Message, m) {
			t.Errorf("%s: message %q does not mention %q", what, fe.Message, m)
		}
	}
}

func newUpload(t *testing.T, partSize int64) Upload {
	t.Helper()
	u, err := New([16]byte{1}, "desc", partSize, t0)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return u
}

func TestNew(t *testing.T) {
	for n := int64(mib); n <= 4<<30; n *= 2 {
		u, err := New([16]byte{1}, "a b", n, t0)
		if err != nil {
			t.Errorf("New(PartSize %d): %v", n, err)
			continue
		}
		want := Upload{ID: [16]byte{1}, Description: "a b", PartSize: n, Created: t0, State: InProgress}
		if !reflect.DeepEqual(u, want) {
			t.Errorf("New(PartSize %d) = %+v, want %+v", n, u, want)
		}
	}
	_, err := New([16]byte{1}, "", 0, t0)
	wantCode(t, "PartSize 0", err, firn.CodeMissingParameterValue, "PartSize")
	for _, n := range []int64{-mib, 1, mib - 1, mib + 1, 3 * mib, 6 * mib, 8 << 30, 1 << 62} {
		_, err := New([16]byte{1}, "", n, t0)
		wantCode(t, "PartSize", err, firn.CodeInvalidParameterValue, "PartSize")
	}
	_, err = New([16]byte{1}, "tab\there", mib, t0)
	wantCode(t, "bad description", err, firn.CodeInvalidParameterValue, "ArchiveDescription")
	_, err = New([16]byte{1}, strings.Repeat("x", 1025), mib, t0)
	wantCode(t, "long description", err, firn.CodeInvalidParameterValue, "ArchiveDescription")
	// Leading whitespace is removed (the developer guide), trailing too (as
	// by the HTTP header), as for UploadArchive.
	for in, want := range map[string]string{"  lead": "lead", "trail  ": "trail", " \t both \t": "both", "   ": "", " " + strings.Repeat("x", 1024) + " ": strings.Repeat("x", 1024)} {
		u, err := New([16]byte{1}, in, mib, t0)
		if err != nil || u.Description != want {
			t.Errorf("New(description %q): %q, %v; want %q", in, u.Description, err, want)
		}
	}
}

func TestPartIndex(t *testing.T) {
	u := newUpload(t, 2*mib)
	for _, c := range []struct {
		r    Range
		want int
	}{
		{Range{0, 2 * mib}, 0},
		{Range{0, 1}, 0},
		{Range{2 * mib, 2 * mib}, 1},
		{Range{9999 * 2 * mib, 5}, 9999},
	} {
		if got, err := u.PartIndex(c.r); err != nil || got != c.want {
			t.Errorf("PartIndex(%v) = %d, %v; want %d", c.r, got, err, c.want)
		}
	}
	for _, r := range []Range{{1, 5}, {mib, mib}, {0, 2*mib + 1}, {2 * mib, 4 * mib}, {10000 * 2 * mib, 1}} {
		_, err := u.PartIndex(r)
		wantCode(t, "PartIndex "+r.String(), err, firn.CodeInvalidParameterValue, "Range", r.String())
	}
	for _, s := range terminal(t) {
		_, err := s.PartIndex(Range{0, 2 * mib})
		wantCode(t, "PartIndex in state "+string(s.State), err, firn.CodeResourceNotFound, s.ID.String())
	}
}

// terminal returns an upload in each terminal state.
func terminal(t *testing.T) []Upload {
	u := newUpload(t, mib)
	p := []Part{{Range: Range{0, 10}, TreeHash: TreeHash(treehash.Sum(make([]byte, 10)))}}
	c, err := u.Complete(p, 10, p[0].TreeHash, [16]byte{9}, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	a, err := u.Abort(t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	x, ok := u.Expire(t0, t0.Add(InactivityLimit))
	if !ok {
		t.Fatal("Expire did not expire")
	}
	return []Upload{c, a, x}
}

// parts splits data into parts of partSize and returns them with the tree
// hash of the whole.
func parts(data []byte, partSize int) ([]Part, TreeHash) {
	var ps []Part
	for off := 0; off < len(data); off += partSize {
		b := data[off:min(off+partSize, len(data))]
		ps = append(ps, Part{Range: Range{int64(off), int64(len(b))}, TreeHash: TreeHash(treehash.Sum(b)), Uploaded: t0})
	}
	return ps, TreeHash(treehash.Sum(data))
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>20)
	}
	return b
}

// TestCompleteTreeHash checks that Complete's combination of part tree
// hashes is the tree hash of the whole archive, for several part sizes and
// archive sizes that are and are not multiples of them.
func TestCompleteTreeHash(t *testing.T) {
	for _, c := range []struct{ partSize, size int }{
		{mib, 1}, {mib, mib}, {mib, mib + 1}, {mib, 3 * mib}, {mib, 5*mib - 7},
		{2 * mib, 7*mib + 3}, {4 * mib, 4 * mib}, {4 * mib, 9 * mib}, {8 * mib, 8*mib + 1},
	} {
		data := pattern(c.size)
		ps, sum := parts(data, c.partSize)
		u := newUpload(t, int64(c.partSize))
		done, err := u.Complete(ps, int64(c.size), sum, [16]byte{7}, t0.Add(time.Hour))
		if err != nil {
			t.Errorf("part size %d, size %d: %v", c.partSize, c.size, err)
			continue
		}
		want := u
		want.State, want.Ended = Completed, t0.Add(time.Hour)
		want.Archive = &Completion{ID: [16]byte{7}, Size: int64(c.size), TreeHash: sum}
		if !reflect.DeepEqual(done, want) {
			t.Errorf("Complete = %+v, want %+v", done, want)
		}
	}
}

func TestCompleteInvalid(t *testing.T) {
	data := pattern(3*mib + 100)
	ps, sum := parts(data, mib)
	size := int64(len(data))
	short := append([]Part(nil), ps...)
	short[1].Size = 100
	short[1].TreeHash = TreeHash(treehash.Sum(data[mib : mib+100]))
	for _, c := range []struct {
		name     string
		parts    []Part
		size     int64
		sum      TreeHash
		mentions []string
	}{
		{"no parts", nil, size, sum, []string{"ArchiveSize", "no parts"}},
		{"size too large", ps, size + 1, sum, []string{"ArchiveSize", "3145829", "3145828"}},
		{"size too small", ps, size - 1, sum, []string{"ArchiveSize"}},
		{"first missing", ps[1:], size - mib, sum, []string{"Range", "0-1048575"}},
		{"middle missing", append([]Part{ps[0]}, ps[2:]...), size - mib, sum, []string{"Range", "1048576-2097151"}},
		{"short part not last", short, size - mib + 100, sum, []string{"Range", "1048576-1048675", "shorter"}},
		{"wrong checksum", ps, size, TreeHash{1}, []string{"Checksum", TreeHash{1}.String(), sum.String()}},
		{"parts out of order", []Part{ps[1], ps[0], ps[2], ps[3]}, size, sum, []string{"Range"}},
	} {
		u := newUpload(t, mib)
		got, err := u.Complete(c.parts, c.size, c.sum, [16]byte{7}, t0)
		wantCode(t, c.name, err, firn.CodeInvalidParameterValue, c.mentions...)
		if !reflect.DeepEqual(got, u) {
			t.Errorf("%s: failed Complete changed the upload to %+v", c.name, got)
		}
	}
}

func TestCompleteRepeat(t *testing.T) {
	data := pattern(2 * mib)
	ps, sum := parts(data, mib)
	u := newUpload(t, mib)
	done, err := u.Complete(ps, 2*mib, sum, [16]byte{7}, t0)
	if err != nil {
		t.Fatal(err)
	}
	// Repeats see no parts: they were consumed.
	again, err := done.Complete(nil, 2*mib, sum, [16]byte{8}, t0.Add(time.Hour))
	if err != nil || !reflect.DeepEqual(again, done) {
		t.Errorf("repeated Complete = %+v, %v; want the upload unchanged", again, err)
	}
	_, err = done.Complete(nil, 2*mib+1, sum, [16]byte{8}, t0)
	wantCode(t, "repeat with another size", err, firn.CodeInvalidParameterValue, "ArchiveSize", ulid.ULID{7}.String())
	_, err = done.Complete(nil, 2*mib, TreeHash{1}, [16]byte{8}, t0)
	wantCode(t, "repeat with another checksum", err, firn.CodeInvalidParameterValue, "Checksum")
	for _, s := range terminal(t)[1:] {
		_, err := s.Complete(ps, 2*mib, sum, [16]byte{8}, t0)
		wantCode(t, "Complete in state "+string(s.State), err, firn.CodeResourceNotFound, s.ID.String())
	}
}

func TestAbort(t *testing.T) {
	u := newUpload(t, mib)
	a, err := u.Abort(t0.Add(time.Minute))
	if err != nil || a.State != Aborted || !a.Ended.Equal(t0.Add(time.Minute)) {
		t.Fatalf("Abort = %+v, %v", a, err)
	}
	if again, err := a.Abort(t0.Add(time.Hour)); err != nil || !reflect.DeepEqual(again, a) {
		t.Errorf("repeated Abort = %+v, %v; want the upload unchanged", again, err)
	}
	ts := terminal(t)
	_, err = ts[0].Abort(t0)
	wantCode(t, "Abort completed", err, firn.CodeInvalidParameterValue, "UploadId", "completed")
	_, err = ts[2].Abort(t0)
	wantCode(t, "Abort expired", err, firn.CodeResourceNotFound, "expired")
}

func TestExpireAndDue(t *testing.T) {
	u := newUpload(t, mib)
	last := t0.Add(3 * time.Hour)
	if d := u.Due(last); !d.Equal(last.Add(InactivityLimit)) {
		t.Errorf("Due = %v, want %v", d, last.Add(InactivityLimit))
	}
	if got, ok := u.Expire(last, last.Add(InactivityLimit-time.Nanosecond)); ok || !reflect.DeepEqual(got, u) {
		t.Errorf("Expire before the limit = %+v, %v", got, ok)
	}
	x, ok := u.Expire(last, last.Add(InactivityLimit))
	if !ok || x.State != Expired || !x.Ended.Equal(last.Add(InactivityLimit)) {
		t.Fatalf("Expire at the limit = %+v, %v", x, ok)
	}
	if d := x.Due(last); !d.Equal(x.Ended.Add(Retention)) {
		t.Errorf("Due of an expired upload = %v, want %v", d, x.Ended.Add(Retention))
	}
	for _, s := range terminal(t) {
		if got, ok := s.Expire(t0, t0.Add(1000*time.Hour)); ok || !reflect.DeepEqual(got, s) {
			t.Errorf("Expire in state %s = %+v, %v", s.State, got, ok)
		}
	}
	ps := []Part{{Uploaded: t0.Add(time.Hour)}, {Uploaded: t0.Add(5 * time.Hour)}, {Uploaded: t0.Add(2 * time.Hour)}}
	if got := LastActivity(&u, ps); !got.Equal(t0.Add(5 * time.Hour)) {
		t.Errorf("LastActivity = %v, want %v", got, t0.Add(5*time.Hour))
	}
	if got := LastActivity(&u, nil); !got.Equal(t0) {
		t.Errorf("LastActivity without parts = %v, want %v", got, t0)
	}
}

func TestMarkers(t *testing.T) {
	for _, start := range []int64{0, 4 * mib, 9999 * 4 * mib} {
		got, err := ParsePartMarker(PartMarker(start), 4*mib)
		if err != nil || got != start {
			t.Errorf("ParsePartMarker(PartMarker(%d)) = %d, %v", start, got, err)
		}
	}
	for _, s := range []string{"x", "-4194304", "04194304", "1048576", "41943040000", "4194304 ", "99999999999999999999"} {
		_, err := ParsePartMarker(s, 4*mib)
		wantCode(t, "ParsePartMarker "+s, err, firn.CodeInvalidParameterValue, "marker")
	}
	id := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	if got, err := ParseUploadMarker(UploadMarker(id)); err != nil || got != id {
		t.Errorf("ParseUploadMarker(UploadMarker(%x)) = %x, %v", id, got, err)
	}
	for _, s := range []string{"x", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAVX", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ"} {
		_, err := ParseUploadMarker(s)
		wantCode(t, "ParseUploadMarker "+s, err, firn.CodeInvalidParameterValue, "marker")
	}
}

func TestParseID(t *testing.T) {
	_, err := ParseID("")
	wantCode(t, "empty", err, firn.CodeMissingParameterValue, "UploadId")
	_, err = ParseID("nope")
	wantCode(t, "malformed", err, firn.CodeResourceNotFound, "nope")
	id := ulid.ULID{0: 1, 15: 2}
	if got, err := ParseID(id.String()); err != nil || got != id {
		t.Errorf("ParseID(%s) = %s, %v", id, got, err)
	}
}

// TestStateMachine drives one upload through random events and checks that
// only the documented transitions happen: InProgress to a terminal state,
// and nothing out of a terminal state.
func TestStateMachine(t *testing.T) {
	data := pattern(2*mib + 5)
	ps, sum := parts(data, mib)
	rapid.Check(t, func(t *rapid.T) {
		u, err := New([16]byte{1}, "", mib, t0)
		if err != nil {
			t.Fatal(err)
		}
		now, last := t0, t0
		for range rapid.IntRange(1, 12).Draw(t, "events") {
			prev := u
			now = now.Add(time.Duration(rapid.IntRange(0, 30).Draw(t, "hours")) * time.Hour)
			var next Upload
			var err error
			switch ev := rapid.SampledFrom([]string{"complete", "badComplete", "abort", "expire", "activity"}).Draw(t, "event"); ev {
			case "complete":
				next, err = u.Complete(ps, int64(len(data)), sum, [16]byte{2}, now)
			case "badComplete":
				next, err = u.Complete(ps[:1], int64(len(data)), sum, [16]byte{2}, now)
				if prev.State == InProgress && err == nil {
					t.Fatal("Complete with a missing part succeeded")
				}
			case "abort":
				next, err = u.Abort(now)
			case "expire":
				var ok bool
				next, ok = u.Expire(last, now)
				if ok != (prev.State == InProgress && !now.Before(last.Add(InactivityLimit))) {
					t.Fatalf("Expire(%v, %v) of %s = %v", last, now, prev.State, ok)
				}
			case "activity":
				if _, err := u.PartIndex(Range{0, mib}); (err == nil) != (prev.State == InProgress) {
					t.Fatalf("PartIndex in state %s: %v", prev.State, err)
				}
				if prev.State == InProgress {
					last = now
				}
				continue
			}
			if err != nil {
				if !reflect.DeepEqual(next, prev) {
					t.Fatalf("failed event changed %+v to %+v", prev, next)
				}
				continue
			}
			switch {
			case reflect.DeepEqual(next, prev):
			case prev.State == InProgress && next.State != InProgress:
				if !next.Ended.Equal(now) {
					t.Fatalf("Ended = %v, want %v", next.Ended, now)
				}
				if (next.State == Completed) != (next.Archive != nil) {
					t.Fatalf("state %s with archive %v", next.State, next.Archive)
				}
			default:
				t.Fatalf("illegal transition %+v -> %+v", prev, next)
			}
			u = next
		}
	})
}
