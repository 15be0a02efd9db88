package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/multipart"
	"github.com/firnstore/firn/treehash"
)

const (
	defaultThreshold = 64 << 20
	defaultPartSize  = 8 << 20
)

type uploadOptions struct {
	description    string
	descriptionSet bool
	partSize       byteSize
	partSizeSet    bool
	threshold      byteSize
	concurrency    int
}

func (a *app) uploadCmd() *cobra.Command {
	o := uploadOptions{partSize: defaultPartSize, threshold: defaultThreshold, concurrency: 4}
	cmd := &cobra.Command{
		Use:   "upload VAULT FILE",
		Short: "Upload a file as an archive (multipart, parallel and resumable when large)",
		Long: `upload stores FILE as a new archive in VAULT and prints its archive ID and
SHA-256 tree hash; keep the archive ID, it is the only way to retrieve the
archive.

A file smaller than --threshold is sent in one request. A larger one is sent
as a multipart upload of --part-size parts (1 MiB times a power of two, raised
automatically to stay within 10,000 parts), --concurrency at a time. Every
part's tree hash is computed locally and checked by the service, and so is
the whole archive's.

A multipart upload is resumable: if it is interrupted (Ctrl-C, a network
failure), run the same command again. firn remembers the upload ID, part size
and the file's size and modification time in the user cache directory, asks
the service which parts it already has, checks them against the file, and
sends only the missing ones. If the file changed meanwhile, the old upload is
aborted and a new one started. Uploads left unfinished expire after 24 hours
without activity.

The description defaults to the file's base name when that is printable
ASCII.`,
		Example: `  firn upload photos ./holiday.tar --description "holiday 2026"
  firn upload photos ./big.img --part-size 64MiB --concurrency 8`,
		Args: args("VAULT", "FILE"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if o.concurrency < 1 {
				return usagef("--concurrency %d: must be at least 1", o.concurrency)
			}
			if !treehash.IsPowerOfTwoMiB(int64(o.partSize)) {
				return usagef("--part-size %s: must be 1 MiB times a power of two, from 1MiB to 4GiB", o.partSize.String())
			}
			o.descriptionSet = cmd.Flags().Changed("description")
			o.partSizeSet = cmd.Flags().Changed("part-size")
			return a.upload(cmd.Context(), args[0], args[1], o)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.description, "description", "", "archive description, up to 1,024 printable ASCII characters (default the file name)")
	f.Var(&o.partSize, "part-size", "multipart part size: 1MiB, 2MiB, 4MiB, ... 4GiB")
	f.Var(&o.threshold, "threshold", "files at least this large are uploaded in parts")
	f.IntVar(&o.concurrency, "concurrency", o.concurrency, "parts uploaded at once")
	return cmd
}

// uploadResult is printed by upload; its JSON form is that of
// firn.UploadArchiveOutput.
type uploadResult = firn.UploadArchiveOutput

func (a *app) upload(ctx context.Context, vaultName, path string, o uploadOptions) error {
	f, err := os.Open(path)
	if err != nil {
		return localErr(err, "")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return localErr(err, "")
	}
	if !fi.Mode().IsRegular() {
		return localErr(fmt.Errorf("%s is not a regular file", path), "upload a file; to upload a directory, archive it first (tar)")
	}
	if !o.descriptionSet {
		o.description = defaultDescription(path)
	}
	g, err := a.glacier()
	if err != nil {
		return err
	}
	var res *uploadResult
	if fi.Size() < int64(o.threshold) || fi.Size() == 0 {
		res, err = a.uploadSingle(ctx, g, vaultName, f, fi.Size(), o)
	} else {
		res, err = a.uploadMultipart(ctx, g, vaultName, f, fi, o)
	}
	if err != nil {
		return err
	}
	return a.print(res, func(w io.Writer) error {
		fmt.Fprintf(w, "uploaded %s (%s) to vault %s\n", path, humanBytes(fi.Size()), vaultName)
		return keyValues(w, "Archive ID", res.ArchiveId, "Tree hash", res.Checksum, "Location", res.Location)
	})
}

// defaultDescription is the base name of path if the API accepts it as a
// description, else "".
func defaultDescription(path string) string {
	name := filepath.Base(path)
	if len(name) > 1024 {
		return ""
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] > 0x7e {
			return ""
		}
	}
	return name
}

