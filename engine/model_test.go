package engine_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/internal/model"
	"github.com/firnstore/firn/internal/pgtest"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/job"
	"pgregory.net/rapid"
)

// TestModel drives the engine and the reference model (internal/model)
// with the same random calls — every operation, valid and invalid
// arguments, callers of several accounts, clock advances, reopens — and
// requires the same answer from both: the same error code, or the same
// output once the engine's IDs are mapped to the model's. At least
// mdlMinSteps steps run (a tenth with -short); rapid shrinks a failure to
// a minimal sequence of steps and prints it.
func TestModel(t *testing.T) {
	minSteps := mdlMinSteps
	if testing.Short() {
		minSteps /= 10
	}
	runModel(t, minSteps, func(rt *rapid.T) *mdlMachine { return newMdlMachine(rt, 1, nil) })
}

// TestModelShared is TestModel for three engines on one PostgreSQL
// database and one MinIO bucket: each call goes to an engine drawn at
// random, and every answer must be the one model's. Its checks are fewer
// (mdlSharedChecks), as each needs a database and PostgreSQL commits are
// slower than Pebble's.
func TestModelShared(t *testing.T) {
	c := miniotest.Start(t)
	// The flag is rapid's only knob for the number of checks; no engine
	// test runs in parallel with this one.
	if f := flag.Lookup("rapid.checks"); f.Value.String() == f.DefValue {
		if err := flag.Set("rapid.checks", strconv.Itoa(mdlSharedChecks)); err != nil {
			t.Fatal(err)
		}
		defer flag.Set("rapid.checks", f.DefValue)
	}
	runModel(t, 0, func(rt *rapid.T) *mdlMachine {
		return newMdlMachine(rt, 3, func(o *engine.Options) {
			o.Metadata = pgtest.NewDatabase(t)
			o.ObjectStore = &engine.ObjectStore{Endpoint: c.Endpoint(0), Bucket: c.NewBucket(),
				AccessKeyID: miniotest.AccessKey, SecretAccessKey: miniotest.SecretKey}
		})
	})
}

// mdlSharedChecks is the number of rapid checks of TestModelShared (five
// times fewer with -short, as rapid does).
const mdlSharedChecks = 20

// runModel runs rapid checks of the machines that machine makes until at
// least minSteps steps ran, and at least once.
func runModel(t *testing.T, minSteps int, machine func(*rapid.T) *mdlMachine) {
	steps := 0
	for first := true; (first || steps < minSteps) && !t.Failed(); first = false {
		rapid.Check(t, func(rt *rapid.T) {
			mm := machine(rt)
			defer mm.close(rt)
			mm.setup(rt)
			acts := mm.actions()
			// Heavier operations first: rapid draws the first entries of
			// a list more often, and shrinks towards them.
			names := slices.SortedFunc(maps.Keys(acts), func(a, b string) int {
				return cmp.Or(mdlWeights[b]-mdlWeights[a], strings.Compare(a, b))
			})
			var ops []string
			for _, op := range names {
				for range mdlWeights[op] {
					ops = append(ops, op)
				}
			}
			rt.Repeat(map[string]func(*rapid.T){"step": func(rt *rapid.T) {
				steps++
				mm.choose(rt)
				acts[rapid.SampledFrom(ops).Draw(rt, "op")](rt)
			}})
		})
	}
	t.Logf("%d steps", steps)
}

const mdlMinSteps = 10_000

// mdlWeights says how often each operation is drawn, relative to others.
var mdlWeights = map[string]int{
	"CreateVault": 3, "DescribeVault": 1, "ListVaults": 1, "DeleteVault": 1,
	"AddTagsToVault": 2, "ListTagsForVault": 1, "RemoveTagsFromVault": 1,
	"SetVaultNotifications": 2, "GetVaultNotifications": 1, "DeleteVaultNotifications": 1,
	"SetVaultAccessPolicy": 2, "GetVaultAccessPolicy": 1, "DeleteVaultAccessPolicy": 1,
	"InitiateVaultLock": 2, "CompleteVaultLock": 2, "AbortVaultLock": 1, "GetVaultLock": 1,
	"UploadArchive": 6, "DeleteArchive": 2, "ImportArchive": 4, "DescribeArchive": 2,
	"InitiateMultipartUpload": 3, "UploadMultipartPart": 6, "CompleteMultipartUpload": 3, "AbortMultipartUpload": 1,
	"ListMultipartUploads": 1, "ListParts": 2,
	"InitiateJob": 6, "DescribeJob": 2, "ListJobs": 2, "GetJobOutput": 4,
	"SetDataRetrievalPolicy": 1, "GetDataRetrievalPolicy": 1, "PurchaseProvisionedCapacity": 1, "ListProvisionedCapacity": 1,
	"AdvanceClock": 3, "Reopen": 1, "Notifications": 1,
}

// mdlTiming gives every tier one delay, so the model knows completion
// times; Expedited jobs complete within InitiateJob.
var mdlTiming = job.Timing{
	Standard:  job.Window{Min: 4 * time.Hour, Max: 4 * time.Hour},
	Bulk:      job.Window{Min: 8 * time.Hour, Max: 8 * time.Hour},
	Inventory: job.Window{Min: time.Hour, Max: time.Hour},
}

const (
	mdlMaxVaults      = 2
	mdlMaxArchiveSize = 3 << 20
	mdlFreeTier       = 6000
)

// mdlULID matches the IDs of the engine and of the model in outputs.
var mdlULID = regexp.MustCompile(`\b[0-9A-HJKMNP-TV-Z]{26}\b`)

// mdlMachine is one rapid check: the engines and the model on one clock,
// and what the test knows of the IDs they issued.
type mdlMachine struct {
	fs    vfs.FS
	clock *testkit.Clock
	opts  engine.Options
	es    []*engine.Engine // on one state; nil while closed
	e     *engine.Engine   // es[cur], which the next call goes to
	cur   int
	m     *model.Model
	sent  *recorder // what the engines notified

	// e2m and m2e map the engine's IDs to the model's and back.
	e2m, m2e map[string]string
	// Pools of model IDs to draw arguments from, with where they live.
	archives []mdlRef
	sizes    map[string]int
	uploads  []mdlRef
	partSize map[string]int64
	parts    map[string]map[int64][]byte // acknowledged parts by upload
	jobs     []mdlRef
	locks    []mdlRef
	ids      []string // every ID, for markers
}

