package firn_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/job"
)

// The conformance suite: every case is written once against firn.Glacier and
// runs against each implementation through a target. Only the harness in this
// file knows about concrete implementations.

// clockStart is the time every target's clock starts at.
var clockStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeClock is a firn.Clock that moves only when a test advances it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: clockStart} }

// Now returns the clock's current time.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// limits lowers an implementation's limits so that tests can reach them
// cheaply; a zero field keeps the default.
type limits struct {
	MaxVaults      int
	MaxArchiveSize int64
	// JobTiming, LimitExpedited and FreeTierBytesPerDay configure job
	// completion times and retrieval capacity (see engine.Options).
	JobTiming           job.Timing
	LimitExpedited      bool
	FreeTierBytesPerDay int64
}

// target is one implementation under test.
type target struct {
	g       firn.Glacier
	clock   *fakeClock
	account string // the target's own 12-digit account ID
	region  string
	// reopen closes and reopens the same storage, replacing g; nil if the
	// target cannot.
	reopen func(t *testing.T)
	// withLimits returns a fresh target of the same implementation with
	// lowered limits; nil if the target's limits are fixed.
	withLimits func(t *testing.T, l limits) *target
	// notifications returns the job-completion notifications delivered so
	// far; nil if the target's cannot be observed.
	notifications func() []notification
}

// notification is one delivered job-completion notification.
type notification struct {
	Topic   string
	Message []byte
}

// notifications records what an engine delivers to its Notifier.
type notifications struct {
	mu   sync.Mutex
	sent []notification
}

func (n *notifications) Notify(_ context.Context, m engine.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, notification{Topic: m.Topic, Message: m.Message})
	return nil
}

func (n *notifications) list() []notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.sent)
}

// conformanceCase is one test of the suite; it gets a fresh target.
type conformanceCase struct {
	name string
	run  func(t *testing.T, tg *target)
}

// runConformance runs every case of the suite, each against a fresh target
// made by newTarget.
func runConformance(t *testing.T, newTarget func(t *testing.T) *target) {
	runConformanceExcept(t, newTarget)
}

// runConformanceExcept runs the suite but for the cases named in skip, as
// "Area/Case".
func runConformanceExcept(t *testing.T, newTarget func(t *testing.T) *target, skip ...string) {
	areas := []struct {
		name  string
		cases []conformanceCase
	}{
		{"Vault", vaultCases},
		{"Tags", tagCases},
		{"Notifications", notificationCases},
		{"AccessPolicy", accessPolicyCases},
		{"Archive", archiveCases},
		{"Reopen", reopenCases},
		{"Multipart", multipartCases},
		{"Lock", lockCases},
		{"Authz", authzCases},
		{"Resources", resourceCases},
		{"Jobs", jobCases},
		{"Select", selectCases},
	}
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) {
			for _, c := range a.cases {
				t.Run(c.name, func(t *testing.T) {
					if slices.Contains(skip, a.name+"/"+c.name) {
						t.Skip("skipped for this target")
					}
					t.Parallel()
					c.run(t, newTarget(t))
				})
			}
		})
	}
}

func TestConformanceEngine(t *testing.T) { runConformance(t, newEngineTarget) }

// TestConformanceEngineConfiguredAccount runs the suite against an engine
// whose own account and region are not the defaults, so that nothing depends
// on 000000000000 or us-east-1 being hard-wired. The costliest cases, which
// do not depend on names, run only once, in TestConformanceEngine.
func TestConformanceEngineConfiguredAccount(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite a second time")
	}
	runConformanceExcept(t, func(t *testing.T) *target {
		return openEngineTarget(t, "210987654321", "eu-west-1", limits{})
	}, "Reopen/StateMachine", "Vault/CreateVault/Limit1000", "Archive/Upload/TreeHashVectors", "Archive/ReadBack", "Archive/Concurrency")
}

func newEngineTarget(t *testing.T) *target {
	return openEngineTarget(t, "", "us-east-1", limits{})
}