// fileTreeHash returns the tree hash of n bytes of f at off.
func fileTreeHash(f io.ReaderAt, off, n int64, h *treehash.Hash) ([32]byte, error) {
	var sum [32]byte
	if _, err := io.Copy(h, io.NewSectionReader(f, off, n)); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

func (a *app) uploadSingle(ctx context.Context, g firn.Glacier, vaultName string, f *os.File, size int64, o uploadOptions) (*uploadResult, error) {
	sum, err := fileTreeHash(f, 0, size, treehash.New())
	if err != nil {
		return nil, localErr(fmt.Errorf("reading %s: %w", f.Name(), err), "")
	}
	p := a.newProgress(size, "uploading")
	out, err := g.UploadArchive(ctx, &firn.UploadArchiveInput{
		AccountId:          a.account,
		VaultName:          vaultName,
		ArchiveDescription: o.description,
		Checksum:           treehash.Hex(sum),
		Body:               newCountingSection(f, 0, size, p),
	})
	if err != nil {
		p.stop()
		return nil, err
	}
	p.finish()
	if err := checkSum("the archive", out.Checksum, sum); err != nil {
		return nil, err
	}
	return out, nil
}

func checkSum(what, got string, want [32]byte) error {
	if got != "" && got != treehash.Hex(want) {
		return localErr(fmt.Errorf("the service reports tree hash %s for %s, the file's is %s", got, what, treehash.Hex(want)), "")
	}
	return nil
}

// uploadState is what resumes an interrupted multipart upload.
type uploadState struct {
	Target      string    `json:"target"` // endpoint URL or data directory
	AccountId   string    `json:"accountId"`
	VaultName   string    `json:"vaultName"`
	Path        string    `json:"path"`
	Size        int64     `json:"size"`
	ModTime     time.Time `json:"modTime"`
	PartSize    int64     `json:"partSize"`
	Description string    `json:"description"`
	UploadId    string    `json:"uploadId"`
}

// minPartSize is the smallest valid part size that splits size bytes into
// at most multipart.MaxParts parts.
func minPartSize(size int64) int64 {
	ps := int64(multipart.MinPartSize)
	for ps < multipart.MaxPartSize && (size+ps-1)/ps > multipart.MaxParts {
		ps *= 2
	}
	return ps
}

func (a *app) uploadMultipart(ctx context.Context, g firn.Glacier, vaultName string, f *os.File, fi os.FileInfo, o uploadOptions) (*uploadResult, error) {
	size := fi.Size()
	partSize := int64(o.partSize)
	if need := minPartSize(size); partSize < need {
		if o.partSizeSet {
			return nil, usagef("--part-size %s: a file of %s needs parts of at least %s (at most %d parts)", o.partSize.String(), humanBytes(size), humanBytes(need), multipart.MaxParts)
		}
		partSize = need
	}
	st := &uploadState{
		Target:      a.target(),
		AccountId:   a.account,
		VaultName:   vaultName,
		Path:        absPath(f.Name()),
		Size:        size,
		ModTime:     fi.ModTime().UTC(),
		PartSize:    partSize,
		Description: o.description,
	}
	statePath := a.statePath(st)
	done, resumed, err := a.resume(ctx, g, statePath, st)
	if err != nil {
		return nil, err
	}
	if resumed.UploadId != "" {
		if o.partSizeSet && resumed.PartSize != partSize || o.descriptionSet && resumed.Description != o.description {
			a.note("resuming with the interrupted upload's part size %s and description %q", humanBytes(resumed.PartSize), resumed.Description)
		}
		st = resumed
	} else {
		out, err := g.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{
			AccountId: a.account, VaultName: vaultName, ArchiveDescription: st.Description, PartSize: st.PartSize,
		})
		if err != nil {
			return nil, err
		}
		st.UploadId = out.UploadId
		if err := writeState(statePath, st); err != nil {
			a.note("warning: cannot record the upload for resumption: %v", err)
		}
	}
	interrupted := func(err error) error {
		return &exitError{code: exitLocal, err: err,
			hint: fmt.Sprintf("the upload is interrupted; run the same command again to resume it (multipart upload %s)", st.UploadId)}
	}

	p := a.newProgress(size, "uploading")
	hashes, err := a.uploadParts(ctx, g, f, st, done, o.concurrency, p)
	if err != nil {
		p.stop()
		return nil, interrupted(err)
	}
	p.finish()
	sum := treehash.Root(hashes)
	out, err := g.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{
		AccountId: a.account, VaultName: vaultName, UploadId: st.UploadId, ArchiveSize: size, Checksum: treehash.Hex(sum),
	})
	if err != nil {
		return nil, interrupted(err)
	}
	if err := os.Remove(statePath); err != nil && !errors.Is(err, os.ErrNotExist) {
		a.note("warning: %v", err)
	}
	if err := checkSum("the archive", out.Checksum, sum); err != nil {
		return nil, err
	}
	return &uploadResult{ArchiveId: out.ArchiveId, Checksum: out.Checksum, Location: out.Location}, nil
}

// target names where archives go: the endpoint, the metadata database
// or the data directory.
func (a *app) target() string {
	switch {
	case a.endpoint != "":
		return a.endpoint
	case a.metadata != "":
		return metadataName(a.metadata)
	}
	return absPath(a.dataDir)
}