// mdlRef is a model ID and the account and vault it was created in.
type mdlRef struct{ Account, Vault, ID string }

// newMdlMachine makes a machine of n engines; shared, when not nil, sets
// the options that let them share one state.
func newMdlMachine(rt *rapid.T, n int, shared func(*engine.Options)) *mdlMachine {
	clock := testkit.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	mm := &mdlMachine{fs: vfs.NewMem(), clock: clock, sent: &recorder{}, e2m: map[string]string{}, m2e: map[string]string{},
		sizes: map[string]int{}, partSize: map[string]int64{}, parts: map[string]map[int64][]byte{}}
	mm.opts = engine.Options{Clock: clock, FS: mm.fs, MaxVaults: mdlMaxVaults, MaxArchiveSize: mdlMaxArchiveSize,
		TickInterval: time.Hour, JobTiming: mdlTiming, LimitExpedited: rapid.Bool().Draw(rt, "LimitExpedited"),
		FreeTierBytesPerDay: mdlFreeTier, Notifier: mm.sent}
	if shared != nil {
		shared(&mm.opts)
	}
	mm.m = model.New(model.Options{Clock: clock, MaxVaults: mdlMaxVaults, MaxArchiveSize: mdlMaxArchiveSize,
		JobTiming: mdlTiming, LimitExpedited: mm.opts.LimitExpedited, FreeTierBytesPerDay: mdlFreeTier})
	mm.es = make([]*engine.Engine, n)
	for i := range n {
		mm.open(rt, i)
	}
	mm.e = mm.es[0]
	return mm
}

// choose draws the engine of the next step's calls. A millisecond passes
// when it changes: engines issue IDs in order within one millisecond of
// the clock, not across engines, and listings follow the IDs' order.
func (mm *mdlMachine) choose(rt *rapid.T) {
	if len(mm.es) == 1 {
		return
	}
	if i := rapid.IntRange(0, len(mm.es)-1).Draw(rt, "engine"); i != mm.cur {
		mm.clock.Advance(time.Millisecond)
		mm.cur, mm.e = i, mm.es[i]
	}
}

// open opens engine i, in a data directory of its own.
func (mm *mdlMachine) open(rt *rapid.T, i int) {
	e, err := engine.Open(fmt.Sprintf("model%d", i), &mm.opts)
	if err != nil {
		rt.Logf("engine.Open: %v", err)
		rt.Fatalf("engine.Open failed")
	}
	mm.es[i] = e
}

// close checks and closes every engine.
func (mm *mdlMachine) close(rt *rapid.T) {
	for i := range mm.es {
		mm.closeOne(rt, i)
	}
	mm.e = nil
}

// closeOne checks and closes engine i.
func (mm *mdlMachine) closeOne(rt *rapid.T, i int) {
	e := mm.es[i]
	if e == nil {
		return
	}
	mm.es[i] = nil
	// Delivered before Close, which would leave a delivery in flight to be
	// repeated after the reopen.
	err := e.DeliverNotifications(context.Background())
	if cerr := e.Check(context.Background()); err == nil {
		err = cerr
	}
	if cerr := e.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		rt.Logf("%v", err)
		rt.Fatalf("the engine's Check or Close failed")
	}
}

// setup gives every check the same starting state, so that short
// sequences reach deep states: vaults "a" (with notifications, a text and a
// CSV archive, eight tags and a multipart upload holding a part) and "b",
// which reach the limits on vaults (mdlMaxVaults) and tags.
func (mm *mdlMachine) setup(rt *rapid.T) {
	ctx := context.Background()
	for _, name := range []string{"a", "b"} {
		in := &firn.CreateVaultInput{VaultName: name}
		mdlCall(rt, mm, ctx, firn.Glacier.CreateVault, in, in)
	}
	tags := &firn.AddTagsToVaultInput{VaultName: "a", Tags: map[string]string{"k0": "v", "k1": "v", "k2": "v", "k3": "v", "k4": "v", "k5": "v", "k6": "v", "k7": "v"}}
	mdlCall(rt, mm, ctx, firn.Glacier.AddTagsToVault, tags, tags)
	notes := &firn.SetVaultNotificationsInput{VaultName: "a", VaultNotificationConfig: &firn.VaultNotificationConfig{
		SNSTopic: "arn:aws:sns:us-east-1:111122223333:topic", Events: []string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}}}
	mdlCall(rt, mm, ctx, firn.Glacier.SetVaultNotifications, notes, notes)
	for _, a := range []struct {
		desc string
		data []byte
	}{{"", mdlData(100, 1)}, {`a "quoted", <desc>`, []byte("a,1\nb,2\nc,3\n")}} {
		in := func() *firn.UploadArchiveInput {
			return &firn.UploadArchiveInput{VaultName: "a", ArchiveDescription: a.desc, Body: bytes.NewReader(a.data)}
		}
		if mo, ok := mdlCall(rt, mm, ctx, firn.Glacier.UploadArchive, in(), in()); ok {
			mm.archives = append(mm.archives, mdlRef{"", "a", mo.ArchiveId})
			mm.sizes[mo.ArchiveId] = len(a.data)
		}
	}
	up := &firn.InitiateMultipartUploadInput{VaultName: "a", PartSize: 1 << 20}
	mu, ok := mdlCall(rt, mm, ctx, firn.Glacier.InitiateMultipartUpload, up, up)
	if !ok {
		return
	}
	mm.uploads = append(mm.uploads, mdlRef{"", "a", mu.UploadId})
	mm.partSize[mu.UploadId] = up.PartSize
	part := mdlData(500, 2)
	in := func(id string) *firn.UploadMultipartPartInput {
		return &firn.UploadMultipartPartInput{VaultName: "a", UploadId: id, Range: "bytes 0-499/*", Body: bytes.NewReader(part)}
	}
	if _, ok := mdlCall(rt, mm, ctx, firn.Glacier.UploadMultipartPart, in(mm.toEngine(mu.UploadId)), in(mu.UploadId)); ok {
		mm.parts[mu.UploadId] = map[int64][]byte{0: part}
	}
}

