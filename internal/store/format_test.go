package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/lock"
	"github.com/firnstore/firn/multipart"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// The format golden tests pin the on-disk format, as Pebble pins its format
// versions: every key layout and every record encoding is compared with a
// checked-in file under testdata/format, so that an accidental change of a
// byte fails a test. A deliberate change bumps FormatVersion (see doc.go)
// and regenerates the files with
//
//	go test ./internal/store -run Format -update
var update = flag.Bool("update", false, "rewrite the golden files under testdata/format")

// golden compares got with the golden file name under testdata/format, or
// rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "format", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed: the on-disk format is not what it was\ngot:  %q\nwant: %q", path, got, want)
	}
}

// hexLines renders named byte strings one a line, for a golden file.
func hexLines(rows [][2]any) []byte {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %s\n", r[0], hex.EncodeToString(r[1].([]byte)))
	}
	return []byte(b.String())
}

// Fixed values of the samples.
var (
	t0   = time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)
	id1  = ulid.ULID{0x01, 0x92, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8, 0x09}
	id2  = ulid.ULID{0x02, 0x93, 0x3d, 0x4e, 0x5f, 0x60, 0x71, 0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7, 0xe8, 0xf9, 0x0a}
	id3  = ulid.ULID{0x03, 0x94, 0x3e, 0x4f, 0x50, 0x61, 0x72, 0x83, 0x94, 0xa5, 0xb6, 0xc7, 0xd8, 0xe9, 0xfa, 0x0b}
	acct = "123456789012"
	bph  = int64(1 << 30)
)

func TestFormatKeys(t *testing.T) {
	golden(t, "keys.txt", hexLines([][2]any{
		{"format", FormatKey()},
		{"epoch", EpochKey()},
		{"vault", VaultKey(acct, "photos-2026")},
		{"vault.prefix", VaultPrefix(acct)},
		{"vault.all", VaultAll()},
		{"archive", ArchiveKey(id1, id2)},
		{"archive.prefix", ArchivePrefix(id1)},
		{"counters", CounterKey(id1)},
		{"segref", SegRefKey(id3, ArchiveKey(id1, id2))},
		{"segref.prefix", SegRefPrefix(id3)},
		{"segref.all", SegRefAll()},
		{"upload", UploadKey(id1, id2)},
		{"upload.prefix", UploadPrefix(id1)},
		{"part", PartKey(id1, id2, 0x01020304)},
		{"part.prefix", PartPrefix(id1, id2)},
		{"part.vaultprefix", PartVaultPrefix(id1)},
		{"job", JobKey(id1, id2)},
		{"job.prefix", JobPrefix(id1)},
		{"account.retrievalpolicy", AccountKey(acct, AccountRetrievalPolicy)},
		{"account.capacity", AccountKey(acct, AccountCapacity, id1[:])},
		{"account.retrievallog", AccountKey(acct, AccountRetrievalLog)},
		{"account.expeditedlog", AccountKey(acct, AccountExpeditedLog)},
		{"timer", TimerKey(t0.UnixNano(), 'z', []byte("id"))},
		{"timer.all", TimerAll()},
		{"tombstone", TombstoneKey(id1, id2)},
		{"tombstone.prefix", TombstonePrefix(id1)},
		{"inline", InlineKey(id3)},
		{"inline.all", InlineAll()},
		{"intent", IntentKey(id3)},
		{"intent.all", IntentAll()},
		{"sourceid", SourceIDKey(id1, [32]byte{0xaa, 0xbb, 31: 0xcc})},
		{"sourceid.prefix", SourceIDPrefix(id1)},
	}))
}

func TestFormatKeySplits(t *testing.T) {
	if got := VaultNameFromKey(VaultKey(acct, "photos-2026")); got != "photos-2026" {
		t.Errorf("VaultNameFromKey = %q", got)
	}
	seg, owner := SegRefSplit(SegRefKey(id3, ArchiveKey(id1, id2)))
	if seg != id3 || !bytes.Equal(owner, ArchiveKey(id1, id2)) {
		t.Errorf("SegRefSplit = %x, %x", seg, owner)
	}
	due, kind, id := TimerSplit(TimerKey(t0.UnixNano(), 'z', []byte("id")))
	if due != t0.UnixNano() || kind != 'z' || string(id) != "id" {
		t.Errorf("TimerSplit = %d, %c, %q", due, kind, id)
	}
	if got := InlineID(InlineKey(id3)); got != id3 {
		t.Errorf("InlineID = %x", got)
	}
	if got := IntentID(IntentKey(id3)); got != id3 {
		t.Errorf("IntentID = %x", got)
	}
}

