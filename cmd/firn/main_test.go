package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/treehash"
)

func TestVaultLifecycle(t *testing.T) {
	c := newCLI(t)
	if out := c.ok("vault", "list"); !strings.Contains(out, "no vaults") {
		t.Errorf("vault list of a new data directory:\n%s", out)
	}
	if out := c.ok("vault", "create", "photos"); !strings.Contains(out, "/000000000000/vaults/photos") {
		t.Errorf("vault create output:\n%s", out)
	}
	c.ok("vault", "create", "music")
	out := c.ok("vault", "list")
	if !strings.Contains(out, "NAME") || strings.Index(out, "music") > strings.Index(out, "photos") {
		t.Errorf("vault list is not a table in name order:\n%s", out)
	}
	var list firn.ListVaultsOutput
	c.okJSON(&list, "vault", "list")
	if len(list.VaultList) != 2 || list.VaultList[0].VaultName != "music" || list.VaultList[1].VaultARN != "arn:aws:glacier:us-east-1:000000000000:vaults/photos" {
		t.Errorf("vault list --json = %+v", list)
	}
	var v firn.DescribeVaultOutput
	c.okJSON(&v, "vault", "describe", "photos")
	if v.VaultName != "photos" || v.CreationDate.IsZero() {
		t.Errorf("vault describe --json = %+v", v)
	}
	c.ok("vault", "delete", "music")

	r := c.fails(exitGlacier, "vault", "describe", "music")
	if !strings.Contains(r.stderr, "ResourceNotFoundException") || !strings.Contains(r.stderr, "firn vault list") {
		t.Errorf("describing a deleted vault: stderr\n%s", r.stderr)
	}
	r = c.fails(exitGlacier, "vault", "create", "bad/name")
	if !strings.Contains(r.stderr, "InvalidParameterValueException") {
		t.Errorf("creating a badly named vault: stderr\n%s", r.stderr)
	}
}

func TestAccountFlagInDataDirectory(t *testing.T) {
	c := newCLI(t)
	c.ok("--account-id", "111122223333", "vault", "create", "v")
	var v firn.DescribeVaultOutput
	c.okJSON(&v, "--account-id", "111122223333", "vault", "describe", "v")
	if v.VaultARN != "arn:aws:glacier:us-east-1:111122223333:vaults/v" {
		t.Errorf("VaultARN = %s", v.VaultARN)
	}
	c.fails(exitGlacier, "vault", "describe", "v")
}

func TestUsageErrors(t *testing.T) {
	c := newCLI(t)
	path, _ := c.file("f", 10, 1)
	for _, args := range [][]string{
		{},
		{"bogus"},
		{"vault"},
		{"vault", "bogus"},
		{"vault", "create"},
		{"vault", "create", "a", "b"},
		{"--no-such-flag", "vault", "list"},
		{"upload", "v"},
		{"upload", "v", path, "--part-size", "3MiB"},
		{"upload", "v", path, "--part-size", "lots"},
		{"upload", "v", path, "--concurrency", "0"},
		{"job", "list", "v", "--completed", "maybe"},
		{"job", "output", "v", "j"},
		{"job", "output", "v", "j", "-o", "x", "--chunk-size", "1000"},
		{"tags", "add", "v"},
		{"tags", "add", "v", "novalue"},
		{"notifications", "set", "v"},
		{"retrieval-policy", "set"},
		{"serve", "extra"},
		{"serve", "--log-level", "loud"},
		{"--endpoint-url", "http://127.0.0.1:1", "serve"},
	} {
		r := c.run(args...)
		if r.code != exitUsage {
			t.Errorf("firn %q: exit %d, want %d\nstderr: %s", args, r.code, exitUsage, r.stderr)
			continue
		}
		if !strings.Contains(r.stderr, "--help") {
			t.Errorf("firn %q: usage error without a pointer to --help:\n%s", args, r.stderr)
		}
	}
	bare := &cli{t: t, global: []string{"--data", "a", "--endpoint-url", "http://b"}}
	bare.fails(exitUsage, "vault", "list")
	bare.global = []string{"--endpoint-url", "ftp://b"}
	bare.fails(exitUsage, "vault", "list")
}