// mdlCall makes one call of op on the engine, with eIn, and on the model,
// with mIn, and checks that they answered alike; it returns the model's
// output and whether both succeeded. IDs new to both are paired on the way.
//
// Failures are reported with a message free of IDs, which differ from run
// to run (the engine's are random), so that rapid recognises the failure
// when it shrinks the steps; the details are logged. The message names the
// operation after its input type.
func mdlCall[I, O any](rt *rapid.T, mm *mdlMachine, ctx context.Context, op func(firn.Glacier, context.Context, *I) (*O, error), eIn, mIn *I) (*O, bool) {
	rt.Helper()
	eOut, eErr := op(mm.e, ctx, eIn)
	mOut, mErr := op(mm.m, ctx, mIn)
	name := strings.TrimSuffix(reflect.TypeFor[I]().Name(), "Input")
	if mErr != nil || eErr != nil {
		var fe *firn.Error
		switch {
		case eErr != nil && !errors.As(eErr, &fe):
			rt.Logf("engine: %v (%T)", eErr, eErr)
			rt.Fatalf("%s: the engine's error is not a *firn.Error", name)
		case eErr != nil && eOut != nil:
			rt.Fatalf("%s: the engine failed with %s and an output", name, firn.CodeOf(eErr))
		case mErr == nil:
			rt.Logf("engine: %v\nmodel: %s", eErr, mdlJSON(rt, mOut))
			rt.Fatalf("%s: the engine failed with %s, the model succeeded", name, firn.CodeOf(eErr))
		case eErr == nil:
			rt.Logf("engine: %s\nmodel: %v", mdlJSON(rt, eOut), mErr)
			rt.Fatalf("%s: the engine succeeded, the model failed with %s", name, firn.CodeOf(mErr))
		case firn.CodeOf(eErr) != firn.CodeOf(mErr):
			rt.Logf("engine: %v\nmodel: %v", eErr, mErr)
			rt.Fatalf("%s: the engine failed with %s, the model with %s", name, firn.CodeOf(eErr), firn.CodeOf(mErr))
		}
		return nil, false
	}
	mm.match(rt, name, mdlJSON(rt, eOut), mdlJSON(rt, mOut))
	return mOut, true
}

// match pairs the IDs of an engine and a model answer, position by
// position, and requires the answers to be equal once paired.
func (mm *mdlMachine) match(rt *rapid.T, op, eJSON, mJSON string) {
	rt.Helper()
	et, mt := mdlULID.FindAllString(eJSON, -1), mdlULID.FindAllString(mJSON, -1)
	differ := func() {
		rt.Helper()
		rt.Logf("engine: %s\nmodel:  %s", eJSON, mJSON)
		rt.Fatalf("%s: the engine's answer differs from the model's", op)
	}
	if len(et) != len(mt) {
		differ()
	}
	for i, e := range et {
		m := mt[i]
		if known, ok := mm.e2m[e]; ok {
			if known != m {
				differ()
			}
			continue
		}
		if _, ok := mm.m2e[m]; ok {
			differ()
		}
		mm.e2m[e], mm.m2e[m] = m, e
		mm.ids = append(mm.ids, m)
	}
	if mdlULID.ReplaceAllStringFunc(eJSON, func(s string) string { return mm.e2m[s] }) != mJSON {
		differ()
	}
}

// mdlJSON is an answer as JSON, a job output's body read in.
func mdlJSON(rt *rapid.T, out any) string {
	if o, ok := out.(*firn.GetJobOutputOutput); ok && o != nil {
		body, err := io.ReadAll(o.Body)
		if cerr := o.Body.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			rt.Logf("%v", err)
			rt.Fatalf("reading a job output failed")
		}
		c := *o
		c.Body = nil
		// Lines, so that no escape sequence runs into an ID.
		out = struct {
			firn.GetJobOutputOutput
			Lines []string
		}{c, strings.Split(string(body), "\n")}
	}
	b, err := json.Marshal(out)
	if err != nil {
		rt.Fatalf("encoding %T: %v", out, err)
	}
	return string(b)
}

// toEngine maps a model ID to the engine's; anything else passes as is.
func (mm *mdlMachine) toEngine(id string) string {
	if e, ok := mm.m2e[id]; ok {
		return e
	}
	return id
}

// mdlData returns size bytes of lower-case letters (no ID can appear in
// them).
func mdlData(size int, seed byte) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = 'a' + byte((i*7+int(seed))%26)
	}
	return b
}

// mdlFailing is a request body that fails after n bytes.
type mdlFailing struct {
	data []byte
	n    int
}

func (f *mdlFailing) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("connection reset by peer")
	}
	k := copy(p, f.data[:min(f.n, len(f.data))])
	f.data, f.n = f.data[k:], f.n-k
	return k, nil
}

// mdlArg is the values of an argument: common ones, drawn mostly, and rare
// ones (invalid or unusual), drawn about once in ten. Shrinking goes to the
// first common value.
type mdlArg struct{ common, rare []string }

func (a mdlArg) draw(rt *rapid.T, label string) string {
	if len(a.rare) > 0 && rapid.IntRange(0, 9).Draw(rt, label+" is rare") == 9 {
		return rapid.SampledFrom(a.rare).Draw(rt, label)
	}
	return rapid.SampledFrom(a.common).Draw(rt, label)
}