// openEngineTarget opens an engine on an in-memory file system. An empty
// account leaves Options.AccountID unset, so the default is under test. The
// engine's consistency check runs before every close.
func openEngineTarget(t *testing.T, account, region string, l limits) *target {
	t.Helper()
	fs := vfs.NewMem()
	clock := newFakeClock()
	notes := &notifications{}
	const dir = "firn"
	open := func(t *testing.T) *engine.Engine {
		t.Helper()
		e, err := engine.Open(dir, &engine.Options{
			AccountID:           account,
			Region:              region,
			Clock:               clock,
			FS:                  fs,
			Logger:              slog.New(slog.DiscardHandler),
			MaxVaults:           l.MaxVaults,
			MaxArchiveSize:      l.MaxArchiveSize,
			JobTiming:           l.JobTiming,
			LimitExpedited:      l.LimitExpedited,
			FreeTierBytesPerDay: l.FreeTierBytesPerDay,
			Notifier:            notes,
		})
		if err != nil {
			t.Fatalf("engine.Open: %v", err)
		}
		return e
	}
	closeChecked := func(t *testing.T, e *engine.Engine) {
		t.Helper()
		if err := e.Check(context.Background()); err != nil {
			t.Errorf("engine.Check: %v", err)
		}
		if err := e.Close(); err != nil {
			t.Errorf("engine.Close: %v", err)
		}
	}

	e := open(t)
	tg := &target{g: e, clock: clock, account: account, region: region}
	tg.notifications = func() []notification {
		// Delivery is in the background; wait for what is due.
		if err := e.DeliverNotifications(context.Background()); err != nil {
			t.Errorf("engine.DeliverNotifications: %v", err)
		}
		return notes.list()
	}
	if tg.account == "" {
		tg.account = "000000000000"
	}
	tg.reopen = func(t *testing.T) {
		t.Helper()
		old := e
		e = nil
		closeChecked(t, old)
		e = open(t)
		tg.g = e
	}
	tg.withLimits = func(t *testing.T, l limits) *target {
		return openEngineTarget(t, account, region, l)
	}
	t.Cleanup(func() {
		if e != nil {
			closeChecked(t, e)
		}
	})
	return tg
}

// Naming.

func (tg *target) vaultARN(account, vault string) string {
	return "arn:aws:glacier:" + tg.region + ":" + tg.resolve(account) + ":vaults/" + vault
}

func (tg *target) vaultLocation(account, vault string) string {
	return "/" + tg.resolve(account) + "/vaults/" + vault
}

// resolve maps the account aliases "" and "-" to the target's own account.
func (tg *target) resolve(account string) string {
	if account == "" || account == "-" {
		return tg.account
	}
	return account
}

func (tg *target) vaultNotFound(account, vault string) string {
	return "Vault not found for ARN: " + tg.vaultARN(account, vault)
}

// Errors.

// wantErr checks that a call failed with an *firn.Error of want's code whose
// message mentions every string of mentions (case-insensitively), and that it
// returned no output.
func wantErr[O any](t *testing.T, out *O, err error, want *firn.Error, mentions ...string) {
	t.Helper()
	checkErr(t, out == nil, err, want, mentions...)
}

// checkErr is wantErr for callers that hold the output as an interface or
// not at all.
func checkErr(t *testing.T, nilOut bool, err error, want *firn.Error, mentions ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("call succeeded, want %s", want.Code)
		return
	}
	var fe *firn.Error
	if !errors.As(err, &fe) {
		t.Errorf("error %q (%T) is not a *firn.Error", err, err)
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("error %q, want code %s", err, want.Code)
	}
	for _, m := range mentions {
		if !strings.Contains(strings.ToLower(fe.Message), strings.ToLower(m)) {
			t.Errorf("error message %q does not mention %q", fe.Message, m)
		}
	}
	if !nilOut {
		t.Errorf("failed call returned a non-nil output")
	}
}

// wantMessage checks that err, if it is an *firn.Error, has exactly the
// message want.
func wantMessage(t *testing.T, err error, want string) {
	t.Helper()
	var fe *firn.Error
	if errors.As(err, &fe) && fe.Message != want {
		t.Errorf("error message %q, want %q", fe.Message, want)
	}
}

// must returns a function that fails the test unless a call succeeded with
// an output, and returns the output: must[Out](t, "Op")(g.Op(ctx, in)).
func must[O any](t *testing.T, what string) func(*O, error) *O {
	return func(out *O, err error) *O {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if out == nil {
			t.Fatalf("%s: nil output", what)
		}
		return out
	}
}

// Common steps.

func mustCreateVault(t *testing.T, tg *target, account, vault string) *firn.CreateVaultOutput {
	t.Helper()
	return must[firn.CreateVaultOutput](t, "CreateVault "+vault)(tg.g.CreateVault(t.Context(),
		&firn.CreateVaultInput{AccountId: account, VaultName: vault}))
}

