package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/multipart"
	"github.com/firnstore/firn/treehash"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// Multipart uploads. An upload is a record under store.UploadKey holding
// its multipart.Upload state; each part is a record under store.PartKey
// holding the part's one segment, with a reference to it. Completion makes
// the parts' segments the archive's, in one batch, without copying a byte.
//
// Parts are independent records, so part uploads of one upload run
// concurrently: each holds its upload's lock shared, and the lock of its
// part index exclusively, only around its metadata commit. Transitions of
// the upload (complete, abort, expiry) hold the upload's lock exclusively,
// so that no part is committed to an upload that is no longer in progress.
// Part uploads do not rewrite the upload record: the expiry timer, when it
// fires, reads the parts' upload times to find the last activity, and
// moves itself if there was some.
//
// Each upload has exactly one pending timer (kind store.TimerUploadExpire, ID
// vault ID + upload ID), due at its expiry while in progress and at the
// end of its retention once terminal; its due time is in the record.

// uploadLocks are striped locks for uploads and their parts. Striping keeps
// their number fixed however many uploads come and go; unrelated uploads
// sharing a stripe only wait for each other's metadata commits.
type uploadLocks struct {
	uploads [64]sync.RWMutex
	parts   [256]sync.Mutex
}

// upload returns the lock of upload id.
func (l *uploadLocks) upload(id ulid.ULID) *sync.RWMutex {
	return &l.uploads[stripe(id)%uint64(len(l.uploads))]
}

// part returns the lock of part index of upload id.
func (l *uploadLocks) part(id ulid.ULID, index int) *sync.Mutex {
	return &l.parts[(stripe(id)+uint64(index))%uint64(len(l.parts))]
}

// stripe hashes an ID by its random low bytes.
func stripe(id ulid.ULID) uint64 { return binary.BigEndian.Uint64(id[8:]) }

func partKey(vaultID ulid.ULID, u *multipart.Upload, start int64) []byte {
	return store.PartKey(vaultID, u.ID, uint32(start/u.PartSize))
}

// writeUpload records in b the writes that store a copy of rec with its
// timer moved to due; it fails only if rec cannot be encoded.
func writeUpload(b *store.Batch, vaultID ulid.ULID, rec store.UploadRecord, due time.Time) error {
	tid := store.UploadTimerID(vaultID, rec.ID)
	if !rec.Timer.IsZero() {
		deleteTimer(b, rec.Timer, store.TimerUploadExpire, tid)
	}
	rec.Timer = due
	setTimer(b, due, store.TimerUploadExpire, tid)
	return b.SetRecord(store.UploadKey(vaultID, rec.ID), &rec)
}

// loadUpload returns upload id of vault v; idText is the ID as the client
// sent it, for the error.
func (e *Engine) loadUpload(v *vault.Record, id ulid.ULID, idText string) (*store.UploadRecord, error) {
	var rec store.UploadRecord
	err := e.db.GetRecord(store.UploadKey(v.ID, id), &rec)
	if errors.Is(err, store.ErrNotFound) {
		return nil, multipart.NotFound(idText)
	}
	if err != nil {
		return nil, ioError(err)
	}
	return &rec, nil
}

// loadParts returns the parts of an upload in order, with their segments.
func (e *Engine) loadParts(vaultID ulid.ULID, u *multipart.Upload) ([]multipart.Part, []vault.Segment, error) {
	var parts []multipart.Part
	var segs []vault.Segment
	p := store.PartPrefix(vaultID, u.ID)
	err := scanRecords(e.db, p, store.PrefixEnd(p), func(_ []byte, r *store.PartRecord) (bool, error) {
		parts = append(parts, r.Part)
		segs = append(segs, r.Segments...)
		return true, nil
	})
	if err != nil {
		return nil, nil, ioError(err)
	}
	return parts, segs, nil
}

// dropParts records in b the deletion of parts and their references:
// moved, when b gives their segments to an archive, or else released (see
// releaseRefs).
func (e *Engine) dropParts(b *store.Batch, vaultID ulid.ULID, u *multipart.Upload, parts []multipart.Part, segs []vault.Segment, moved bool) {
	for i, p := range parts {
		k := partKey(vaultID, u, p.Start)
		b.Delete(k)
		if moved {
			dropRefs(b, segs[i:i+1], k)
		} else {
			e.releaseRefs(b, segs[i:i+1], k)
		}
	}
}