var (
	mdlAccounts   = mdlArg{[]string{"", "", "", "-", "000000000000"}, []string{"111111111111", "x1"}}
	mdlPrincipals = mdlArg{[]string{""}, []string{"arn:aws:iam::000000000000:user/alice", "arn:aws:iam::222222222222:user/mallory", "arn:aws:iam::111111111111:root"}}
	mdlVaults     = mdlArg{[]string{"a", "a", "b", "c.d"}, []string{"E_1", "f-2", "", "bad name", strings.Repeat("v", 256)}}
	mdlTopics     = mdlArg{[]string{"arn:aws:sns:us-east-1:111122223333:topic", "arn:aws:sns:us-east-1:111122223333:other"}, []string{"", "topic", "arn:aws:sns:us-east-1:1:t"}}
	mdlDescs      = mdlArg{[]string{"", "d", `a "quoted", <desc>`, "  padded  "}, []string{"tab\there", strings.Repeat("x", 1025), "\tlead", " " + strings.Repeat("x", 1024) + " "}}
	mdlFresh      = []string{"nope", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", ""}
)

// mdlPolicies are access and lock policy documents, valid and not.
var mdlPolicies = mdlArg{[]string{
	`{"Version":"2012-10-17","Statement":[{"Sid":"other","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"glacier:*","Resource":"*"}]}`,
	`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*","Condition":{"NumericLessThan":{"glacier:ArchiveAgeInDays":"1"}}}]}`,
	`{"Statement":[{"Effect":"Deny","Principal":"*","Action":["glacier:AddTagsToVault","glacier:RemoveTagsFromVault"],"Resource":"*"}]}`,
	`{"Statement":[{"Effect":"Deny","Principal":"*","Action":["glacier:Upload*","glacier:InitiateMultipartUpload"],"Resource":"*","Condition":{"StringEquals":{"glacier:ResourceTag/frozen":"yes"}}}]}`,
	`{"Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"glacier:*","Resource":"arn:aws:glacier:*:*:vaults/a","Condition":{"DateLessThan":{"aws:CurrentTime":"2026-01-03T00:00:00Z"}}}]}`,
	`{"Statement":{"Effect":"Allow","Principal":"*","Action":["glacier:Describe*","glacier:List*","glacier:Get*","glacier:InitiateJob"],"Resource":"*"}}`,
}, []string{
	`{"Statement":{"Effect":"Maybe","Principal":"*","Action":"*","Resource":"*"}}`,
	`[1]`,
	``,
	`{"Statement":{"Effect":"Allow","Principal":"*","Action":"glacier:DeleteVault","Resource":"*","Condition":{"Bogus":{"x":"y"}}}}`,
	`{"Id":"` + strings.Repeat("x", 20*1024) + `"}`,
}}

// ctx returns the context of a call: its caller, drawn.
func (mm *mdlMachine) ctx(rt *rapid.T) context.Context {
	if p := mdlPrincipals.draw(rt, "principal"); p != "" {
		return firn.WithPrincipal(context.Background(), p)
	}
	return context.Background()
}

// pick draws the target of a call on a resource of pool: mostly a known
// one where it lives, sometimes a known ID elsewhere or an ID that names
// nothing.
func (mm *mdlMachine) pick(rt *rapid.T, label string, pool []mdlRef) (account, vault, id string) {
	k := rapid.IntRange(0, 9).Draw(rt, label+" choice")
	if len(pool) > 0 && k < 8 {
		r := rapid.SampledFrom(pool).Draw(rt, label)
		return r.Account, r.Vault, r.ID
	}
	account, vault = mdlAccounts.draw(rt, "account"), mdlVaults.draw(rt, "vault")
	if len(pool) > 0 && k < 9 {
		return account, vault, rapid.SampledFrom(pool).Draw(rt, label).ID
	}
	return account, vault, rapid.SampledFrom(mdlFresh).Draw(rt, label)
}

// marker draws a listing marker: none, a known ID, or garbage.
func (mm *mdlMachine) marker(rt *rapid.T) string {
	if len(mm.ids) > 0 && rapid.Bool().Draw(rt, "known marker") {
		return rapid.SampledFrom(mm.ids).Draw(rt, "marker")
	}
	return rapid.SampledFrom([]string{"", "nope", "01ARZ3NDEKTSV4RRFFQ69G5FAV"}).Draw(rt, "marker")
}

// actions returns the state machine's actions by name.
func (mm *mdlMachine) actions() map[string]func(*rapid.T) {
	acts := map[string]func(*rapid.T){
		"CreateVault":   mdlPlain(mm, firn.Glacier.CreateVault),
		"DescribeVault": mdlPlain(mm, firn.Glacier.DescribeVault),
		"ListVaults": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			in := &firn.ListVaultsInput{AccountId: mdlAccounts.draw(rt, "account"),
				Limit:  rapid.SampledFrom([]int32{0, 1, 2, 1000, 1001, -1}).Draw(rt, "limit"),
				Marker: rapid.SampledFrom([]string{"", "arn:aws:glacier:us-east-1:000000000000:vaults/a", "arn:aws:glacier:us-east-1:000000000000:vaults/b", "arn:aws:glacier:us-east-1:111111111111:vaults/a", "a"}).Draw(rt, "marker")}
			mdlCall(rt, mm, ctx, firn.Glacier.ListVaults, in, in)
		},
		"DeleteVault": mdlPlain(mm, firn.Glacier.DeleteVault),
		"AddTagsToVault": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			keys := mdlArg{[]string{"k8", "k9", "k10", "frozen", "k0", "k1", "Clé été", strings.Repeat("é", 128)},
				[]string{"aws:x", "AWS:y", "", strings.Repeat("k", 129), strings.Repeat("é", 129), "a:b", "a,b", "a\tb", "k\xff"}}
			values := mdlArg{[]string{"v", "", "yes", "no", strings.Repeat("ü", 255), "_ . / = + - @"}, []string{strings.Repeat("v", 256), "a:b", "\x00", "\xc3"}}
			in := &firn.AddTagsToVaultInput{AccountId: mdlAccounts.draw(rt, "account"), VaultName: mdlVaults.draw(rt, "vault"), Tags: map[string]string{}}
			for range rapid.IntRange(0, 4).Draw(rt, "tags") {
				in.Tags[keys.draw(rt, "key")] = values.draw(rt, "value")
			}
			mdlCall(rt, mm, ctx, firn.Glacier.AddTagsToVault, in, in)
		},
		"ListTagsForVault": mdlPlain(mm, firn.Glacier.ListTagsForVault),
		"RemoveTagsFromVault": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			in := &firn.RemoveTagsFromVaultInput{AccountId: mdlAccounts.draw(rt, "account"), VaultName: mdlVaults.draw(rt, "vault"),
				TagKeys: rapid.SliceOfN(rapid.SampledFrom([]string{"k0", "k1", "frozen", "nope"}), 0, 3).Draw(rt, "keys")}
			mdlCall(rt, mm, ctx, firn.Glacier.RemoveTagsFromVault, in, in)
		},
		"SetVaultNotifications": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			in := &firn.SetVaultNotificationsInput{AccountId: mdlAccounts.draw(rt, "account"), VaultName: mdlVaults.draw(rt, "vault")}
			if rapid.IntRange(0, 9).Draw(rt, "config") > 0 {
				in.VaultNotificationConfig = &firn.VaultNotificationConfig{SNSTopic: mdlTopics.draw(rt, "topic"),
					Events: rapid.SliceOfN(rapid.SampledFrom([]string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted, "Bogus"}), 0, 2).Draw(rt, "events")}
			}
			mdlCall(rt, mm, ctx, firn.Glacier.SetVaultNotifications, in, in)
		},
		"GetVaultNotifications":    mdlPlain(mm, firn.Glacier.GetVaultNotifications),
		"DeleteVaultNotifications": mdlPlain(mm, firn.Glacier.DeleteVaultNotifications),
		"SetVaultAccessPolicy": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			in := &firn.SetVaultAccessPolicyInput{AccountId: mdlAccounts.draw(rt, "account"), VaultName: mdlVaults.draw(rt, "vault")}
			if rapid.IntRange(0, 9).Draw(rt, "policy given") > 0 {
				in.Policy = &firn.VaultAccessPolicy{Policy: mdlPolicies.draw(rt, "policy")}
			}
			mdlCall(rt, mm, ctx, firn.Glacier.SetVaultAccessPolicy, in, in)
		},
		"GetVaultAccessPolicy":    mdlPlain(mm, firn.Glacier.GetVaultAccessPolicy),
		"DeleteVaultAccessPolicy": mdlPlain(mm, firn.Glacier.DeleteVaultAccessPolicy),
		"InitiateVaultLock": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			in := &firn.InitiateVaultLockInput{AccountId: mdlAccounts.draw(rt, "account"), VaultName: mdlVaults.draw(rt, "vault")}
			if rapid.IntRange(0, 9).Draw(rt, "policy given") > 0 {
				in.Policy = &firn.VaultLockPolicy{Policy: mdlPolicies.draw(rt, "policy")}
			}
			if mo, ok := mdlCall(rt, mm, ctx, firn.Glacier.InitiateVaultLock, in, in); ok {
				mm.locks = append(mm.locks, mdlRef{in.AccountId, in.VaultName, mo.LockId})
			}
		},
		"CompleteVaultLock": mdlOnResource(mm, "lock", &mm.locks, firn.Glacier.CompleteVaultLock, func(a, v, id string) *firn.CompleteVaultLockInput {
			return &firn.CompleteVaultLockInput{AccountId: a, VaultName: v, LockId: id}
		}),
		"AbortVaultLock": mdlPlain(mm, firn.Glacier.AbortVaultLock),
		"GetVaultLock":   mdlPlain(mm, firn.Glacier.GetVaultLock),
		"UploadArchive":  mm.uploadArchive,
		"ImportArchive":  mm.importArchive,
		"DescribeArchive": mdlOnResource(mm, "archive", &mm.archives, mdlDescribeArchive, func(a, v, id string) *firn.DescribeArchiveInput {
			return &firn.DescribeArchiveInput{AccountId: a, VaultName: v, ArchiveId: id}
		}),
		"DeleteArchive": mdlOnResource(mm, "archive", &mm.archives, firn.Glacier.DeleteArchive, func(a, v, id string) *firn.DeleteArchiveInput {
			return &firn.DeleteArchiveInput{AccountId: a, VaultName: v, ArchiveId: id}
		}),
		"InitiateMultipartUpload": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			in := &firn.InitiateMultipartUploadInput{AccountId: mdlAccounts.draw(rt, "account"), VaultName: mdlVaults.draw(rt, "vault"),
				ArchiveDescription: mdlDescs.draw(rt, "description"),
				PartSize:           rapid.SampledFrom([]int64{1 << 20, 1 << 20, 2 << 20, 0, 3 << 20, 512 << 10, 8 << 30}).Draw(rt, "part size")}
			if mo, ok := mdlCall(rt, mm, ctx, firn.Glacier.InitiateMultipartUpload, in, in); ok {
				mm.uploads = append(mm.uploads, mdlRef{in.AccountId, in.VaultName, mo.UploadId})
				mm.partSize[mo.UploadId] = in.PartSize
				mm.parts[mo.UploadId] = map[int64][]byte{}
			}
		},
		"UploadMultipartPart":     mm.uploadPart,
		"CompleteMultipartUpload": mm.completeUpload,
		"AbortMultipartUpload": mdlOnResource(mm, "upload", &mm.uploads, firn.Glacier.AbortMultipartUpload, func(a, v, id string) *firn.AbortMultipartUploadInput {
			return &firn.AbortMultipartUploadInput{AccountId: a, VaultName: v, UploadId: id}
		}),
		"ListMultipartUploads": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			account, vault, marker := mdlAccounts.draw(rt, "account"), mdlVaults.draw(rt, "vault"), mm.marker(rt)
			limit := rapid.SampledFrom([]int32{0, 1, 2, 1000, 1001, -1}).Draw(rt, "limit")
			mdlCall(rt, mm, ctx, firn.Glacier.ListMultipartUploads,
				&firn.ListMultipartUploadsInput{AccountId: account, VaultName: vault, Limit: limit, Marker: mm.toEngine(marker)},
				&firn.ListMultipartUploadsInput{AccountId: account, VaultName: vault, Limit: limit, Marker: marker})
		},
		"ListParts": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			account, vault, id := mm.pick(rt, "upload", mm.uploads)
			limit := rapid.SampledFrom([]int32{0, 1, 2, 1000, 1001, -1}).Draw(rt, "limit")
			marker := mdlArg{[]string{"", "1048576", "2097152"}, []string{"0", "1", "01", "x"}}.draw(rt, "marker")
			mdlCall(rt, mm, ctx, firn.Glacier.ListParts,
				&firn.ListPartsInput{AccountId: account, VaultName: vault, UploadId: mm.toEngine(id), Limit: limit, Marker: marker},
				&firn.ListPartsInput{AccountId: account, VaultName: vault, UploadId: id, Limit: limit, Marker: marker})
		},
		"InitiateJob": mm.initiateJob,
		"DescribeJob": mdlOnResource(mm, "job", &mm.jobs, firn.Glacier.DescribeJob, func(a, v, id string) *firn.DescribeJobInput {
			return &firn.DescribeJobInput{AccountId: a, VaultName: v, JobId: id}
		}),
		"ListJobs": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			in := firn.ListJobsInput{AccountId: mdlAccounts.draw(rt, "account"), VaultName: mdlVaults.draw(rt, "vault"),
				Limit:      rapid.SampledFrom([]int32{0, 1, 2, 50, 51, -1}).Draw(rt, "limit"),
				Statuscode: mdlArg{[]string{"", "", "InProgress", "Succeeded", "Failed"}, []string{"Bogus"}}.draw(rt, "statuscode")}
			if c := rapid.IntRange(0, 2).Draw(rt, "completed"); c > 0 {
				done := c == 1
				in.Completed = &done
			}
			marker := mm.marker(rt)
			ein := in
			ein.Marker, in.Marker = mm.toEngine(marker), marker
			mdlCall(rt, mm, ctx, firn.Glacier.ListJobs, &ein, &in)
		},
		"GetJobOutput": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			account, vault, id := mm.pick(rt, "job", mm.jobs)
			rng := mdlArg{[]string{"", "", "bytes=0-0", "bytes=0-", "bytes=1048576-", "bytes=0-1048575", "bytes=1048576-2097151", "bytes=3-60"}, []string{"bytes=5-2", "bytes=99999999-", "0-5"}}.draw(rt, "range")
			mdlCall(rt, mm, ctx, firn.Glacier.GetJobOutput,
				&firn.GetJobOutputInput{AccountId: account, VaultName: vault, JobId: mm.toEngine(id), Range: rng},
				&firn.GetJobOutputInput{AccountId: account, VaultName: vault, JobId: id, Range: rng})
		},
		"SetDataRetrievalPolicy": func(rt *rapid.T) {
			ctx := mm.ctx(rt)
			in := &firn.SetDataRetrievalPolicyInput{AccountId: mdlAccounts.draw(rt, "account")}
			n := rapid.SampledFrom([]int64{1000, 1 << 20, 3 << 20, 0, -1}).Draw(rt, "bytes per hour")
			switch rapid.IntRange(0, 8).Draw(rt, "policy") {
			case 0:
				in.Policy = &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyBytesPerHour, BytesPerHour: &n}}}
			case 1:
				in.Policy = &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyFreeTier}}}
			case 2:
				in.Policy = &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyNone}}}
			case 3:
				in.Policy = &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyFreeTier, BytesPerHour: &n}}}
			case 4:
				in.Policy = &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyBytesPerHour}}}
			case 5:
				in.Policy = &firn.DataRetrievalPolicy{}
			case 6:
				in.Policy = &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyNone}, {Strategy: firn.StrategyNone}}}
			case 7:
				in.Policy = &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: rapid.SampledFrom([]string{"", "Bogus"}).Draw(rt, "strategy")}}}
			}
			mdlCall(rt, mm, ctx, firn.Glacier.SetDataRetrievalPolicy, in, in)
		},
		"GetDataRetrievalPolicy":      mdlPlain(mm, firn.Glacier.GetDataRetrievalPolicy),
		"PurchaseProvisionedCapacity": mdlPlain(mm, firn.Glacier.PurchaseProvisionedCapacity),
		"ListProvisionedCapacity":     mdlPlain(mm, firn.Glacier.ListProvisionedCapacity),
		"AdvanceClock": func(rt *rapid.T) {
			d := rapid.SampledFrom([]time.Duration{time.Minute, time.Second, 5 * time.Minute, time.Hour, 4 * time.Hour, 12 * time.Hour, 23 * time.Hour, 24 * time.Hour, 25 * time.Hour}).Draw(rt, "by")
			if rapid.IntRange(0, 19).Draw(rt, "a month") == 19 {
				d = 31 * 24 * time.Hour // capacity units expire
			}
			mm.clock.Advance(d)
			mm.tick(rt)
		},
		"Reopen": func(rt *rapid.T) {
			// IDs issued after a reopen must sort after those issued before
			// it; within one millisecond of the clock the engine's fresh
			// monotonic entropy does not ensure that, so a millisecond
			// passes.
			mm.clock.Advance(time.Millisecond)
			mm.closeOne(rt, mm.cur)
			mm.open(rt, mm.cur)
			mm.e = mm.es[mm.cur]
		},
		"Notifications": func(rt *rapid.T) {
			// A notification is delivered once the job's completion is
			// recorded; DeliverNotifications waits for that, on every
			// engine, as any may be delivering.
			mm.tick(rt)
			for _, e := range mm.es {
				if err := e.DeliverNotifications(context.Background()); err != nil {
					rt.Fatalf("DeliverNotifications: %v", err)
				}
			}
			var got []model.Notification
			mm.sent.mu.Lock()
			for _, n := range mm.sent.got {
				got = append(got, model.Notification{Topic: n.Topic, Message: n.Message})
			}
			mm.sent.mu.Unlock()
			mm.match(rt, "notifications", mdlNotes(got), mdlNotes(mm.m.Notifications()))
		},
	}
	return acts
}

