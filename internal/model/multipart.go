package model

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/multipart"
)

// Upload states.
const (
	stateInProgress = "InProgress"
	stateCompleted  = "Completed"
	stateAborted    = "Aborted"
	stateExpired    = "Expired"
)

// upload is a multipart upload. Terminal uploads are remembered for
// uploadRetention after they ended, to answer repeated completions and
// aborts.
type upload struct {
	id, desc string
	partSize int64
	created  time.Time
	state    string
	ended    time.Time
	parts    map[int64]*part // by start
	// archiveID, size and hash are what a completed upload became.
	archiveID, hash string
	size            int64
}

type part struct {
	data     []byte
	hash     string
	uploaded time.Time
}

// lastActivity is the upload's initiation or its latest part upload.
func (u *upload) lastActivity() time.Time {
	last := u.created
	for _, p := range u.parts {
		last = later(last, p.uploaded)
	}
	return last
}

// uploadNotFound is the error for an upload that does not exist or is no
// longer in progress.
func uploadNotFound(id string) error { return notFound("The upload ID was not found: %s", id) }

// findUpload returns upload id of v.
func findUpload(v *vault, id string) (*upload, error) {
	u := v.uploads[id]
	if u == nil {
		return nil, uploadNotFound(id)
	}
	return u, nil
}

// checkUploadID checks an UploadId's form: a malformed one names no upload.
func checkUploadID(id string) error {
	if id == "" {
		return missing("UploadId")
	}
	if !validULID(id) {
		return uploadNotFound(id)
	}
	return nil
}

func validPartSize(n int64) bool {
	if n < mib || n > 4<<30 || n%mib != 0 {
		return false
	}
	k := n / mib
	return k&(k-1) == 0
}

// InitiateMultipartUpload implements firn.Glacier.
func (m *Model) InitiateMultipartUpload(ctx context.Context, in *firn.InitiateMultipartUploadInput) (*firn.InitiateMultipartUploadOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	desc := archiveDescription(in.ArchiveDescription)
	if err := validateDescription("ArchiveDescription", desc); err != nil {
		return nil, err
	}
	if in.PartSize == 0 {
		return nil, missing("PartSize")
	}
	if !validPartSize(in.PartSize) {
		return nil, invalid("PartSize: %d is not 1 MiB times a power of two up to 4 GiB", in.PartSize)
	}
	v, err := m.authorizedVault(ctx, "InitiateMultipartUpload", a, acct, in.VaultName)
	if err != nil {
		return nil, err
	}
	u := &upload{id: m.newID(), desc: desc, partSize: in.PartSize, created: m.now(), state: stateInProgress, parts: map[int64]*part{}}
	v.uploads[u.id] = u
	return &firn.InitiateMultipartUploadOutput{UploadId: u.id, Location: location(acct, v.name) + "/multipart-uploads/" + u.id}, nil
}

// UploadMultipartPart implements firn.Glacier.
func (m *Model) UploadMultipartPart(ctx context.Context, in *firn.UploadMultipartPartInput) (*firn.UploadMultipartPartOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	if err := checkUploadID(in.UploadId); err != nil {
		return nil, err
	}
	r, err := multipart.ParseRange(in.Range)
	if err != nil {
		return nil, err
	}
	want, err := parseChecksum(in.Checksum)
	if err != nil {
		return nil, err
	}
	if in.Body == nil {
		return nil, missing("Body")
	}
	v, err := m.authorizedVault(ctx, "UploadMultipartPart", a, acct, in.VaultName)
	if err != nil {
		return nil, err
	}
	u, err := findUpload(v, in.UploadId)
	if err != nil {
		return nil, err
	}
	switch {
	case u.state != stateInProgress:
		return nil, uploadNotFound(in.UploadId)
	case r.Start%u.partSize != 0:
		return nil, invalid("Range: does not start on a multiple of the part size")
	case r.Size > u.partSize:
		return nil, invalid("Range: longer than the part size")
	case r.Start/u.partSize >= maxParts:
		return nil, invalid("Range: beyond part %d", maxParts)
	}
	data, err := readBody(in.Body, r.Size)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != r.Size {
		return nil, invalid("Range: covers %d bytes, the body holds %d or more", r.Size, len(data))
	}
	hash := testkit.TreeHashHex(data)
	if want != "" && want != hash {
		return nil, invalid("Checksum mismatch")
	}
	u.parts[r.Start] = &part{data: data, hash: hash, uploaded: m.now()}
	return &firn.UploadMultipartPartOutput{Checksum: hash}, nil
}

