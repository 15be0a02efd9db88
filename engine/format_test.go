package engine

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/multipart"
	"github.com/firnstore/firn/vault"
)

// The format golden tests of the records and timers the engine owns; see
// internal/store/format_test.go. Regenerate with -update.
var update = flag.Bool("update", false, "rewrite the golden files under internal/store/testdata/format")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "internal", "store", "testdata", "format", name)
	if *update {
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

func hexLines(rows [][2]any) []byte {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %s\n", r[0], hex.EncodeToString(r[1].([]byte)))
	}
	return []byte(b.String())
}

var (
	ft0  = time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)
	fid1 = [16]byte{0x01, 0x92, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8, 0x09}
	fid2 = [16]byte{0x02, 0x93, 0x3d, 0x4e, 0x5f, 0x60, 0x71, 0x82, 0x93, 0xa4, 0xb5, 0xc6, 0xd7, 0xe8, 0xf9, 0x0a}
	fid3 = [16]byte{0x03, 0x94, 0x3e, 0x4f, 0x50, 0x61, 0x72, 0x83, 0x94, 0xa5, 0xb6, 0xc7, 0xd8, 0xe9, 0xfa, 0x0b}
)

func TestFormatTimers(t *testing.T) {
	const acct = "123456789012"
	due := ft0.UnixNano()
	v := &vault.Vault{ID: fid1, Account: acct, Name: "photos-2026"}
	jk := store.JobKey(fid1, fid2)
	golden(t, "timers.txt", hexLines([][2]any{
		{"jobcomplete", store.TimerKey(due, timerJobComplete, jk)},
		{"jobexpire", store.TimerKey(due, timerJobExpire, jk)},
		{"uploadexpire", store.TimerKey(due, timerUploadExpire, uploadTimerID(fid1, fid2))},
		{"lockexpire", store.TimerKey(due, timerLockExpire, lockTimerID(v))},
		{"notify", store.TimerKey(due, timerNotify, append(append([]byte(nil), jk...), "arn:aws:sns:us-east-1:123456789012:t"...))},
	}))
	golden(t, "retrievallog.txt", hexLines([][2]any{
		{"retrievallog.key", store.AccountKey(acct, store.AccountRetrievalLog, be64(ft0), fid2[:])},
		{"expeditedlog.key", store.AccountKey(acct, store.AccountExpeditedLog, be64(ft0), fid2[:])},
		{"log.bound", store.AccountKey(acct, store.AccountRetrievalLog, be64(ft0))},
		{"log.value", binary.AppendVarint(nil, 1<<40+3)},
	}))
}

func TestFormatEngineRecords(t *testing.T) {
	hash := multipart.TreeHash{0xab, 0xcd, 31: 0xef}
	samples := map[string]any{
		"upload.json": &uploadRecord{
			Upload: multipart.Upload{ID: fid2, Description: "upload", PartSize: 1 << 20, Created: ft0,
				State: multipart.Completed, Ended: ft0.Add(time.Hour),
				Archive: &multipart.Archive{ID: fid3, Size: 1<<20 + 1, TreeHash: hash}},
			Timer: ft0.Add(25 * time.Hour),
		},
		"upload-zero.json": &uploadRecord{},
		"part.json": &partRecord{
			Part:     multipart.Part{Range: multipart.Range{Start: 1 << 20, Size: 1 << 20}, TreeHash: hash, Uploaded: ft0},
			Segments: []vault.Segment{{ID: fid3, Size: 1 << 20}},
		},
		"part-zero.json":     &partRecord{},
		"capacity.json":      &capacityUnit{ID: fid1, Start: ft0, Expires: ft0.AddDate(0, 1, 0)},
		"capacity-zero.json": &capacityUnit{},
		"notification.json": &Notification{ID: "01J0JOB/arn:aws:sns:us-east-1:123456789012:t",
			Topic: "arn:aws:sns:us-east-1:123456789012:t", Subject: "Notification From AWS Glacier", Message: []byte(`{"JobId":"01J0JOB"}`)},
		"notification-zero.json": &Notification{},
	}
	for name, v := range samples {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("records", name), got)
			want, err := os.ReadFile(filepath.Join("..", "internal", "store", "testdata", "format", "records", name))
			if err != nil {
				t.Fatal(err)
			}
			back := reflect.New(reflect.TypeOf(v).Elem())
			if err := unmarshal(want, back.Interface()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.Interface(), v) {
				t.Errorf("decoding %s gives\n%+v\nwant\n%+v", name, back.Elem(), reflect.ValueOf(v).Elem())
			}
		})
	}
}