// mdlPlain is the action of an operation whose input holds an AccountId
// and, on a vault, a VaultName, and nothing else: both are drawn. It panics
// on an input with other fields, which would go untested.
func mdlPlain[I, O any](mm *mdlMachine, op func(firn.Glacier, context.Context, *I) (*O, error)) func(*rapid.T) {
	if t := reflect.TypeFor[I](); t.NumField() > 2 {
		panic("mdlPlain: " + t.Name() + " has more than an account and a vault")
	}
	return func(rt *rapid.T) {
		ctx, in := mm.ctx(rt), new(I)
		v := reflect.ValueOf(in).Elem()
		v.FieldByName("AccountId").SetString(mdlAccounts.draw(rt, "account"))
		if f := v.FieldByName("VaultName"); f.IsValid() {
			f.SetString(mdlVaults.draw(rt, "vault"))
		}
		mdlCall(rt, mm, ctx, op, in, in)
	}
}

// mdlOnResource is the action of an operation on one resource of *pool,
// drawn by pick; input makes the operation's input, which for the engine
// names the engine's ID of the resource.
func mdlOnResource[I, O any](mm *mdlMachine, label string, pool *[]mdlRef, op func(firn.Glacier, context.Context, *I) (*O, error), input func(account, vault, id string) *I) func(*rapid.T) {
	return func(rt *rapid.T) {
		ctx := mm.ctx(rt)
		account, vault, id := mm.pick(rt, label, *pool)
		mdlCall(rt, mm, ctx, op, input(account, vault, mm.toEngine(id)), input(account, vault, id))
	}
}

