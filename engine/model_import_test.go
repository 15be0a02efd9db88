package engine_test

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/oklog/ulid/v2"
	"pgregory.net/rapid"
)

// The model test's imports (firn.Importer): source IDs shaped like Amazon
// S3 Glacier's, in ULID form (a Firn-to-Firn move) and the IDs of archives
// already there, retried with the same or other bytes and metadata. Their
// dates are before the machine's clock starts, so that no imported archive
// sorts in the millisecond of an upload, whose engine and model IDs differ.

// mdlSourceIDs are the source IDs imports draw: 138 characters with lower
// case in every run of 26 (so that mdlULID never matches inside one), and
// ULIDs of 2020.
var mdlSourceIDs = []string{
	mdlGlacierID("q"), mdlGlacierID("r"), mdlGlacierID("s"),
	ulid.MustNew(ulid.Timestamp(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), bytes.NewReader(make([]byte, 10))).String(),
	ulid.MustNew(ulid.Timestamp(time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC)), bytes.NewReader(bytes.Repeat([]byte{7}, 10))).String(),
}

func mdlGlacierID(seed string) string {
	return (seed + strings.Repeat("Ab3-_Z9.k~", 14))[:138]
}

// mdlImportDates are the creation dates imports draw.
var mdlImportDates = []time.Time{
	time.Date(2025, 1, 1, 0, 0, 0, 123_000_000, time.UTC),
	time.Date(2025, 1, 1, 0, 0, 0, 123_000_000, time.UTC),
	time.Date(2019, 7, 8, 9, 10, 11, 0, time.UTC),
	time.Date(2025, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
}

func mdlImport(g firn.Glacier, ctx context.Context, in *firn.ImportArchiveInput) (*firn.ImportArchiveOutput, error) {
	return g.(firn.Importer).ImportArchive(ctx, in)
}

func mdlDescribeArchive(g firn.Glacier, ctx context.Context, in *firn.DescribeArchiveInput) (*firn.DescribeArchiveOutput, error) {
	return g.(firn.Importer).DescribeArchive(ctx, in)
}

// importArchive imports an archive: mostly a source ID of mdlSourceIDs
// into "a" or "b", sometimes a known archive's ID where it lives.
func (mm *mdlMachine) importArchive(rt *rapid.T) {
	ctx := mm.ctx(rt)
	account, vault := mdlAccounts.draw(rt, "account"), rapid.SampledFrom([]string{"a", "a", "b", "none"}).Draw(rt, "vault")
	id := rapid.SampledFrom(mdlSourceIDs).Draw(rt, "source id")
	created := rapid.SampledFrom(mdlImportDates).Draw(rt, "date")
	if len(mm.archives) > 0 && rapid.IntRange(0, 9).Draw(rt, "known id") == 0 {
		r := rapid.SampledFrom(mm.archives).Draw(rt, "archive")
		account, vault, id = r.Account, r.Vault, r.ID
	}
	switch (mdlArg{[]string{"ok"}, []string{"empty", "slash", "long"}}).draw(rt, "id kind") {
	case "empty":
		id = ""
	case "slash":
		id = "a/b"
	case "long":
		id = strings.Repeat("x", 1025)
	}
	switch (mdlArg{[]string{"ok"}, []string{"zero", "future", "1969"}}).draw(rt, "date kind") {
	case "zero":
		created = time.Time{}
	case "future":
		created = mm.clock.Now().Add(time.Millisecond)
	case "1969":
		created = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	desc := mdlArg{[]string{"", "d", "tab\there, été"}, []string{"\x01", "a\xff", strings.Repeat("é", 513), " padded "}}.draw(rt, "description")
	data := mdlData(rapid.SampledFrom([]int{1, 100, 3000, 70_000}).Draw(rt, "size"), rapid.SampledFrom([]byte{1, 1, 2}).Draw(rt, "seed"))
	sum := testkit.TreeHashHex(data)
	switch (mdlArg{[]string{"good", "good", "other"}, []string{"none", "upper", "wrong", "bad"}}).draw(rt, "checksum") {
	case "other":
		// A retry of the ID with other bytes, or a mismatch.
		sum = testkit.TreeHashHex(mdlData(len(data), 2))
	case "none":
		sum = ""
	case "upper":
		sum = strings.ToUpper(sum)
	case "wrong":
		sum = testkit.TreeHashHex(append(data, 'x'))
	case "bad":
		sum = "xyz"
	}
	size := int64(len(data))
	switch (mdlArg{[]string{"ok"}, []string{"zero", "short", "long", "huge"}}).draw(rt, "size kind") {
	case "zero":
		size = 0
	case "short":
		size++
	case "long":
		size--
	case "huge":
		size = 10000*(4<<30) + 1
	}
	body := mdlArg{[]string{"ok"}, []string{"nil", "failing"}}.draw(rt, "body")
	failAt := 0
	if body == "failing" {
		failAt = rapid.IntRange(0, len(data)).Draw(rt, "fail at")
	}
	in := func(id string) *firn.ImportArchiveInput {
		in := &firn.ImportArchiveInput{AccountId: account, VaultName: vault, ArchiveId: id, ArchiveDescription: desc,
			CreationDate: created, Checksum: sum, Size: size}
		switch body {
		case "ok":
			in.Body = bytes.NewReader(data)
		case "failing":
			in.Body = &mdlFailing{data: data, n: failAt}
		}
		return in
	}
	if mo, ok := mdlCall(rt, mm, ctx, mdlImport, in(mm.toEngine(id)), in(id)); ok && mo.Imported {
		mm.archives = append(mm.archives, mdlRef{account, vault, mo.ArchiveId})
		mm.sizes[mo.ArchiveId] = len(data)
	}
}