func mustDescribeVault(t *testing.T, tg *target, account, vault string) *firn.DescribeVaultOutput {
	t.Helper()
	return must[firn.DescribeVaultOutput](t, "DescribeVault "+vault)(tg.g.DescribeVault(t.Context(),
		&firn.DescribeVaultInput{AccountId: account, VaultName: vault}))
}

func mustListTags(t *testing.T, tg *target, account, vault string) map[string]string {
	t.Helper()
	out := must[firn.ListTagsForVaultOutput](t, "ListTagsForVault "+vault)(tg.g.ListTagsForVault(t.Context(),
		&firn.ListTagsForVaultInput{AccountId: account, VaultName: vault}))
	if out.Tags == nil {
		t.Errorf("ListTagsForVault %s: Tags is nil, want a (possibly empty) map", vault)
	}
	return out.Tags
}

func mustAddTags(t *testing.T, tg *target, account, vault string, tags map[string]string) {
	t.Helper()
	must[firn.AddTagsToVaultOutput](t, "AddTagsToVault "+vault)(tg.g.AddTagsToVault(t.Context(),
		&firn.AddTagsToVaultInput{AccountId: account, VaultName: vault, Tags: tags}))
}

// wantCounts checks a vault's archive count and total size.
func wantCounts(t *testing.T, tg *target, account, vault string, n, size int64) {
	t.Helper()
	d := mustDescribeVault(t, tg, account, vault)
	if d.NumberOfArchives != n || d.SizeInBytes != size {
		t.Errorf("vault %s: NumberOfArchives=%d SizeInBytes=%d, want %d and %d",
			vault, d.NumberOfArchives, d.SizeInBytes, n, size)
	}
}

// upload stores data as a new archive, passing its tree hash as the checksum
// as the SDKs do, and checks the output.
func upload(t *testing.T, tg *target, account, vault string, data []byte, desc string) *firn.UploadArchiveOutput {
	t.Helper()
	out, err := uploadE(t.Context(), tg, account, vault, data, desc)
	if err != nil {
		t.Fatalf("UploadArchive %d bytes to %s: %v", len(data), vault, err)
	}
	if msg := checkUploadOutput(tg, account, vault, data, out); msg != "" {
		t.Error(msg)
	}
	return out
}

func uploadE(ctx context.Context, tg *target, account, vault string, data []byte, desc string) (*firn.UploadArchiveOutput, error) {
	return tg.g.UploadArchive(ctx, &firn.UploadArchiveInput{
		AccountId:          account,
		VaultName:          vault,
		ArchiveDescription: desc,
		Checksum:           treeHash(data),
		Body:               bytes.NewReader(data),
	})
}

// checkUploadOutput returns what is wrong with an upload's output, or "".
// It does not call t so that goroutines can use it.
func checkUploadOutput(tg *target, account, vault string, data []byte, out *firn.UploadArchiveOutput) string {
	switch {
	case out == nil:
		return "UploadArchive: nil output"
	case out.ArchiveId == "":
		return "UploadArchive: empty ArchiveId"
	case out.Checksum != treeHash(data):
		return fmt.Sprintf("UploadArchive: Checksum %q, want %s", out.Checksum, treeHash(data))
	case out.Location != tg.vaultLocation(account, vault)+"/archives/"+out.ArchiveId:
		return fmt.Sprintf("UploadArchive: Location %q, want %s/archives/%s", out.Location, tg.vaultLocation(account, vault), out.ArchiveId)
	}
	return ""
}

// readArchive retrieves an archive with an archive-retrieval job.
func readArchive(t *testing.T, tg *target, account, vault, archiveID string) ([]byte, *firn.GetJobOutputOutput) {
	t.Helper()
	body, out, err := readArchiveE(t.Context(), tg, account, vault, archiveID)
	if err != nil {
		t.Fatalf("reading archive %.16s… of %s: %v", archiveID, vault, err)
	}
	return body, out
}

// readArchiveE retrieves an archive with an archive-retrieval job, advancing
// the clock while the job is in progress.
func readArchiveE(ctx context.Context, tg *target, account, vault, archiveID string) ([]byte, *firn.GetJobOutputOutput, error) {
	job, err := tg.g.InitiateJob(ctx, &firn.InitiateJobInput{
		AccountId:     account,
		VaultName:     vault,
		JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: archiveID},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("InitiateJob: %w", err)
	}
	for range 48 {
		out, err := tg.g.GetJobOutput(ctx, &firn.GetJobOutputInput{AccountId: account, VaultName: vault, JobId: job.JobId})
		if errors.Is(err, firn.ErrInvalidParameterValue) { // not completed yet
			tg.clock.Advance(time.Hour)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("GetJobOutput: %w", err)
		}
		body, err := io.ReadAll(out.Body)
		if cerr := out.Body.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, nil, fmt.Errorf("GetJobOutput: reading Body: %w", err)
		}
		return body, out, nil
	}
	return nil, nil, fmt.Errorf("job %s did not complete in 48 hours", job.JobId)
}