// tick makes both do the work that the clock has made due, with a call
// that does nothing else.
func (mm *mdlMachine) tick(rt *rapid.T) {
	in := &firn.GetDataRetrievalPolicyInput{}
	mdlCall(rt, mm, context.Background(), firn.Glacier.GetDataRetrievalPolicy, in, in)
}

// mdlNotes lists notifications in a canonical order, as JSON.
func mdlNotes(ns []model.Notification) string {
	var s []string
	for _, n := range ns {
		s = append(s, n.Topic+" "+string(n.Message))
	}
	slices.Sort(s)
	return strings.Join(s, "\n")
}

func (mm *mdlMachine) uploadArchive(rt *rapid.T) {
	ctx := mm.ctx(rt)
	account, vault, desc := mdlAccounts.draw(rt, "account"), mdlVaults.draw(rt, "vault"), mdlDescs.draw(rt, "description")
	var data []byte
	switch kind := (mdlArg{[]string{"small", "small", "small", "csv", "csv", "small", "mib"}, []string{"2mib", "empty", "over"}}).draw(rt, "data"); kind {
	case "small":
		data = mdlData(rapid.IntRange(1, 3000).Draw(rt, "size"), rapid.Byte().Draw(rt, "seed"))
	case "csv":
		data = []byte(rapid.SampledFrom([]string{"a,1\nb,2\nc,3\n", "x,y\n1,notanumber\n", "k,2\n"}).Draw(rt, "csv"))
	case "mib":
		data = mdlData(1<<20+rapid.IntRange(-1, 100).Draw(rt, "extra"), 3)
	case "2mib":
		data = mdlData(2<<20+7, 5)
	case "over":
		data = mdlData(mdlMaxArchiveSize+1, 7)
	}
	sum := testkit.TreeHashHex(data)
	switch (mdlArg{[]string{"good", "good", "none"}, []string{"upper", "wrong", "bad"}}).draw(rt, "checksum") {
	case "none":
		sum = ""
	case "upper":
		sum = strings.ToUpper(sum)
	case "wrong":
		sum = testkit.TreeHashHex(append(data, 'x'))
	case "bad":
		sum = "xyz"
	}
	body := mdlArg{[]string{"ok"}, []string{"nil", "failing"}}.draw(rt, "body")
	failAt := 0
	if body == "failing" {
		failAt = rapid.IntRange(0, len(data)).Draw(rt, "fail at")
	}
	in := func() *firn.UploadArchiveInput {
		in := &firn.UploadArchiveInput{AccountId: account, VaultName: vault, ArchiveDescription: desc, Checksum: sum}
		switch body {
		case "ok":
			in.Body = bytes.NewReader(data)
		case "failing":
			in.Body = &mdlFailing{data: data, n: failAt}
		}
		return in
	}
	if mo, ok := mdlCall(rt, mm, ctx, firn.Glacier.UploadArchive, in(), in()); ok {
		mm.archives = append(mm.archives, mdlRef{account, vault, mo.ArchiveId})
		mm.sizes[mo.ArchiveId] = len(data)
	}
}