// CompleteMultipartUpload implements firn.Glacier.
func (m *Model) CompleteMultipartUpload(ctx context.Context, in *firn.CompleteMultipartUploadInput) (*firn.CompleteMultipartUploadOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	if err := checkUploadID(in.UploadId); err != nil {
		return nil, err
	}
	switch {
	case in.ArchiveSize == 0:
		return nil, missing("ArchiveSize")
	case in.ArchiveSize < 0:
		return nil, invalid("ArchiveSize: %d is negative", in.ArchiveSize)
	case in.Checksum == "":
		return nil, missing("Checksum")
	}
	sum, err := parseChecksum(in.Checksum)
	if err != nil {
		return nil, err
	}
	v, err := m.authorizedVault(ctx, "CompleteMultipartUpload", a, acct, in.VaultName)
	if err != nil {
		return nil, err
	}
	u, err := findUpload(v, in.UploadId)
	if err != nil {
		return nil, err
	}
	out := func() *firn.CompleteMultipartUploadOutput {
		return &firn.CompleteMultipartUploadOutput{ArchiveId: u.archiveID, Checksum: u.hash, Location: location(acct, v.name) + "/archives/" + u.archiveID}
	}
	switch u.state {
	case stateCompleted:
		if in.ArchiveSize != u.size || sum != u.hash {
			return nil, invalid("the upload was completed as another archive")
		}
		return out(), nil
	case stateAborted, stateExpired:
		return nil, uploadNotFound(in.UploadId)
	}
	starts := slices.Sorted(maps.Keys(u.parts))
	var data []byte
	for i, s := range starts {
		p := u.parts[s]
		switch {
		case s != int64(len(data)):
			return nil, invalid("Range: no part covers bytes from %d", len(data))
		case int64(len(p.data)) != u.partSize && i != len(starts)-1:
			return nil, invalid("Range: a part before the last is short")
		}
		data = append(data, p.data...)
	}
	switch {
	case len(starts) == 0:
		return nil, invalid("ArchiveSize: the upload has no parts")
	case int64(len(data)) != in.ArchiveSize:
		return nil, invalid("ArchiveSize: %d is not the parts' total, %d", in.ArchiveSize, len(data))
	}
	hash := testkit.TreeHashHex(data)
	if hash != sum {
		return nil, invalid("Checksum: not the tree hash of the parts")
	}
	ar := m.addArchive(v, u.desc, data, hash)
	u.state, u.ended, u.parts = stateCompleted, ar.created, nil
	u.archiveID, u.size, u.hash = ar.id, int64(len(data)), hash
	return out(), nil
}

// AbortMultipartUpload implements firn.Glacier.
func (m *Model) AbortMultipartUpload(ctx context.Context, in *firn.AbortMultipartUploadInput) (*firn.AbortMultipartUploadOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	if err := checkUploadID(in.UploadId); err != nil {
		return nil, err
	}
	v, err := m.authorizedVault(ctx, "AbortMultipartUpload", a, acct, in.VaultName)
	if err != nil {
		return nil, err
	}
	u, err := findUpload(v, in.UploadId)
	if err != nil {
		return nil, err
	}
	switch u.state {
	case stateInProgress:
		u.state, u.ended, u.parts = stateAborted, m.now(), nil
	case stateCompleted:
		return nil, invalid("UploadId: the upload was completed; delete its archive instead")
	case stateExpired:
		return nil, uploadNotFound(in.UploadId)
	}
	return &firn.AbortMultipartUploadOutput{}, nil
}

// ListMultipartUploads implements firn.Glacier: uploads in progress, in
// initiation order, from the marker (an upload ID) on.
func (m *Model) ListMultipartUploads(ctx context.Context, in *firn.ListMultipartUploadsInput) (*firn.ListMultipartUploadsOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	limit, err := listLimit(in.Limit, 50, 1000)
	if err != nil {
		return nil, err
	}
	if in.Marker != "" && !validULID(in.Marker) {
		return nil, invalid("marker: %q is not a ListMultipartUploads marker", in.Marker)
	}
	v, err := m.authorizedVault(ctx, "ListMultipartUploads", a, acct, in.VaultName)
	if err != nil {
		return nil, err
	}
	out := &firn.ListMultipartUploadsOutput{UploadsList: []firn.UploadListElement{}}
	for _, id := range slices.Sorted(maps.Keys(v.uploads)) {
		u := v.uploads[id]
		if id < in.Marker || u.state != stateInProgress {
			continue
		}
		if len(out.UploadsList) == limit {
			out.Marker = id
			break
		}
		out.UploadsList = append(out.UploadsList, firn.UploadListElement{MultipartUploadId: id, VaultARN: m.vaultARN(acct, v.name),
			ArchiveDescription: u.desc, PartSizeInBytes: u.partSize, CreationDate: u.created})
	}
	return out, nil
}

// parsePartMarker parses a ListParts marker: the start of a part of an
// upload of part size partSize, as a canonical decimal.
func parsePartMarker(s string, partSize int64) (int64, bool) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n%partSize == 0 && n/partSize < maxParts
}

// ListParts implements firn.Glacier.
func (m *Model) ListParts(ctx context.Context, in *firn.ListPartsInput) (*firn.ListPartsOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	if err := checkUploadID(in.UploadId); err != nil {
		return nil, err
	}
	limit, err := listLimit(in.Limit, 50, 1000)
	if err != nil {
		return nil, err
	}
	v, err := m.authorizedVault(ctx, "ListParts", a, acct, in.VaultName)
	if err != nil {
		return nil, err
	}
	u, err := findUpload(v, in.UploadId)
	if err != nil {
		return nil, err
	}
	if u.state != stateInProgress {
		return nil, uploadNotFound(in.UploadId)
	}
	var from int64
	if in.Marker != "" {
		var ok bool
		if from, ok = parsePartMarker(in.Marker, u.partSize); !ok {
			return nil, invalid("marker: %q is not a ListParts marker of this upload", in.Marker)
		}
	}
	out := &firn.ListPartsOutput{MultipartUploadId: u.id, VaultARN: m.vaultARN(acct, v.name), ArchiveDescription: u.desc,
		PartSizeInBytes: u.partSize, CreationDate: u.created, Parts: []firn.PartListElement{}}
	for _, s := range slices.Sorted(maps.Keys(u.parts)) {
		if s < from {
			continue
		}
		if len(out.Parts) == limit {
			out.Marker = strconv.FormatInt(s, 10)
			break
		}
		p := u.parts[s]
		out.Parts = append(out.Parts, firn.PartListElement{RangeInBytes: strconv.FormatInt(s, 10) + "-" + strconv.FormatInt(s+int64(len(p.data))-1, 10), SHA256TreeHash: p.hash})
	}
	return out, nil
}