// InitiateMultipartUpload implements firn.Glacier. PartSize must be 1 MiB
// times a power of two up to 4 GiB; ArchiveDescription follows the rules of
// UploadArchive, leading and trailing spaces dropped. The upload expires after multipart.InactivityLimit
// without a part upload.
func (e *Engine) InitiateMultipartUpload(ctx context.Context, in *firn.InitiateMultipartUploadInput) (*firn.InitiateMultipartUploadOutput, error) {
	r, err := e.beginVault(ctx, "InitiateMultipartUpload", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	u, err := multipart.New(e.newID(), in.ArchiveDescription, in.PartSize, e.now())
	if err != nil {
		return nil, err
	}
	v, unlock, err := r.lock(shared)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := e.admit(classMetadata); err != nil {
		return nil, err
	}
	rec := store.UploadRecord{Upload: u}
	err = e.write(func(b *store.Batch) error {
		if _, err := e.reread(b, v); err != nil {
			return err
		}
		return writeUpload(b, v.ID, rec, u.Due(u.Created))
	})
	if err != nil {
		return nil, err
	}
	id := u.ID.String()
	return &firn.InitiateMultipartUploadOutput{
		UploadId: id,
		Location: vault.Location(r.acct, v.Name) + "/multipart-uploads/" + id,
	}, nil
}

// UploadMultipartPart implements firn.Glacier. Range is "bytes START-END/*"
// with START a multiple of the part size and at most one part size long;
// Body must hold exactly its bytes, and match Checksum when given. Parts may
// be uploaded in any order and concurrently; uploading a range again
// replaces the earlier part. When it returns, the part is durable.
func (e *Engine) UploadMultipartPart(ctx context.Context, in *firn.UploadMultipartPartInput) (*firn.UploadMultipartPartOutput, error) {
	r, err := e.beginVault(ctx, "UploadMultipartPart", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	uid, err := multipart.ParseID(in.UploadId)
	if err != nil {
		return nil, err
	}
	rng, err := multipart.ParseRange(in.Range)
	if err != nil {
		return nil, err
	}
	want, err := parseChecksum("Checksum", in.Checksum)
	if err != nil {
		return nil, err
	}
	if in.Body == nil {
		return nil, missingParameter("Body")
	}
	v, err := r.view()
	if err != nil {
		return nil, err
	}
	rec, err := e.loadUpload(v, uid, in.UploadId)
	if err != nil {
		return nil, err
	}
	if _, err := rec.PartIndex(rng); err != nil {
		return nil, err
	}
	body, done, err := e.admitUpload(in.Body, rng.Size)
	if err != nil {
		return nil, err
	}
	defer done()

	seg, sum, err := e.writeSegment(ctx, &rangeBody{r: body, rng: rng}, rng.Size, "part")
	if err != nil {
		return nil, err
	}
	if seg.Size != rng.Size {
		e.discardSegment(seg.ID)
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Range: bytes %s/* covers %d bytes, but the body holds %d", rng, rng.Size, seg.Size)
	}
	if err := checkChecksum(want, sum); err != nil {
		e.discardSegment(seg.ID)
		return nil, err
	}
	if err := retryStale(func() error { return e.commitPart(r, uid, in.UploadId, rng, seg, sum) }); err != nil {
		e.discardSegment(seg.ID)
		return nil, err
	}
	return &firn.UploadMultipartPartOutput{Checksum: treehash.Hex(sum)}, nil
}

// commitPart commits a part of upload uid (idText as the client sent it)
// whose bytes are in seg, replacing the part of the same range, if any. The
// upload is re-read under its lock: it may have been completed, aborted or
// expired while the bytes were written.
func (e *Engine) commitPart(r *request, uid ulid.ULID, idText string, rng multipart.Range, seg vault.Segment, sum [32]byte) error {
	v, unlock, err := r.relock(shared)
	if err != nil {
		return err
	}
	defer unlock()
	ul := e.mp.upload(uid)
	ul.RLock()
	defer ul.RUnlock()
	rec, err := e.loadUpload(v, uid, idText)
	if err != nil {
		return err
	}
	index, err := rec.PartIndex(rng)
	if err != nil {
		return err
	}
	pl := e.mp.part(uid, index)
	pl.Lock()
	defer pl.Unlock()

	k := partKey(v.ID, &rec.Upload, rng.Start)
	rec2 := store.PartRecord{
		Part:     multipart.Part{Range: rng, TreeHash: sum, Uploaded: e.now()},
		Segments: []vault.Segment{seg},
	}
	var old store.PartRecord
	err = e.write(func(b *store.Batch) error {
		// The upload must still be the one loaded: another engine may
		// have completed or aborted it.
		if err := e.unchanged(b, store.UploadKey(v.ID, uid), rec); err != nil {
			return err
		}
		old = store.PartRecord{}
		switch err := b.GetRecord(k, &old); {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		}
		if err := b.SetRecord(k, &rec2); err != nil {
			return err
		}
		e.releaseRefs(b, old.Segments, k)
		e.addRefs(b, rec2.Segments, k)
		return nil
	})
	if err != nil {
		return err
	}
	e.releaseSegments(old.Segments)
	return nil
}

// rangeBody reads a part's body and fails as soon as it is longer than
// its range.
type rangeBody struct {
	r   io.Reader
	rng multipart.Range
	n   int64
}

func (b *rangeBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.rng.Size {
		return n, firn.Errorf(firn.CodeInvalidParameterValue, "Range: bytes %s/* covers %d bytes, but the body is longer", b.rng, b.rng.Size)
	}
	return n, err
}

// CompleteMultipartUpload implements firn.Glacier. ArchiveSize must be the
// total of the parts, which must cover it without gap or overlap, and
// Checksum the archive's tree hash, combined from the parts' tree hashes
// without reading their bytes; otherwise it fails with
// InvalidParameterValueException and the upload stays open. The parts'
// bytes become the archive's without a copy. Repeating a completion with
// the same arguments within multipart.Retention returns the same archive.
func (e *Engine) CompleteMultipartUpload(ctx context.Context, in *firn.CompleteMultipartUploadInput) (*firn.CompleteMultipartUploadOutput, error) {
	r, err := e.beginVault(ctx, "CompleteMultipartUpload", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	uid, err := multipart.ParseID(in.UploadId)
	if err != nil {
		return nil, err
	}
	switch {
	case in.ArchiveSize == 0:
		return nil, missingParameter("ArchiveSize")
	case in.ArchiveSize < 0:
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "ArchiveSize: %d is not a positive number of bytes", in.ArchiveSize)
	case in.Checksum == "":
		return nil, missingParameter("Checksum")
	}
	sum, err := parseChecksum("Checksum", in.Checksum)
	if err != nil {
		return nil, err
	}
	v, unlock, err := r.lock(shared)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := e.admit(classMetadata); err != nil {
		return nil, err
	}
	var out *firn.CompleteMultipartUploadOutput
	err = retryStale(func() error {
		var err error
		out, err = e.completeUpload(v, uid, in, sum)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// completeUpload is CompleteMultipartUpload once its input is checked and
// the vault locked. On a shared database it fails with errStale if the
// upload or its parts changed in another engine after it read them.
func (e *Engine) completeUpload(v *vault.Record, uid ulid.ULID, in *firn.CompleteMultipartUploadInput, sum *[32]byte) (*firn.CompleteMultipartUploadOutput, error) {
	ul := e.mp.upload(uid)
	ul.Lock()
	defer ul.Unlock()
	rec, err := e.loadUpload(v, uid, in.UploadId)
	if err != nil {
		return nil, err
	}
	var parts []multipart.Part
	var segs []vault.Segment
	if rec.State == multipart.InProgress {
		if parts, segs, err = e.loadParts(v.ID, &rec.Upload); err != nil {
			return nil, err
		}
		// Another engine may have completed or aborted the upload, dropping
		// its parts, between the two reads: judged on the parts, it would
		// have none.
		if e.shared {
			again, err := e.loadUpload(v, uid, in.UploadId)
			if err != nil {
				return nil, err
			}
			if again.State != rec.State {
				return nil, errStale
			}
		}
	}
	next, err := rec.Complete(parts, in.ArchiveSize, *sum, e.newID(), e.now())
	if err != nil {
		return nil, err
	}
	out := func(a *multipart.Completion) *firn.CompleteMultipartUploadOutput {
		id := a.ID.String()
		return &firn.CompleteMultipartUploadOutput{ArchiveId: id, Checksum: a.TreeHash.String(), Location: vault.ArchiveLocation(v.Account, v.Name, id)}
	}
	if rec.State == multipart.Completed {
		return out(rec.Archive), nil
	}

	a := vault.ArchiveRecord{
		ID:          next.Archive.ID,
		Description: next.Description,
		Size:        next.Archive.Size,
		TreeHash:    next.Archive.TreeHash.String(),
		Created:     next.Ended,
		Segments:    segs,
	}
	if len(segs) > 1 {
		a.SegmentSize = next.PartSize
	}
	nextRec := store.UploadRecord{Upload: next, Timer: rec.Timer}
	err = e.commitArchive(v, &a, func(b *store.Batch) error {
		if err := e.partsUnchanged(b, v.ID, rec, parts, segs); err != nil {
			return err
		}
		e.dropParts(b, v.ID, &rec.Upload, parts, segs, true)
		return writeUpload(b, v.ID, nextRec, next.Due(next.Ended))
	})
	if err != nil {
		return nil, err
	}
	return out(next.Archive), nil
}

// AbortMultipartUpload implements firn.Glacier. The parts' bytes are
// reclaimed at once. Aborting an aborted upload succeeds within
// multipart.Retention; aborting a completed one is an
// InvalidParameterValueException.
func (e *Engine) AbortMultipartUpload(ctx context.Context, in *firn.AbortMultipartUploadInput) (*firn.AbortMultipartUploadOutput, error) {
	r, err := e.beginDelete(ctx, "AbortMultipartUpload", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	uid, err := multipart.ParseID(in.UploadId)
	if err != nil {
		return nil, err
	}
	v, unlock, err := r.lock(shared)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ul := e.mp.upload(uid)
	ul.Lock()
	defer ul.Unlock()
	err = retryStale(func() error {
		rec, err := e.loadUpload(v, uid, in.UploadId)
		if err != nil {
			return err
		}
		next, err := rec.Abort(e.now())
		if err != nil || rec.State == multipart.Aborted {
			return err
		}
		parts, segs, err := e.loadParts(v.ID, &rec.Upload)
		if err != nil {
			return err
		}
		return e.endUpload(v.ID, rec, next, parts, segs)
	})
	if err != nil {
		return nil, err
	}
	return &firn.AbortMultipartUploadOutput{}, nil
}

// endUpload commits an in-progress upload's move to the terminal state of
// next without an archive (abort or expiry), dropping its parts (with their
// segments, as loadParts returns them). The caller holds the upload's lock
// exclusively.
func (e *Engine) endUpload(vaultID ulid.ULID, rec *store.UploadRecord, next multipart.Upload, parts []multipart.Part, segs []vault.Segment) error {
	nextRec := store.UploadRecord{Upload: next, Timer: rec.Timer}
	err := e.write(func(b *store.Batch) error {
		if err := e.partsUnchanged(b, vaultID, rec, parts, segs); err != nil {
			return err
		}
		e.dropParts(b, vaultID, &rec.Upload, parts, segs, false)
		return writeUpload(b, vaultID, nextRec, next.Due(next.Ended))
	})
	if err != nil {
		return err
	}
	e.releaseSegments(segs)
	return nil
}

// runUploadTimer is the store.TimerUploadExpire handler. For an upload in
// progress it expires the upload if it has had no activity for
// multipart.InactivityLimit, and otherwise moves the timer to the new
// expiry; for a terminal upload it forgets the upload. A timer that is not
// the upload's current one (the vault was deleted, or a crash repeated the
// work) is just deleted.
func (e *Engine) runUploadTimer(due int64, id []byte) error {
	timerKey := store.TimerKey(due, store.TimerUploadExpire, id)
	drop := func(keys ...[]byte) error {
		return e.write(func(b *store.Batch) error {
			for _, k := range keys {
				b.Delete(k)
			}
			return nil
		})
	}
	vid, uid, ok := store.SplitUploadTimerID(id)
	if !ok {
		return drop(timerKey)
	}
	// The vault lock keeps DeleteVault out.
	vl := e.vaultLock(vid)
	vl.RLock()
	defer vl.RUnlock()
	ul := e.mp.upload(uid)
	ul.Lock()
	defer ul.Unlock()
	return retryStale(func() error { return e.expireUpload(due, vid, uid, drop) })
}

// expireUpload is runUploadTimer with the upload's lock held.
func (e *Engine) expireUpload(due int64, vid, uid ulid.ULID, drop func(keys ...[]byte) error) error {
	timerKey := store.TimerKey(due, store.TimerUploadExpire, store.UploadTimerID(vid, uid))
	var rec store.UploadRecord
	err := e.db.GetRecord(store.UploadKey(vid, uid), &rec)
	if errors.Is(err, store.ErrNotFound) || err == nil && rec.Timer.UnixNano() != due {
		return drop(timerKey)
	}
	if err != nil {
		return err
	}
	if rec.State != multipart.InProgress {
		return drop(timerKey, store.UploadKey(vid, uid))
	}
	parts, segs, err := e.loadParts(vid, &rec.Upload)
	if err != nil {
		return err
	}
	last := multipart.LastActivity(&rec.Upload, parts)
	if next, expired := rec.Expire(last, e.now()); expired {
		return e.endUpload(vid, &rec, next, parts, segs)
	}
	return e.write(func(b *store.Batch) error {
		if err := e.partsUnchanged(b, vid, &rec, parts, segs); err != nil {
			return err
		}
		return writeUpload(b, vid, rec, rec.Due(last))
	})
}

// ListMultipartUploads implements firn.Glacier. It lists the vault's
// uploads in progress, oldest first; Limit is 1 to 1000 (default 50) and
// Marker, when set, must come from an earlier page.
func (e *Engine) ListMultipartUploads(ctx context.Context, in *firn.ListMultipartUploadsInput) (*firn.ListMultipartUploadsOutput, error) {
	r, err := e.beginVault(ctx, "ListMultipartUploads", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	limit, err := listLimit(in.Limit, defaultUploadLimit, maxListLimit)
	if err != nil {
		return nil, err
	}
	var from ulid.ULID
	if in.Marker != "" {
		if from, err = multipart.ParseUploadMarker(in.Marker); err != nil {
			return nil, err
		}
	}
	v, err := r.view()
	if err != nil {
		return nil, err
	}
	arn := e.vaultARN(v)
	out := &firn.ListMultipartUploadsOutput{UploadsList: []firn.UploadListElement{}}
	p := store.UploadPrefix(v.ID)
	err = scanRecords(e.db, store.UploadKey(v.ID, from), store.PrefixEnd(p), func(_ []byte, rec *store.UploadRecord) (bool, error) {
		if rec.State != multipart.InProgress {
			return true, nil
		}
		if len(out.UploadsList) == limit {
			out.Marker = multipart.UploadMarker(rec.ID)
			return false, nil
		}
		out.UploadsList = append(out.UploadsList, firn.UploadListElement{
			MultipartUploadId:  rec.ID.String(),
			VaultARN:           arn,
			ArchiveDescription: rec.Description,
			PartSizeInBytes:    rec.PartSize,
			CreationDate:       rec.Created,
		})
		return true, nil
	})
	if err != nil {
		return nil, ioError(err)
	}
	return out, nil
}

// ListParts implements firn.Glacier. It lists an in-progress upload's
// parts sorted by range; Limit is 1 to 1000 (default 50) and Marker, when
// set, must come from an earlier page of the same upload. A completed,
// aborted or expired upload is a ResourceNotFoundException.
func (e *Engine) ListParts(ctx context.Context, in *firn.ListPartsInput) (*firn.ListPartsOutput, error) {
	r, err := e.beginVault(ctx, "ListParts", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	uid, err := multipart.ParseID(in.UploadId)
	if err != nil {
		return nil, err
	}
	limit, err := listLimit(in.Limit, defaultUploadLimit, maxListLimit)
	if err != nil {
		return nil, err
	}
	v, err := r.view()
	if err != nil {
		return nil, err
	}
	ul := e.mp.upload(uid)
	ul.RLock()
	defer ul.RUnlock()
	rec, err := e.loadUpload(v, uid, in.UploadId)
	if err != nil {
		return nil, err
	}
	if err := rec.CheckInProgress(); err != nil {
		return nil, err
	}
	var from int64
	if in.Marker != "" {
		if from, err = multipart.ParsePartMarker(in.Marker, rec.PartSize); err != nil {
			return nil, err
		}
	}
	out := &firn.ListPartsOutput{
		MultipartUploadId:  rec.ID.String(),
		VaultARN:           e.vaultARN(v),
		ArchiveDescription: rec.Description,
		PartSizeInBytes:    rec.PartSize,
		CreationDate:       rec.Created,
		Parts:              []firn.PartListElement{},
	}
	p := store.PartPrefix(v.ID, uid)
	err = scanRecords(e.db, partKey(v.ID, &rec.Upload, from), store.PrefixEnd(p), func(_ []byte, part *store.PartRecord) (bool, error) {
		if len(out.Parts) == limit {
			out.Marker = multipart.PartMarker(part.Start)
			return false, nil
		}
		out.Parts = append(out.Parts, firn.PartListElement{RangeInBytes: part.Range.String(), SHA256TreeHash: part.TreeHash.String()})
		return true, nil
	})
	if err != nil {
		return nil, ioError(err)
	}
	return out, nil
}

// checkUploads adds to bad the violations of the multipart invariants in
// vault v: every upload is in a valid state and has its timer; parts belong
// to uploads in progress, sit at the key of their range, respect the part
// size and hold exactly one segment of their size.
func (e *Engine) checkUploads(v *vault.Record, bad func(format string, args ...any)) error {
	uploads := map[ulid.ULID]*store.UploadRecord{}
	p := store.UploadPrefix(v.ID)
	err := scanRecords(e.db, p, store.PrefixEnd(p), func(_ []byte, rec *store.UploadRecord) (bool, error) {
		uploads[rec.ID] = rec
		return true, nil
	})
	if err != nil {
		return err
	}
	for id, rec := range uploads {
		name := id.String()
		if !rec.State.Valid() {
			bad("vault %s upload %s: invalid state %q", v.Name, name, rec.State)
		}
		if (rec.State == multipart.Completed) != (rec.Archive != nil) {
			bad("vault %s upload %s: state %s with archive %v", v.Name, name, rec.State, rec.Archive)
		}
		has, err := e.db.Has(store.TimerKey(rec.Timer.UnixNano(), store.TimerUploadExpire, store.UploadTimerID(v.ID, id)))
		if err != nil {
			return err
		}
		if !has {
			bad("vault %s upload %s: no timer at %v", v.Name, name, rec.Timer)
		}
	}
	p = store.PartVaultPrefix(v.ID)
	return scanRecords(e.db, p, store.PrefixEnd(p), func(k []byte, part *store.PartRecord) (bool, error) {
		var uid ulid.ULID
		copy(uid[:], k[len(p):])
		index := binary.BigEndian.Uint32(k[len(p)+16:])
		rec := uploads[uid]
		switch {
		case rec == nil || rec.State != multipart.InProgress:
			bad("vault %s: part %d of upload %s, which is not in progress", v.Name, index, uid.String())
		case part.Start != int64(index)*rec.PartSize || part.Size < 1 || part.Size > rec.PartSize:
			bad("vault %s upload %s: part %d has range %s, part size %d", v.Name, uid.String(), index, part.Range, rec.PartSize)
		case len(part.Segments) != 1 || part.Segments[0].Size != part.Size:
			bad("vault %s upload %s: part %d of %d bytes holds segments %v", v.Name, uid.String(), index, part.Size, part.Segments)
		}
		return true, nil
	})
}

// partsUnchanged returns errStale, on a shared database, unless upload rec
// and its parts, as b's transaction reads them, are rec and parts: another
// engine may have completed or aborted the upload, or added a part, since
// they were loaded (each part has one segment, in segs). Elsewhere the upload's lock keeps them current.
func (e *Engine) partsUnchanged(b *store.Batch, vaultID ulid.ULID, rec *store.UploadRecord, parts []multipart.Part, segs []vault.Segment) error {
	if !e.shared {
		return nil
	}
	if err := e.unchanged(b, store.UploadKey(vaultID, rec.ID), rec); err != nil {
		return err
	}
	n := 0
	p := store.PartPrefix(vaultID, rec.ID)
	stale := false
	err := scanRecords(b, p, store.PrefixEnd(p), func(_ []byte, r *store.PartRecord) (bool, error) {
		if n >= len(parts) || r.Range != parts[n].Range || r.TreeHash != parts[n].TreeHash || len(r.Segments) != 1 || r.Segments[0] != segs[n] {
			stale = true
			return false, nil
		}
		n++
		return true, nil
	})
	if err != nil {
		return err
	}
	if stale || n != len(parts) {
		return errStale
	}
	return nil
}