func TestFormatTimers(t *testing.T) {
	due := t0.UnixNano()
	jk := JobKey(id1, id2)
	golden(t, "timers.txt", hexLines([][2]any{
		{"jobcomplete", TimerKey(due, TimerJobComplete, jk)},
		{"jobexpire", TimerKey(due, TimerJobExpire, jk)},
		{"uploadexpire", TimerKey(due, TimerUploadExpire, UploadTimerID(id1, id2))},
		{"lockexpire", TimerKey(due, TimerLockExpire, LockTimerID(id1, acct, "photos-2026"))},
		{"notify", TimerKey(due, TimerNotify, NotifyTimerID(jk, "arn:aws:sns:us-east-1:123456789012:t"))},
	}))
	golden(t, "retrievallog.txt", hexLines([][2]any{
		{"retrievallog.key", AccountLogKey(acct, AccountRetrievalLog, t0, id2)},
		{"expeditedlog.key", AccountLogKey(acct, AccountExpeditedLog, t0, id2)},
		{"log.bound", AccountLogStart(acct, AccountRetrievalLog, t0)},
		{"log.value", AccountLogValue(1<<40 + 3)},
	}))
	if n := AccountLogBytes(AccountLogValue(1<<40 + 3)); n != 1<<40+3 {
		t.Errorf("AccountLogBytes = %d", n)
	}
	if v, u, ok := SplitUploadTimerID(UploadTimerID(id1, id2)); !ok || v != id1 || u != id2 {
		t.Errorf("SplitUploadTimerID = %x, %x, %v", v, u, ok)
	}
	if _, _, ok := SplitUploadTimerID(UploadTimerID(id1, id2)[:31]); ok {
		t.Error("SplitUploadTimerID accepts 31 bytes")
	}
	if v, a, n, ok := SplitLockTimerID(LockTimerID(id1, acct, "photos-2026")); !ok || v != id1 || a != acct || n != "photos-2026" {
		t.Errorf("SplitLockTimerID = %x, %q, %q, %v", v, a, n, ok)
	}
	if _, _, _, ok := SplitLockTimerID(LockTimerID(id1, acct, "")); ok {
		t.Error("SplitLockTimerID accepts an empty name")
	}
}

func TestFormatValues(t *testing.T) {
	s := openMem(t)
	format, err := s.Get(FormatKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.NextEpoch(); err != nil {
		t.Fatal(err)
	}
	epoch, err := s.Get(EpochKey())
	if err != nil {
		t.Fatal(err)
	}
	b := s.NewBatch()
	b.AddCounters(CounterKey(id1), 3, 1<<40, t0)
	b.AddCounters(CounterKey(id1), -1, -5, t0.Add(-time.Hour))
	commitT(t, b)
	merged, err := s.Get(CounterKey(id1))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "values.txt", hexLines([][2]any{
		{"format", format},
		{"epoch", epoch},
		{"counters.operand", encodeCounters(Counters{Archives: -1, Bytes: -5, LastWrite: t0.UnixNano()})},
		{"counters.merged", merged},
		{"intent", IntentValue(t0)},
	}))
	if got, ok := IntentTime(IntentValue(t0)); !ok || !got.Equal(t0) {
		t.Errorf("IntentTime = %v, %v; want %v", got, ok, t0)
	}
	if _, ok := IntentTime([]byte{1}); ok {
		t.Error("IntentTime accepts a value of one byte")
	}
	c, err := s.Counters(CounterKey(id1))
	if want := (Counters{Archives: 2, Bytes: 1<<40 - 5, LastWrite: t0.UnixNano()}); err != nil || c != want {
		t.Errorf("Counters = %+v, %v; want %+v", c, err, want)
	}
	if v, _ := binary.Uvarint(format); v != FormatVersion {
		t.Errorf("format value %d, want %d", v, FormatVersion)
	}
}