// statePath is the file recording st's upload: one per target, account,
// vault and file.
func (a *app) statePath(st *uploadState) string {
	dir := a.stateDir
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir = filepath.Join(cache, "firn", "uploads")
	}
	key := sha256.Sum256([]byte(strings.Join([]string{st.Target, st.AccountId, st.VaultName, st.Path}, "\x00")))
	return filepath.Join(dir, hex.EncodeToString(key[:16])+".json")
}

// resume looks for an interrupted upload of the same file. It returns the
// parts the service holds (by start offset, with their tree hashes) and the
// recorded state, or a zero state when there is nothing to resume.
func (a *app) resume(ctx context.Context, g firn.Glacier, statePath string, st *uploadState) (map[int64]string, *uploadState, error) {
	prev, err := readState(statePath)
	if err != nil {
		a.note("ignoring unreadable upload state %s: %v", statePath, err)
		return nil, &uploadState{}, nil
	}
	if prev == nil {
		return nil, &uploadState{}, nil
	}
	if prev.Size != st.Size || !prev.ModTime.Equal(st.ModTime) {
		a.note("%s changed since multipart upload %s was interrupted; aborting that one and starting over", st.Path, prev.UploadId)
		// Best effort: an upload that is gone needs no abort.
		g.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{AccountId: prev.AccountId, VaultName: prev.VaultName, UploadId: prev.UploadId})
		return nil, &uploadState{}, nil
	}
	done := map[int64]string{}
	for part, err := range firn.AllParts(ctx, g, firn.ListPartsInput{AccountId: prev.AccountId, VaultName: prev.VaultName, UploadId: prev.UploadId}) {
		if errors.Is(err, firn.ErrResourceNotFound) {
			a.note("multipart upload %s is gone (aborted, or expired after 24 hours idle); starting over", prev.UploadId)
			return nil, &uploadState{}, nil
		}
		if err != nil {
			return nil, nil, err
		}
		start, end, ok := parseInclusiveRange(part.RangeInBytes)
		// A part of another size is not one this upload sends; it will be
		// overwritten or rejected at completion.
		if ok && start%prev.PartSize == 0 && end == min(start+prev.PartSize, prev.Size)-1 {
			done[start] = part.SHA256TreeHash
		}
	}
	a.note("resuming multipart upload %s: the service holds %d of %d parts", prev.UploadId, len(done), (prev.Size+prev.PartSize-1)/prev.PartSize)
	return done, prev, nil
}

func readState(path string) (*uploadState, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st uploadState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	if st.UploadId == "" || !treehash.IsPowerOfTwoMiB(st.PartSize) || st.Size <= 0 {
		return nil, fmt.Errorf("incomplete upload state")
	}
	return &st, nil
}

// writeState replaces the state file atomically.
func writeState(path string, st *uploadState) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// parseInclusiveRange parses "START-END".
func parseInclusiveRange(s string) (start, end int64, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	return start, end, err1 == nil && err2 == nil && 0 <= start && start <= end
}

// uploadParts sends the parts of st's file that done does not already hold
// with a matching tree hash, workers at a time, and returns every part's
// tree hash. The first failure stops the others.
func (a *app) uploadParts(ctx context.Context, g firn.Glacier, f io.ReaderAt, st *uploadState, done map[int64]string, workers int, p *progress) ([][32]byte, error) {
	n := int((st.Size + st.PartSize - 1) / st.PartSize)
	hashes := make([][32]byte, n)
	part := func(ctx context.Context, i int) error {
		off := int64(i) * st.PartSize
		size := min(st.PartSize, st.Size-off)
		sum, err := fileTreeHash(f, off, size, treehash.NewSerial())
		if err != nil {
			return fmt.Errorf("reading %s: %w", st.Path, err)
		}
		hashes[i] = sum
		if have, ok := done[off]; ok {
			if have == treehash.Hex(sum) {
				p.add(size)
				return nil
			}
			a.note("part %d (bytes %d-%d) held by the service differs from the file; sending it again", i, off, off+size-1)
		}
		_, err = g.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{
			AccountId: st.AccountId,
			VaultName: st.VaultName,
			UploadId:  st.UploadId,
			Range:     fmt.Sprintf("bytes %d-%d/*", off, off+size-1),
			Checksum:  treehash.Hex(sum),
			Body:      newCountingSection(f, off, size, p),
		})
		if err != nil {
			return fmt.Errorf("part %d (bytes %d-%d): %w", i, off, off+size-1, err)
		}
		return nil
	}

	if err := parallel(ctx, workers, n, part); err != nil {
		return nil, err
	}
	return hashes, nil
}