func TestLocalErrors(t *testing.T) {
	c := newCLI(t)
	c.ok("vault", "create", "v")
	r := c.fails(exitLocal, "upload", "v", filepath.Join(c.dir, "missing"))
	if !strings.Contains(r.stderr, "no such file") {
		t.Errorf("uploading a missing file: %s", r.stderr)
	}
	c.fails(exitLocal, "upload", "v", c.dir)
	c.fails(exitLocal, "policy", "set", "v", filepath.Join(c.dir, "missing.json"))

	// The data directory is locked while open.
	e, err := engine.Open(filepath.Join(c.dir, "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	r = c.fails(exitLocal, "vault", "list")
	if !strings.Contains(r.stderr, "--endpoint-url") {
		t.Errorf("a locked data directory gives no hint: %s", r.stderr)
	}
}

func TestUploadSingleAndMultipart(t *testing.T) {
	c := newCLI(t)
	s := c.spyOn()
	c.ok("vault", "create", "v")

	small, smallData := c.file("small.txt", 1000, 1)
	var up firn.UploadArchiveOutput
	c.okJSON(&up, "upload", "v", small)
	if s.singles != 1 || len(s.parts) != 0 {
		t.Errorf("small file: %d single uploads, %d parts; want 1, 0", s.singles, len(s.parts))
	}
	if want := treehash.Hex(treehash.Sum(smallData)); up.Checksum != want {
		t.Errorf("Checksum = %s, want %s", up.Checksum, want)
	}

	big, bigData := c.file("big.bin", 3<<20+12345, 2)
	var mp firn.UploadArchiveOutput
	c.okJSON(&mp, "upload", "v", big, "--threshold", "1MiB", "--part-size", "1MiB", "--concurrency", "3", "--description", "big one")
	if s.singles != 1 || len(s.parts) != 4 {
		t.Errorf("big file: %d single uploads, %d parts; want 1, 4", s.singles, len(s.parts))
	}
	if want := treehash.Hex(treehash.Sum(bigData)); mp.Checksum != want {
		t.Errorf("multipart Checksum = %s, want %s", mp.Checksum, want)
	}
	if out := c.ok("upload", "v", small); !strings.Contains(out, "Archive ID:") {
		t.Errorf("human upload output:\n%s", out)
	}

	if got := c.retrieve("v", up.ArchiveId); !bytes.Equal(got, smallData) {
		t.Error("retrieved small archive differs")
	}
	// Small chunks exercise parallel ranged downloads and per-chunk checks.
	if got := c.retrieve("v", mp.ArchiveId, "--chunk-size", "1MiB", "--concurrency", "3"); !bytes.Equal(got, bigData) {
		t.Error("retrieved multipart archive differs")
	}

	// The inventory lists both, with the descriptions given.
	var inv struct {
		ArchiveList []struct {
			ArchiveId, ArchiveDescription, SHA256TreeHash string
			Size                                          int64
		}
	}
	var job firn.InitiateJobOutput
	c.okJSON(&job, "job", "inventory", "v")
	c.ok("job", "output", "v", job.JobId, "-o", filepath.Join(c.dir, "inv.json"))
	b, err := os.ReadFile(filepath.Join(c.dir, "inv.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &inv); err != nil {
		t.Fatalf("inventory: %v\n%s", err, b)
	}
	found := map[string]string{}
	for _, a := range inv.ArchiveList {
		found[a.ArchiveId] = a.ArchiveDescription
	}
	if len(inv.ArchiveList) != 3 || found[up.ArchiveId] != "small.txt" || found[mp.ArchiveId] != "big one" {
		t.Errorf("inventory = %+v", inv.ArchiveList)
	}
}

func TestJobOutputRangesAndStdout(t *testing.T) {
	c := newCLI(t)
	c.ok("vault", "create", "v")
	path, data := c.file("a.bin", 5<<20+7, 3)
	var up firn.UploadArchiveOutput
	c.okJSON(&up, "upload", "v", path)

	var job firn.InitiateJobOutput
	c.okJSON(&job, "job", "retrieve", "v", up.ArchiveId, "--tier", "Expedited", "--description", "test")
	var desc map[string]any
	c.okJSON(&desc, "job", "describe", "v", job.JobId)
	// The wire form: every member present, null where it does not apply.
	if desc["Tier"] != "Expedited" || desc["JobDescription"] != "test" || desc["SNSTopic"] != nil || len(desc) != 21 {
		t.Errorf("job describe --json = %v", desc)
	}

	for _, tc := range []struct {
		rng        string
		start, end int
		verified   bool
	}{
		{"bytes=0-2097151", 0, 2<<20 - 1, true},              // a tree-hash aligned node
		{"bytes=1048576-3145727", 1 << 20, 3<<20 - 1, false}, // MiB aligned, not a node: no tree hash sent
		{"4194304-", 4 << 20, len(data) - 1, true},           // the last node
		{"bytes=10-20", 10, 20, false},
	} {
		out := filepath.Join(c.dir, "range")
		var res downloadResult
		c.okJSON(&res, "job", "output", "v", job.JobId, "-o", out, "--range", tc.rng)
		got, _ := os.ReadFile(out)
		if !bytes.Equal(got, data[tc.start:tc.end+1]) {
			t.Errorf("--range %s: wrong bytes (%d of them)", tc.rng, len(got))
		}
		if res.Verified != tc.verified || res.Range != fmt.Sprintf("%d-%d", tc.start, tc.end) {
			t.Errorf("--range %s: result %+v", tc.rng, res)
		}
	}
	c.fails(exitUsage, "job", "output", "v", job.JobId, "-o", "x", "--range", fmt.Sprintf("0-%d", len(data)))

	r := c.run("job", "output", "v", job.JobId, "-o", "-")
	if r.code != 0 || r.stdout != string(data) || !strings.Contains(r.stderr, "(verified)") {
		t.Errorf("-o -: exit %d, %d bytes, stderr %s", r.code, len(r.stdout), r.stderr)
	}

	// A missing job leaves no file behind.
	out := filepath.Join(c.dir, "none")
	c.fails(exitGlacier, "job", "output", "v", "NOSUCHJOB", "-o", out)
	if entries, _ := filepath.Glob(filepath.Join(c.dir, ".none*")); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestJobWait(t *testing.T) {
	c := newCLI(t)
	s := c.spyOn()
	c.ok("vault", "create", "v")
	path, data := c.file("a", 100, 4)
	var up firn.UploadArchiveOutput
	c.okJSON(&up, "upload", "v", path)
	var job firn.InitiateJobOutput
	c.okJSON(&job, "job", "retrieve", "v", up.ArchiveId)

	s.pending = 1
	r := c.fails(exitGlacier, "job", "output", "v", job.JobId, "-o", filepath.Join(c.dir, "out"))
	if !strings.Contains(r.stderr, "InProgress") || !strings.Contains(r.stderr, "--wait") {
		t.Errorf("output of an unfinished job: %s", r.stderr)
	}
	s.pending = 3
	out := filepath.Join(c.dir, "out")
	c.ok("job", "output", "v", job.JobId, "-o", out, "--wait", "--poll-interval", "5ms")
	if s.pending != 0 {
		t.Errorf("--wait stopped polling with %d in-progress answers left", s.pending)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, data) {
		t.Error("output after --wait differs")
	}
}

func TestJobListAndInventoryCSV(t *testing.T) {
	c := newCLI(t)
	c.ok("vault", "create", "v")
	path, _ := c.file("a", 100, 5)
	var up firn.UploadArchiveOutput
	c.okJSON(&up, "upload", "v", path)
	if out := c.ok("job", "list", "v"); !strings.Contains(out, "no jobs") {
		t.Errorf("job list of no jobs:\n%s", out)
	}
	var inv firn.InitiateJobOutput
	c.okJSON(&inv, "job", "inventory", "v", "--format", "csv")
	var ret firn.InitiateJobOutput
	c.okJSON(&ret, "job", "retrieve", "v", up.ArchiveId)

	var list struct{ JobList []map[string]any }
	c.okJSON(&list, "job", "list", "v", "--completed", "true")
	if len(list.JobList) != 2 || list.JobList[0]["JobId"] != inv.JobId || list.JobList[1]["Action"] != "ArchiveRetrieval" {
		t.Errorf("job list --json = %v", list)
	}
	c.okJSON(&list, "job", "list", "v", "--completed", "false")
	if len(list.JobList) != 0 {
		t.Errorf("uncompleted jobs: %v", list.JobList)
	}
	if out := c.ok("job", "list", "v", "--status", "Succeeded"); strings.Count(out, "Succeeded") != 2 {
		t.Errorf("job list table:\n%s", out)
	}

	out := filepath.Join(c.dir, "inv.csv")
	c.ok("job", "output", "v", inv.JobId, "-o", out)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != up.ArchiveId {
		t.Errorf("CSV inventory: %v %q", err, rows)
	}
}

func TestVaultSettings(t *testing.T) {
	c := newCLI(t)
	c.ok("vault", "create", "v")

	c.ok("tags", "add", "v", "team=data", "env=prod", "empty=")
	var tags firn.ListTagsForVaultOutput
	c.okJSON(&tags, "tags", "list", "v")
	if len(tags.Tags) != 3 || tags.Tags["team"] != "data" || tags.Tags["empty"] != "" {
		t.Errorf("tags = %v", tags.Tags)
	}
	c.ok("tags", "remove", "v", "env", "empty")
	if out := c.ok("tags", "list", "v"); !strings.Contains(out, "team") || strings.Contains(out, "env") {
		t.Errorf("tags list after remove:\n%s", out)
	}

	topic := "arn:aws:sns:us-east-1:000000000000:done"
	c.ok("notifications", "set", "v", "--topic", topic, "--events", firn.EventArchiveRetrievalCompleted)
	var n firn.GetVaultNotificationsOutput
	c.okJSON(&n, "notifications", "get", "v")
	if n.VaultNotificationConfig.SNSTopic != topic || len(n.VaultNotificationConfig.Events) != 1 {
		t.Errorf("notifications = %+v", n)
	}
	c.ok("notifications", "delete", "v")
	c.fails(exitGlacier, "notifications", "get", "v")

	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"s","Effect":"Allow","Principal":"*","Action":"glacier:ListJobs","Resource":"*"}]}`
	pf := filepath.Join(c.dir, "policy.json")
	os.WriteFile(pf, []byte(policy), 0o644)
	c.ok("policy", "set", "v", pf)
	if out := c.ok("policy", "get", "v"); strings.TrimSpace(out) != policy {
		t.Errorf("policy get = %s", out)
	}
	c.ok("policy", "delete", "v")

	lockPolicy := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*"}]}`
	lf := filepath.Join(c.dir, "lock.json")
	os.WriteFile(lf, []byte(lockPolicy), 0o644)
	var lock firn.InitiateVaultLockOutput
	c.okJSON(&lock, "lock", "initiate", "v", lf)
	var state firn.GetVaultLockOutput
	c.okJSON(&state, "lock", "get", "v")
	if state.State != firn.LockStateInProgress || state.Policy != lockPolicy {
		t.Errorf("lock get = %+v", state)
	}
	c.ok("lock", "abort", "v")
	c.okJSON(&lock, "lock", "initiate", "v", lf)
	c.ok("lock", "complete", "v", lock.LockId)
	if out := c.ok("lock", "get", "v"); !strings.Contains(out, firn.LockStateLocked) {
		t.Errorf("lock get after complete:\n%s", out)
	}

	c.ok("retrieval-policy", "set", "--strategy", "BytesPerHour", "--bytes-per-hour", "1GiB")
	var rp firn.GetDataRetrievalPolicyOutput
	c.okJSON(&rp, "retrieval-policy", "get")
	if r := rp.Policy.Rules; len(r) != 1 || r[0].Strategy != firn.StrategyBytesPerHour || r[0].BytesPerHour == nil || *r[0].BytesPerHour != 1<<30 {
		t.Errorf("retrieval policy = %+v", rp)
	}
	c.fails(exitGlacier, "retrieval-policy", "set", "--strategy", "None", "--bytes-per-hour", "10")

	var cap1 firn.PurchaseProvisionedCapacityOutput
	c.okJSON(&cap1, "capacity", "purchase")
	var caps firn.ListProvisionedCapacityOutput
	c.okJSON(&caps, "capacity", "list")
	if len(caps.ProvisionedCapacityList) != 1 || caps.ProvisionedCapacityList[0].CapacityId != cap1.CapacityId {
		t.Errorf("capacity list = %+v", caps)
	}
}

func TestArchiveDelete(t *testing.T) {
	c := newCLI(t)
	c.ok("vault", "create", "v")
	path, _ := c.file("a", 10, 6)
	var up firn.UploadArchiveOutput
	c.okJSON(&up, "upload", "v", path)
	c.fails(exitGlacier, "vault", "delete", "v")
	c.ok("archive", "delete", "v", up.ArchiveId)
	c.ok("archive", "delete", "v", up.ArchiveId) // idempotent, as in the service
	c.fails(exitGlacier, "archive", "delete", "v", "")
	c.ok("vault", "delete", "v")
}

func TestProgressBar(t *testing.T) {
	c := newCLI(t)
	c.progress = true
	c.ok("vault", "create", "v")
	path, data := c.file("a", 4<<20, 7)
	r := c.run("upload", "v", path, "--threshold", "1MiB", "--part-size", "1MiB")
	if r.code != 0 || !strings.Contains(r.stderr, "100%") || !strings.Contains(r.stderr, "MiB") {
		t.Errorf("upload progress: exit %d, stderr %q", r.code, r.stderr)
	}
	var up firn.UploadArchiveOutput
	c.okJSON(&up, "upload", "v", path)
	if got := c.retrieve("v", up.ArchiveId, "--chunk-size", "1MiB"); !bytes.Equal(got, data) {
		t.Error("retrieved archive differs")
	}
	c.progress = false
	c.global = append(c.global, "--quiet")
	if r := c.run("upload", "v", path); r.stderr != "" {
		t.Errorf("--quiet upload wrote to stderr: %q", r.stderr)
	}
}

func TestResumableUpload(t *testing.T) {
	c := newCLI(t)
	s := c.spyOn()
	c.ok("vault", "create", "v")
	path, data := c.file("big", 5<<20+1, 8)
	args := []string{"upload", "v", path, "--threshold", "1MiB", "--part-size", "1MiB"}

	// The first attempt dies after two parts.
	s.failAfter = 2
	r := c.fails(exitLocal, append(args, "--concurrency", "1")...)
	if !strings.Contains(r.stderr, errInjected.Error()) || !strings.Contains(r.stderr, "run the same command again to resume") {
		t.Errorf("interrupted upload: stderr\n%s", r.stderr)
	}
	first := s.parts

	// The second sends only the four missing parts.
	s.failAfter, s.parts = 0, nil
	var up firn.UploadArchiveOutput
	c.okJSON(&up, append(args, "--concurrency", "3")...)
	if len(s.parts) != 4 {
		t.Errorf("resumed upload sent parts %v after %v; want the 4 missing ones", s.parts, first)
	}
	for _, p := range first {
		for _, q := range s.parts {
			if p == q {
				t.Errorf("part %s was sent twice", p)
			}
		}
	}
	if got := c.retrieve("v", up.ArchiveId); !bytes.Equal(got, data) {
		t.Error("resumed archive differs from the file")
	}
	if states, _ := filepath.Glob(filepath.Join(c.stateDir, "*")); len(states) != 0 {
		t.Errorf("state left after a completed upload: %v", states)
	}

	// Another upload of the same file starts afresh.
	s.parts = nil
	c.ok(args...)
	if len(s.parts) != 6 {
		t.Errorf("new upload of the same file sent %d parts, want 6", len(s.parts))
	}
}

func TestResumeAfterFileChange(t *testing.T) {
	c := newCLI(t)
	s := c.spyOn()
	c.ok("vault", "create", "v")
	path, _ := c.file("big", 3<<20, 9)
	args := []string{"upload", "v", path, "--threshold", "1MiB", "--part-size", "1MiB", "--concurrency", "1"}
	s.failAfter = 1
	c.fails(exitLocal, args...)

	// Same size, new content and modification time: the old upload is
	// aborted and every part sent again.
	_, data := c.file("big", 3<<20, 10)
	os.Chtimes(path, time.Now(), time.Now().Add(time.Hour))
	s.failAfter, s.parts = 0, nil
	r := c.run(append(args, "--json")...)
	if r.code != 0 || !strings.Contains(r.stderr, "changed") {
		t.Fatalf("upload after change: exit %d, stderr %s", r.code, r.stderr)
	}
	if len(s.parts) != 3 {
		t.Errorf("sent %d parts, want 3", len(s.parts))
	}
	var up firn.UploadArchiveOutput
	if err := json.Unmarshal([]byte(r.stdout), &up); err != nil {
		t.Fatal(err)
	}
	if got := c.retrieve("v", up.ArchiveId); !bytes.Equal(got, data) {
		t.Error("archive differs from the changed file")
	}
	e, err := engine.Open(filepath.Join(c.dir, "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	out, err := e.ListMultipartUploads(t.Context(), &firn.ListMultipartUploadsInput{VaultName: "v"})
	if err != nil || len(out.UploadsList) != 0 {
		t.Errorf("uploads left in progress: %v %+v", err, out)
	}
}

func TestResumeCorruptPartOnService(t *testing.T) {
	c := newCLI(t)
	s := c.spyOn()
	c.ok("vault", "create", "v")
	path, data := c.file("big", 3<<20, 11)
	args := []string{"upload", "v", path, "--threshold", "1MiB", "--part-size", "1MiB", "--concurrency", "1"}
	s.failAfter = 2
	c.fails(exitLocal, args...)

	// The file's first MiB changes but keeps its size and time: the part
	// the service holds no longer matches and is sent again.
	fi, _ := os.Stat(path)
	data[0] ^= 0xff
	os.WriteFile(path, data, 0o644)
	os.Chtimes(path, fi.ModTime(), fi.ModTime())
	s.failAfter, s.parts = 0, nil
	var up firn.UploadArchiveOutput
	c.okJSON(&up, args...)
	if len(s.parts) != 2 || s.parts[0] != "bytes 0-1048575/*" {
		t.Errorf("sent %v, want part 0 again and the missing part", s.parts)
	}
	if up.Checksum != treehash.Hex(treehash.Sum(data)) {
		t.Error("archive does not hold the file's current bytes")
	}
}