func (mm *mdlMachine) uploadPart(rt *rapid.T) {
	ctx := mm.ctx(rt)
	account, vault, id := mm.pick(rt, "upload", mm.uploads)
	partSize := mm.partSize[id]
	if partSize == 0 {
		partSize = 1 << 20
	}
	index := rapid.SampledFrom([]int64{0, 0, 1, 2, 10_000}).Draw(rt, "index")
	size := partSize
	switch (mdlArg{[]string{"short", "short", "short", "full"}, []string{"over"}}).draw(rt, "part") {
	case "short":
		size = int64(rapid.IntRange(1, 3000).Draw(rt, "size"))
	case "over":
		size = partSize + 1
	}
	start := index * partSize
	rng := fmt.Sprintf("bytes %d-%d/*", start, start+size-1)
	switch (mdlArg{[]string{"ok"}, []string{"missing", "malformed", "unaligned"}}).draw(rt, "range") {
	case "missing":
		rng = ""
	case "malformed":
		rng = fmt.Sprintf("bytes=%d-%d", start, start+size-1)
	case "unaligned":
		rng = fmt.Sprintf("bytes %d-%d/*", start+1, start+size)
	}
	data := mdlData(int(size), rapid.Byte().Draw(rt, "seed"))
	bodyKind := mdlArg{[]string{"exact"}, []string{"short", "long", "nil", "failing"}}.draw(rt, "body")
	body := data
	switch bodyKind {
	case "short":
		body = data[:len(data)-1]
	case "long":
		body = append(slices.Clone(data), 'z')
	}
	sum := testkit.TreeHashHex(data)
	switch (mdlArg{[]string{"good", "none"}, []string{"wrong"}}).draw(rt, "checksum") {
	case "none":
		sum = ""
	case "wrong":
		sum = testkit.TreeHashHex(append(slices.Clone(data), 'x'))
	}
	in := func(id string) *firn.UploadMultipartPartInput {
		in := &firn.UploadMultipartPartInput{AccountId: account, VaultName: vault, UploadId: id, Range: rng, Checksum: sum}
		switch bodyKind {
		case "nil":
		case "failing":
			in.Body = &mdlFailing{data: data, n: len(data) / 2}
		default:
			in.Body = bytes.NewReader(body)
		}
		return in
	}
	if _, ok := mdlCall(rt, mm, ctx, firn.Glacier.UploadMultipartPart, in(mm.toEngine(id)), in(id)); ok {
		mm.parts[id][start] = data
	}
}