// recordSamples are a fully populated and a zero value of every record
// type the store encodes, by golden file name.
func recordSamples() map[string]any {
	seg := []vault.Segment{{ID: id1, Size: 1 << 20}, {ID: id2, Size: 12345}}
	hash := multipart.TreeHash{0xab, 0xcd, 31: 0xef}
	return map[string]any{
		"vault.json": &vault.Record{
			ID: id1, Account: acct, Name: "photos-2026", Created: t0,
			Tags:          map[string]string{"owner": "ops", "tier": "cold"},
			Notifications: &firn.VaultNotificationConfig{SNSTopic: "arn:aws:sns:us-east-1:123456789012:t", Events: []string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}},
			AccessPolicy:  `{"Version":"2012-10-17"}`,
			Lock:          lock.Lock{State: lock.InProgress, ID: "01J0LOCK", Policy: `{"Statement":[]}`, Created: t0, Expiry: t0.Add(time.Hour)},
			LastWrite:     t0.Add(time.Second),
			Inventory:     &vault.Inventory{Date: t0.Add(time.Hour), Archives: 7, Bytes: 1 << 33},
			Segments:      seg[:1],
		},
		"vault-zero.json": &vault.Record{},
		"archive.bin": &vault.ArchiveRecord{
			ID: id2, Description: "a \"quoted\" description", Size: 1<<20 + 12345,
			TreeHash: strings.Repeat("ab", 32), Created: t0, SegmentSize: 1 << 20, Segments: seg,
		},
		"archive-zero.bin": &vault.ArchiveRecord{},
		"archive-imported.bin": &vault.ArchiveRecord{
			ID: id2, Description: "imported\tas it was", Size: 12345,
			TreeHash: strings.Repeat("ab", 32), Created: t0, Segments: seg[:1],
			ExternalID: strings.Repeat("x", 138),
		},
		"job.json": &job.Record{
			ID: id2, VaultID: id1, VaultARN: "arn:aws:glacier:us-east-1:123456789012:vaults/photos-2026",
			Action: firn.ActionSelect, Description: "job", SNSTopic: "arn:aws:sns:us-east-1:123456789012:j",
			Tier: firn.TierBulk, Created: t0, Due: t0.Add(5 * time.Hour), Status: firn.StatusSucceeded,
			Message: "Succeeded", Completed: t0.Add(5 * time.Hour), Expiry: t0.Add(6 * time.Hour),
			Archive: &job.ArchiveRetrieval{ArchiveID: "archive-id", ArchiveKey: id3, Size: 1<<20 + 12345,
				TreeHash: strings.Repeat("cd", 32), Description: "d", Start: 0, End: 1<<20 - 1, RangeTreeHash: strings.Repeat("ef", 32)},
			Inventory: &job.Inventory{Format: firn.FormatCSV,
				Params:     firn.InventoryRetrievalJobInput{StartDate: "2026-01-01T00:00:00Z", EndDate: "2026-02-01T00:00:00Z", Limit: "10", Marker: "01J0MARKER"},
				Filter:     job.Filter{Start: t0.Add(-time.Hour), End: t0, Limit: 10, Marker: "01J0MARKER"},
				NextMarker: "01J0NEXT"},
			Select: &job.Select{ArchiveID: "archive-id", ArchiveKey: id3, Size: 99, TreeHash: strings.Repeat("01", 32),
				Parameters: firn.SelectParameters{
					InputSerialization:  &firn.InputSerialization{CSV: &firn.CSVInput{FileHeaderInfo: firn.FileHeaderInfoUse, Comments: "#", QuoteEscapeCharacter: `\`, RecordDelimiter: "\n", FieldDelimiter: ",", QuoteCharacter: `"`}},
					ExpressionType:      firn.ExpressionTypeSQL,
					Expression:          "select * from archive",
					OutputSerialization: &firn.OutputSerialization{CSV: &firn.CSVOutput{QuoteFields: firn.QuoteFieldsAlways, QuoteEscapeCharacter: `\`, RecordDelimiter: "\n", FieldDelimiter: ";", QuoteCharacter: "'"}},
				},
				OutputLocation: firn.OutputLocation{S3: &firn.S3Location{
					BucketName: "bucket", Prefix: "out/", CannedACL: "private", StorageClass: "STANDARD",
					Encryption:        &firn.Encryption{EncryptionType: "aws:kms", KMSKeyId: "key", KMSContext: "ctx"},
					AccessControlList: []firn.Grant{{Grantee: &firn.Grantee{Type: "CanonicalUser", DisplayName: "n", URI: "u", ID: "i", EmailAddress: "e"}, Permission: "READ"}},
					Tagging:           map[string]string{"k": "v"},
					UserMetadata:      map[string]string{"m": "w"},
				}},
				OutputPath: "out/01J0JOB"},
			Segments: seg, SegmentSize: 1 << 20, OutputSize: 1 << 20,
			Notify: []string{"arn:aws:sns:us-east-1:123456789012:j"},
		},
		"job-zero.json": &job.Record{},
		"retrievalpolicy.json": &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{
			{Strategy: firn.StrategyBytesPerHour, BytesPerHour: &bph}}},
		"retrievalpolicy-zero.json": &firn.DataRetrievalPolicy{},
		"upload.json": &UploadRecord{
			Upload: multipart.Upload{ID: id2, Description: "upload", PartSize: 1 << 20, Created: t0,
				State: multipart.Completed, Ended: t0.Add(time.Hour),
				Archive: &multipart.Completion{ID: id3, Size: 1<<20 + 1, TreeHash: hash}},
			Timer: t0.Add(25 * time.Hour),
		},
		"upload-zero.json": &UploadRecord{},
		"part.json": &PartRecord{
			Part:     multipart.Part{Range: multipart.Range{Start: 1 << 20, Size: 1 << 20}, TreeHash: hash, Uploaded: t0},
			Segments: []vault.Segment{{ID: id3, Size: 1 << 20}},
		},
		"part-zero.json":     &PartRecord{},
		"capacity.json":      &CapacityUnit{ID: id1, Start: t0, Expires: t0.AddDate(0, 1, 0)},
		"capacity-zero.json": &CapacityUnit{},
		"notification.json": &OutboxEntry{ID: "01J0JOB/arn:aws:sns:us-east-1:123456789012:t",
			Topic: "arn:aws:sns:us-east-1:123456789012:t", Subject: "Notification From AWS Glacier", Message: []byte(`{"JobId":"01J0JOB"}`)},
		"notification-zero.json": &OutboxEntry{},
	}
}

// TestFormatRecords encodes every sample record through a batch and
// compares the stored bytes with its golden file; decoding the golden bytes
// must give the sample back.
func TestFormatRecords(t *testing.T) {
	s := openMem(t)
	for name, v := range recordSamples() {
		t.Run(name, func(t *testing.T) {
			k := append(JobKey(id1, id2), name...)
			b := s.NewBatch()
			if err := b.SetRecord(k, v); err != nil {
				t.Fatal(err)
			}
			commitT(t, b)
			got, err := s.Get(k)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("records", name), got)
			want, err := os.ReadFile(filepath.Join("testdata", "format", "records", name))
			if err != nil {
				t.Fatal(err)
			}
			b = s.NewBatch()
			b.Set(k, want)
			commitT(t, b)
			back := reflect.New(reflect.TypeOf(v).Elem())
			if err := s.GetRecord(k, back.Interface()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.Interface(), v) {
				t.Errorf("decoding %s gives\n%+v\nwant\n%+v", name, back.Elem(), reflect.ValueOf(v).Elem())
			}
		})
	}
}

// TestFormatCoversEveryRecord fails when a record type is added to the
// codec without a golden sample: it reads the record types off the type
// switches of EncodeRecord and DecodeRecord.
func TestFormatCoversEveryRecord(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "records.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]map[string]bool{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "EncodeRecord" && fn.Name.Name != "DecodeRecord" {
			continue
		}
		found := map[string]bool{}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if c, ok := n.(*ast.CaseClause); ok {
				for _, e := range c.List {
					s := types.ExprString(e)
					if !strings.Contains(s, ".") {
						s = "*store." + strings.TrimPrefix(s, "*")
					}
					found[s] = true
				}
			}
			return true
		})
		cases[fn.Name.Name] = found
	}
	sampled := map[string]bool{}
	for _, v := range recordSamples() {
		sampled[fmt.Sprintf("%T", v)] = true
	}
	if len(cases["EncodeRecord"]) == 0 {
		t.Fatal("found no case of EncodeRecord's type switch")
	}
	for typ := range cases["EncodeRecord"] {
		if !sampled[typ] {
			t.Errorf("record type %s has no golden sample in recordSamples", typ)
		}
		if !cases["DecodeRecord"][typ] {
			t.Errorf("DecodeRecord does not decode %s", typ)
		}
	}
	for typ := range sampled {
		if !cases["EncodeRecord"][typ] {
			t.Errorf("sample of %s, which EncodeRecord does not take", typ)
		}
	}
}

// TestFormatSegmentHolder checks that the partial decoding of part and job
// records finds their segments.
func TestFormatSegmentHolder(t *testing.T) {
	samples := recordSamples()
	for name, want := range map[string][]vault.Segment{
		"part.json": samples["part.json"].(*PartRecord).Segments,
		"job.json":  samples["job.json"].(*job.Record).Segments,
	} {
		b, err := os.ReadFile(filepath.Join("testdata", "format", "records", name))
		if err != nil {
			t.Fatal(err)
		}
		var h SegmentHolder
		if err := DecodeRecord(b, &h); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(h.Segments, want) {
			t.Errorf("%s: segments %+v, want %+v", name, h.Segments, want)
		}
	}
}

func TestFormatRejectsUnknownTypes(t *testing.T) {
	type other struct{ A int }
	if _, err := EncodeRecord(&other{}); err == nil {
		t.Error("EncodeRecord took a type that is not a record")
	}
	if err := DecodeRecord([]byte(`{}`), &other{}); err == nil {
		t.Error("DecodeRecord took a type that is not a record")
	}
	if _, err := EncodeRecord(vault.Record{}); err == nil {
		t.Error("EncodeRecord took a record by value")
	}
}

// TestFormatSnapshot pins the lines of an inventory snapshot.
func TestFormatSnapshot(t *testing.T) {
	entries := []job.Entry{
		{ArchiveID: []byte(id1.String()), Key: id1, Description: []byte("<a & \"b\">"), Created: t0, Size: 1 << 40, TreeHash: []byte(strings.Repeat("ab", 32))},
		{ArchiveID: []byte(id2.String()), Key: id2, Created: t0.Add(time.Second), TreeHash: []byte(strings.Repeat("cd", 32))},
		{ArchiveID: []byte("imported-archive-id"), Key: id3, Created: t0.Add(2 * time.Second), Size: 1, TreeHash: []byte(strings.Repeat("ef", 32))},
	}
	var buf bytes.Buffer
	w := NewSnapshotWriter(&buf)
	for i := range entries {
		if err := w.Write(&entries[i]); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "snapshot.jsonl", buf.Bytes())
	want, err := os.ReadFile(filepath.Join("testdata", "format", "snapshot.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	r := NewSnapshotReader(bytes.NewReader(want))
	var back []job.Entry
	for {
		var e job.Entry
		if err := r.Read(&e); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		back = append(back, e)
	}
	if !reflect.DeepEqual(back, entries) {
		t.Errorf("reading the snapshot gives %+v, want %+v", back, entries)
	}
}

// TestFormatSnapshotVersion2 reads the line of a version 2 snapshot, which
// has no key: the ID is the key.
func TestFormatSnapshotVersion2(t *testing.T) {
	line := `{"id":"` + id1.String() + `","created":"2026-05-06T07:08:09.123456789Z","size":3,"hash":"` + strings.Repeat("ab", 32) + `"}` + "\n"
	var e job.Entry
	if err := NewSnapshotReader(strings.NewReader(line)).Read(&e); err != nil {
		t.Fatal(err)
	}
	if e.Key != id1 || string(e.ArchiveID) != id1.String() || e.Size != 3 {
		t.Errorf("read %+v", e)
	}
	bad := `{"id":"not-a-ulid","created":"2026-05-06T07:08:09Z","size":3,"hash":"` + strings.Repeat("ab", 32) + `"}` + "\n"
	if err := NewSnapshotReader(strings.NewReader(bad)).Read(&e); err == nil {
		t.Error("a line without a key whose ID is no ULID reads")
	}
}