// wantArchive reads an archive back and checks its bytes, checksum and
// description.
func wantArchive(t *testing.T, tg *target, account, vault, archiveID string, data []byte, desc string) {
	t.Helper()
	got, out := readArchive(t, tg, account, vault, archiveID)
	if !bytes.Equal(got, data) {
		t.Errorf("archive %.16s… in %s: %s", archiveID, vault, diffBytes(got, data))
	}
	if out.Checksum != treeHash(data) {
		t.Errorf("GetJobOutput Checksum %q, want %s", out.Checksum, treeHash(data))
	}
	if out.ArchiveDescription != desc {
		t.Errorf("GetJobOutput ArchiveDescription %q, want %q", out.ArchiveDescription, desc)
	}
	if out.Status != 200 {
		t.Errorf("GetJobOutput Status %d, want 200", out.Status)
	}
}

func diffBytes(got, want []byte) string {
	i := 0
	for i < min(len(got), len(want)) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("got %d bytes, want %d; first difference at offset %d", len(got), len(want), i)
}

// State snapshots, to check that rejected calls change nothing.

type vaultState struct {
	Vault         firn.DescribeVaultOutput
	Tags          map[string]string
	Policy        *string
	Notifications *firn.VaultNotificationConfig
}

// snapshot returns every vault of an account with its tags, access policy
// and notification configuration.
func snapshot(t *testing.T, tg *target, account string) []vaultState {
	t.Helper()
	ctx := t.Context()
	var st []vaultState
	for v, err := range firn.AllVaults(ctx, tg.g, firn.ListVaultsInput{AccountId: account, Limit: 1000}) {
		if err != nil {
			t.Fatalf("snapshot: ListVaults: %v", err)
		}
		v.CreationDate = v.CreationDate.UTC().Round(0)
		v.LastInventoryDate = v.LastInventoryDate.UTC().Round(0)
		s := vaultState{Vault: v, Tags: mustListTags(t, tg, account, v.VaultName)}
		p, err := tg.g.GetVaultAccessPolicy(ctx, &firn.GetVaultAccessPolicyInput{AccountId: account, VaultName: v.VaultName})
		switch {
		case err == nil:
			s.Policy = &p.Policy.Policy
		case !errors.Is(err, firn.ErrResourceNotFound):
			t.Fatalf("snapshot: GetVaultAccessPolicy %s: %v", v.VaultName, err)
		}
		n, err := tg.g.GetVaultNotifications(ctx, &firn.GetVaultNotificationsInput{AccountId: account, VaultName: v.VaultName})
		switch {
		case err == nil:
			c := n.VaultNotificationConfig
			c.Events = slices.Sorted(slices.Values(c.Events))
			s.Notifications = &c
		case !errors.Is(err, firn.ErrResourceNotFound):
			t.Fatalf("snapshot: GetVaultNotifications %s: %v", v.VaultName, err)
		}
		st = append(st, s)
	}
	return st
}

// wantUnchanged checks that an account's state equals an earlier snapshot.
func wantUnchanged(t *testing.T, tg *target, account string, before []vaultState) {
	t.Helper()
	if after := snapshot(t, tg, account); !reflect.DeepEqual(before, after) {
		t.Errorf("state of account %q changed:\nbefore %+v\nafter  %+v", account, before, after)
	}
}

// Data.

// pattern returns n bytes of i % 251, the pattern of the TREEHASH.md vectors.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// random returns n incompressible bytes.
func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// treeHash is an independent implementation of the SHA-256 tree hash
// (TREEHASH.md), the oracle for every checksum in the suite.
func treeHash(data []byte) string {
	const leaf = 1 << 20
	if len(data) == 0 {
		s := sha256.Sum256(nil)
		return hex.EncodeToString(s[:])
	}
	var level [][32]byte
	for off := 0; off < len(data); off += leaf {
		level = append(level, sha256.Sum256(data[off:min(off+leaf, len(data))]))
	}
	for len(level) > 1 {
		var next [][32]byte
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				break
			}
			next = append(next, sha256.Sum256(append(level[i][:], level[i+1][:]...)))
		}
		level = next
	}
	return hex.EncodeToString(level[0][:])
}