func (mm *mdlMachine) completeUpload(rt *rapid.T) {
	ctx := mm.ctx(rt)
	account, vault, id := mm.pick(rt, "upload", mm.uploads)
	// The archive the acknowledged parts make, if they are contiguous.
	var data []byte
	for _, s := range slices.Sorted(maps.Keys(mm.parts[id])) {
		data = append(data, mm.parts[id][s]...)
	}
	size := int64(len(data))
	switch (mdlArg{[]string{"right"}, []string{"plus one", "zero", "negative"}}).draw(rt, "size") {
	case "plus one":
		size++
	case "zero":
		size = 0
	case "negative":
		size = -1
	}
	sum := testkit.TreeHashHex(data)
	switch (mdlArg{[]string{"good"}, []string{"wrong", "none", "bad"}}).draw(rt, "checksum") {
	case "wrong":
		sum = testkit.TreeHashHex(append(data, 'x'))
	case "none":
		sum = ""
	case "bad":
		sum = "xyz"
	}
	mo, ok := mdlCall(rt, mm, ctx, firn.Glacier.CompleteMultipartUpload,
		&firn.CompleteMultipartUploadInput{AccountId: account, VaultName: vault, UploadId: mm.toEngine(id), ArchiveSize: size, Checksum: sum},
		&firn.CompleteMultipartUploadInput{AccountId: account, VaultName: vault, UploadId: id, ArchiveSize: size, Checksum: sum})
	if ok && mm.sizes[mo.ArchiveId] == 0 {
		mm.archives = append(mm.archives, mdlRef{account, vault, mo.ArchiveId})
		mm.sizes[mo.ArchiveId] = len(data)
	}
}

func (mm *mdlMachine) initiateJob(rt *rapid.T) {
	ctx := mm.ctx(rt)
	p := firn.JobParameters{
		Type:        mdlArg{[]string{firn.JobTypeArchiveRetrieval, firn.JobTypeArchiveRetrieval, firn.JobTypeInventoryRetrieval, firn.JobTypeSelect}, []string{"", "bogus"}}.draw(rt, "type"),
		Tier:        mdlArg{[]string{"", firn.TierStandard, firn.TierExpedited, firn.TierBulk}, []string{"Fast"}}.draw(rt, "tier"),
		Description: mdlDescs.draw(rt, "description"),
		SNSTopic:    mdlArg{[]string{"", "", "arn:aws:sns:us-east-1:111122223333:jobs", "arn:aws:sns:us-east-1:111122223333:topic"}, []string{"bad"}}.draw(rt, "topic"),
	}
	account, vault, archive := mm.pick(rt, "archive", mm.archives)
	switch p.Type {
	case firn.JobTypeArchiveRetrieval, firn.JobTypeSelect:
		size := int64(mm.sizes[archive])
		if p.Type == firn.JobTypeArchiveRetrieval {
			switch (mdlArg{[]string{"", "", "first MiB", "from 1 MiB", "whole"}, []string{"unaligned", "beyond", "garbage"}}).draw(rt, "range") {
			case "first MiB":
				p.RetrievalByteRange = fmt.Sprintf("0-%d", min(size, 1<<20)-1)
			case "from 1 MiB":
				p.RetrievalByteRange = fmt.Sprintf("%d-%d", 1<<20, max(size-1, 1<<20))
			case "whole":
				p.RetrievalByteRange = fmt.Sprintf("0-%d", size-1)
			case "unaligned":
				p.RetrievalByteRange = "1-5"
			case "beyond":
				p.RetrievalByteRange = fmt.Sprintf("0-%d", size)
			case "garbage":
				p.RetrievalByteRange = "abc"
			}
		} else {
			p.SelectParameters = &firn.SelectParameters{
				ExpressionType:      mdlArg{[]string{firn.ExpressionTypeSQL}, []string{""}}.draw(rt, "expression type"),
				Expression:          mdlArg{[]string{"SELECT * FROM archive", "SELECT s._1 FROM archive s WHERE s._2 = '2'", "SELECT CAST(s._2 AS INT) FROM archive s"}, []string{"SELEC * FROM archive"}}.draw(rt, "expression"),
				InputSerialization:  &firn.InputSerialization{CSV: &firn.CSVInput{}},
				OutputSerialization: &firn.OutputSerialization{CSV: &firn.CSVOutput{}},
			}
			p.OutputLocation = &firn.OutputLocation{S3: &firn.S3Location{BucketName: "bucket", Prefix: mdlArg{[]string{"out", "out/"}, []string{""}}.draw(rt, "prefix")}}
		}
	case firn.JobTypeInventoryRetrieval:
		p.Format = mdlArg{[]string{"", firn.FormatJSON, firn.FormatCSV}, []string{"XML"}}.draw(rt, "format")
		if rapid.Bool().Draw(rt, "inventory parameters") {
			p.InventoryRetrievalParameters = &firn.InventoryRetrievalJobInput{
				StartDate: mdlArg{[]string{"", "2026-01-02T00:00:00Z", "2026-01-02T03:04:05Z", "2026-01-03T00:00:00+01:00"}, []string{"2026-01-05T00:00:00Z", "yesterday"}}.draw(rt, "start date"),
				EndDate:   mdlArg{[]string{"", "2026-01-02T03:04:05.001Z", "2026-01-03T12:00:00Z", "2026-01-05T00:00:00Z"}, []string{"2026-01-02T00:00:00Z", "tomorrow"}}.draw(rt, "end date"),
				Limit:     mdlArg{[]string{"", "1", "2"}, []string{"0"}}.draw(rt, "limit")}
		}
		if !rapid.Bool().Draw(rt, "inventory marker") {
			archive = ""
		}
	default:
		archive = ""
	}
	in := func(archive string) *firn.InitiateJobInput {
		in := &firn.InitiateJobInput{AccountId: account, VaultName: vault, JobParameters: p}
		switch {
		case p.Type == firn.JobTypeInventoryRetrieval && archive != "":
			ip := firn.InventoryRetrievalJobInput{}
			if p.InventoryRetrievalParameters != nil {
				ip = *p.InventoryRetrievalParameters
			}
			ip.Marker = archive
			in.JobParameters.InventoryRetrievalParameters = &ip
		case p.Type != firn.JobTypeInventoryRetrieval:
			in.JobParameters.ArchiveId = archive
		}
		return in
	}
	if mo, ok := mdlCall(rt, mm, ctx, firn.Glacier.InitiateJob, in(mm.toEngine(archive)), in(archive)); ok {
		mm.jobs = append(mm.jobs, mdlRef{account, vault, mo.JobId})
	}
}
