package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/firnstore/firn"
)

// One method per operation: bind the request to the firn input, call the
// Glacier, write the output. Returned errors are written by ServeHTTP.

// setHeader sets a response header unless v is empty (an absent member).
func setHeader(w http.ResponseWriter, name, v string) {
	if v != "" {
		w.Header().Set(name, v)
	}
}

// noContent answers a successful call without a body.
func noContent(c *call, status int) error {
	c.w.WriteHeader(status)
	return nil
}

// Vaults.

func (h *handler) createVault(c *call) error {
	out, err := h.g.CreateVault(c.ctx, &firn.CreateVaultInput{AccountId: c.account, VaultName: c.vault})
	if err != nil {
		return err
	}
	setHeader(c.w, "Location", out.Location)
	return noContent(c, http.StatusCreated)
}

func (h *handler) describeVault(c *call) error {
	out, err := h.g.DescribeVault(c.ctx, &firn.DescribeVaultInput{AccountId: c.account, VaultName: c.vault})
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, vaultToWire(out))
	return nil
}

func (h *handler) listVaults(c *call) error {
	q := c.query
	limit, err := queryLimit(q)
	if err != nil {
		return err
	}
	out, err := h.g.ListVaults(c.ctx, &firn.ListVaultsInput{AccountId: c.account, Limit: limit, Marker: q.Get("marker")})
	if err != nil {
		return err
	}
	resp := struct {
		Marker    *string     `json:"Marker"`
		VaultList []vaultJSON `json:"VaultList"`
	}{Marker: opt(out.Marker), VaultList: []vaultJSON{}}
	for i := range out.VaultList {
		resp.VaultList = append(resp.VaultList, vaultToWire(&out.VaultList[i]))
	}
	writeJSON(c.w, http.StatusOK, resp)
	return nil
}

func (h *handler) deleteVault(c *call) error {
	if _, err := h.g.DeleteVault(c.ctx, &firn.DeleteVaultInput{AccountId: c.account, VaultName: c.vault}); err != nil {
		return err
	}
	return noContent(c, http.StatusNoContent)
}

// Tags.

func (h *handler) listTagsForVault(c *call) error {
	out, err := h.g.ListTagsForVault(c.ctx, &firn.ListTagsForVaultInput{AccountId: c.account, VaultName: c.vault})
	if err != nil {
		return err
	}
	resp := struct {
		Tags map[string]string `json:"Tags"`
	}{out.Tags}
	if resp.Tags == nil {
		resp.Tags = map[string]string{}
	}
	writeJSON(c.w, http.StatusOK, resp)
	return nil
}

// changeTags serves POST .../tags?operation=add|remove.
func (h *handler) changeTags(c *call) error {
	switch op := c.query.Get("operation"); op {
	case "add":
		c.op = "AddTagsToVault"
		var body struct {
			Tags map[string]string `json:"Tags"`
		}
		if _, err := h.readJSON(c, "Tags", &body); err != nil {
			return err
		}
		if _, err := h.g.AddTagsToVault(c.ctx, &firn.AddTagsToVaultInput{AccountId: c.account, VaultName: c.vault, Tags: body.Tags}); err != nil {
			return err
		}
	case "remove":
		c.op = "RemoveTagsFromVault"
		var body struct {
			TagKeys []string `json:"TagKeys"`
		}
		if _, err := h.readJSON(c, "TagKeys", &body); err != nil {
			return err
		}
		if _, err := h.g.RemoveTagsFromVault(c.ctx, &firn.RemoveTagsFromVaultInput{AccountId: c.account, VaultName: c.vault, TagKeys: body.TagKeys}); err != nil {
			return err
		}
	case "":
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: operation")
	default:
		return firn.Errorf(firn.CodeInvalidParameterValue, "Invalid operation: %q; must be add or remove", op)
	}
	return noContent(c, http.StatusNoContent)
}

// Notifications.

func (h *handler) setVaultNotifications(c *call) error {
	var body struct {
		SNSTopic string   `json:"SNSTopic"`
		Events   []string `json:"Events"`
	}
	in := &firn.SetVaultNotificationsInput{AccountId: c.account, VaultName: c.vault}
	present, err := h.readJSON(c, "vaultNotificationConfig", &body)
	if err != nil {
		return err
	}
	if present {
		in.VaultNotificationConfig = &firn.VaultNotificationConfig{SNSTopic: body.SNSTopic, Events: body.Events}
	}
	if _, err := h.g.SetVaultNotifications(c.ctx, in); err != nil {
		return err
	}
	return noContent(c, http.StatusNoContent)
}

func (h *handler) getVaultNotifications(c *call) error {
	out, err := h.g.GetVaultNotifications(c.ctx, &firn.GetVaultNotificationsInput{AccountId: c.account, VaultName: c.vault})
	if err != nil {
		return err
	}
	resp := notificationJSON{Events: out.VaultNotificationConfig.Events, SNSTopic: opt(out.VaultNotificationConfig.SNSTopic)}
	if resp.Events == nil {
		resp.Events = []string{}
	}
	writeJSON(c.w, http.StatusOK, resp)
	return nil
}

func (h *handler) deleteVaultNotifications(c *call) error {
	if _, err := h.g.DeleteVaultNotifications(c.ctx, &firn.DeleteVaultNotificationsInput{AccountId: c.account, VaultName: c.vault}); err != nil {
		return err
	}
	return noContent(c, http.StatusNoContent)
}

// Access policy.

// readPolicy decodes a {"Policy": "..."} body; ok is false for an empty one.
func (h *handler) readPolicy(c *call) (policy string, ok bool, err error) {
	var body struct {
		Policy string `json:"Policy"`
	}
	ok, err = h.readJSON(c, "policy", &body)
	return body.Policy, ok, err
}

func (h *handler) setVaultAccessPolicy(c *call) error {
	in := &firn.SetVaultAccessPolicyInput{AccountId: c.account, VaultName: c.vault}
	policy, ok, err := h.readPolicy(c)
	if err != nil {
		return err
	}
	if ok {
		in.Policy = &firn.VaultAccessPolicy{Policy: policy}
	}
	if _, err := h.g.SetVaultAccessPolicy(c.ctx, in); err != nil {
		return err
	}
	return noContent(c, http.StatusNoContent)
}

func (h *handler) getVaultAccessPolicy(c *call) error {
	out, err := h.g.GetVaultAccessPolicy(c.ctx, &firn.GetVaultAccessPolicyInput{AccountId: c.account, VaultName: c.vault})
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, policyJSON{Policy: opt(out.Policy.Policy)})
	return nil
}

func (h *handler) deleteVaultAccessPolicy(c *call) error {
	if _, err := h.g.DeleteVaultAccessPolicy(c.ctx, &firn.DeleteVaultAccessPolicyInput{AccountId: c.account, VaultName: c.vault}); err != nil {
		return err
	}
	return noContent(c, http.StatusNoContent)
}

// Vault lock.

func (h *handler) initiateVaultLock(c *call) error {
	in := &firn.InitiateVaultLockInput{AccountId: c.account, VaultName: c.vault}
	policy, ok, err := h.readPolicy(c)
	if err != nil {
		return err
	}
	if ok {
		in.Policy = &firn.VaultLockPolicy{Policy: policy}
	}
	out, err := h.g.InitiateVaultLock(c.ctx, in)
	if err != nil {
		return err
	}
	setHeader(c.w, "X-Amz-Lock-Id", out.LockId)
	return noContent(c, http.StatusCreated)
}

func (h *handler) completeVaultLock(c *call) error {
	if _, err := h.g.CompleteVaultLock(c.ctx, &firn.CompleteVaultLockInput{AccountId: c.account, VaultName: c.vault, LockId: c.res}); err != nil {
		return err
	}
	return noContent(c, http.StatusNoContent)
}

func (h *handler) abortVaultLock(c *call) error {
	if _, err := h.g.AbortVaultLock(c.ctx, &firn.AbortVaultLockInput{AccountId: c.account, VaultName: c.vault}); err != nil {
		return err
	}
	return noContent(c, http.StatusNoContent)
}

func (h *handler) getVaultLock(c *call) error {
	out, err := h.g.GetVaultLock(c.ctx, &firn.GetVaultLockInput{AccountId: c.account, VaultName: c.vault})
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, vaultLockJSON{
		CreationDate:   wireDate(out.CreationDate),
		ExpirationDate: wireDate(out.ExpirationDate),
		Policy:         opt(out.Policy),
		State:          opt(out.State),
	})
	return nil
}

// Archives.

// bodyErr returns the reason the request body was rejected, if it was, in
// place of err: a Glacier that fails because its body reader failed
// reports that failure in its own terms, but the client needs the cause.
func (c *call) bodyErr(err error) error {
	if c.body.fail != nil {
		return c.body.fail
	}
	return err
}

// limitUpload checks the Content-Length of an upload against max and bounds
// the body to it.
func (c *call) limitUpload(max int64, required bool) error {
	switch n := c.r.ContentLength; {
	case n < 0 && required:
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Content-Length")
	case n > max:
		return firn.Errorf(firn.CodeInvalidParameterValue, "Invalid Content-Length: %d; must be at most %d", n, max)
	}
	c.body.limit = max
	return nil
}

// requireChecksums requires an upload's two checksum headers, both marked
// required by the API: x-amz-sha256-tree-hash, which the Glacier checks
// against the body, and x-amz-content-sha256, which the payload reader
// checks. The Go API computes a tree hash it is not given, as the SDKs do
// on the client side; the wire does not leave it out.
func (c *call) requireChecksums() error {
	for _, name := range []string{"x-amz-sha256-tree-hash", "x-amz-content-sha256"} {
		if c.r.Header.Get(name) == "" {
			return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: %s", name)
		}
	}
	return nil
}

func (h *handler) uploadArchive(c *call) error {
	if err := c.limitUpload(MaxArchiveSize, true); err != nil {
		return err
	}
	if err := c.requireChecksums(); err != nil {
		return err
	}
	out, err := h.g.UploadArchive(c.ctx, &firn.UploadArchiveInput{
		AccountId:          c.account,
		VaultName:          c.vault,
		ArchiveDescription: c.r.Header.Get("X-Amz-Archive-Description"),
		Checksum:           c.r.Header.Get("X-Amz-Sha256-Tree-Hash"),
		Body:               c.body,
	})
	if err != nil {
		return c.bodyErr(err)
	}
	setHeader(c.w, "Location", out.Location)
	setHeader(c.w, "X-Amz-Archive-Id", out.ArchiveId)
	setHeader(c.w, "X-Amz-Sha256-Tree-Hash", out.Checksum)
	return noContent(c, http.StatusCreated)
}

func (h *handler) deleteArchive(c *call) error {
	if _, err := h.g.DeleteArchive(c.ctx, &firn.DeleteArchiveInput{AccountId: c.account, VaultName: c.vault, ArchiveId: c.res}); err != nil {
		return err
	}
	return noContent(c, http.StatusNoContent)
}

// Multipart uploads.

func (h *handler) initiateMultipartUpload(c *call) error {
	size, err := headerSize(c.r, "x-amz-part-size")
	if err != nil {
		return err
	}
	out, err := h.g.InitiateMultipartUpload(c.ctx, &firn.InitiateMultipartUploadInput{
		AccountId:          c.account,
		VaultName:          c.vault,
		ArchiveDescription: c.r.Header.Get("X-Amz-Archive-Description"),
		PartSize:           size,
	})
	if err != nil {
		return err
	}
	setHeader(c.w, "Location", out.Location)
	setHeader(c.w, "X-Amz-Multipart-Upload-Id", out.UploadId)
	return noContent(c, http.StatusCreated)
}

func (h *handler) uploadMultipartPart(c *call) error {
	if err := c.limitUpload(MaxPartSize, false); err != nil {
		return err
	}
	if err := c.requireChecksums(); err != nil {
		return err
	}
	out, err := h.g.UploadMultipartPart(c.ctx, &firn.UploadMultipartPartInput{
		AccountId: c.account,
		VaultName: c.vault,
		UploadId:  c.res,
		Range:     c.r.Header.Get("Content-Range"),
		Checksum:  c.r.Header.Get("X-Amz-Sha256-Tree-Hash"),
		Body:      c.body,
	})
	if err != nil {
		return c.bodyErr(err)
	}
	setHeader(c.w, "X-Amz-Sha256-Tree-Hash", out.Checksum)
	return noContent(c, http.StatusNoContent)
}

func (h *handler) completeMultipartUpload(c *call) error {
	size, err := headerSize(c.r, "x-amz-archive-size")
	if err != nil {
		return err
	}
	out, err := h.g.CompleteMultipartUpload(c.ctx, &firn.CompleteMultipartUploadInput{
		AccountId:   c.account,
		VaultName:   c.vault,
		UploadId:    c.res,
		ArchiveSize: size,
		Checksum:    c.r.Header.Get("X-Amz-Sha256-Tree-Hash"),
	})
	if err != nil {
		return err
	}
	setHeader(c.w, "Location", out.Location)
	setHeader(c.w, "X-Amz-Archive-Id", out.ArchiveId)
	setHeader(c.w, "X-Amz-Sha256-Tree-Hash", out.Checksum)
	return noContent(c, http.StatusCreated)
}

func (h *handler) abortMultipartUpload(c *call) error {
	if _, err := h.g.AbortMultipartUpload(c.ctx, &firn.AbortMultipartUploadInput{AccountId: c.account, VaultName: c.vault, UploadId: c.res}); err != nil {
		return err
	}
	return noContent(c, http.StatusNoContent)
}

func (h *handler) listMultipartUploads(c *call) error {
	q := c.query
	limit, err := queryLimit(q)
	if err != nil {
		return err
	}
	out, err := h.g.ListMultipartUploads(c.ctx, &firn.ListMultipartUploadsInput{AccountId: c.account, VaultName: c.vault, Limit: limit, Marker: q.Get("marker")})
	if err != nil {
		return err
	}
	resp := struct {
		Marker      *string      `json:"Marker"`
		UploadsList []uploadJSON `json:"UploadsList"`
	}{Marker: opt(out.Marker), UploadsList: []uploadJSON{}}
	for _, u := range out.UploadsList {
		resp.UploadsList = append(resp.UploadsList, uploadJSON{
			ArchiveDescription: opt(u.ArchiveDescription),
			CreationDate:       wireDate(u.CreationDate),
			MultipartUploadId:  opt(u.MultipartUploadId),
			PartSizeInBytes:    u.PartSizeInBytes,
			VaultARN:           opt(u.VaultARN),
		})
	}
	writeJSON(c.w, http.StatusOK, resp)
	return nil
}

func (h *handler) listParts(c *call) error {
	q := c.query
	limit, err := queryLimit(q)
	if err != nil {
		return err
	}
	out, err := h.g.ListParts(c.ctx, &firn.ListPartsInput{AccountId: c.account, VaultName: c.vault, UploadId: c.res, Limit: limit, Marker: q.Get("marker")})
	if err != nil {
		return err
	}
	resp := listPartsJSON{
		ArchiveDescription: opt(out.ArchiveDescription),
		CreationDate:       wireDate(out.CreationDate),
		Marker:             opt(out.Marker),
		MultipartUploadId:  opt(out.MultipartUploadId),
		PartSizeInBytes:    out.PartSizeInBytes,
		Parts:              []partJSON{},
		VaultARN:           opt(out.VaultARN),
	}
	for _, p := range out.Parts {
		resp.Parts = append(resp.Parts, partJSON{RangeInBytes: opt(p.RangeInBytes), SHA256TreeHash: opt(p.SHA256TreeHash)})
	}
	writeJSON(c.w, http.StatusOK, resp)
	return nil
}

// Jobs.

func (h *handler) initiateJob(c *call) error {
	var body jobParametersJSON
	if _, err := h.readJSON(c, "jobParameters", &body); err != nil {
		return err
	}
	out, err := h.g.InitiateJob(c.ctx, &firn.InitiateJobInput{AccountId: c.account, VaultName: c.vault, JobParameters: body.firn()})
	if err != nil {
		return err
	}
	setHeader(c.w, "Location", out.Location)
	setHeader(c.w, "X-Amz-Job-Id", out.JobId)
	setHeader(c.w, "X-Amz-Job-Output-Path", out.JobOutputPath)
	return noContent(c, http.StatusAccepted)
}

func (h *handler) describeJob(c *call) error {
	out, err := h.g.DescribeJob(c.ctx, &firn.DescribeJobInput{AccountId: c.account, VaultName: c.vault, JobId: c.res})
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

func (h *handler) listJobs(c *call) error {
	q := c.query
	limit, err := queryLimit(q)
	if err != nil {
		return err
	}
	completed, err := queryCompleted(q)
	if err != nil {
		return err
	}
	out, err := h.g.ListJobs(c.ctx, &firn.ListJobsInput{
		AccountId:  c.account,
		VaultName:  c.vault,
		Limit:      limit,
		Marker:     q.Get("marker"),
		Statuscode: q.Get("statuscode"),
		Completed:  completed,
	})
	if err != nil {
		return err
	}
	resp := struct {
		JobList []firn.GlacierJobDescription `json:"JobList"`
		Marker  *string                      `json:"Marker"`
	}{JobList: out.JobList, Marker: opt(out.Marker)}
	if resp.JobList == nil {
		resp.JobList = []firn.GlacierJobDescription{}
	}
	writeJSON(c.w, http.StatusOK, resp)
	return nil
}

// copyBufferSize is the unit in which job output is copied to the client.
const copyBufferSize = 128 << 10

// getJobOutput streams the job output to the client as it is read, with
// a Content-Length: the Glacier's ContentLength, else the length of its
// Content-Range; chunked when neither is known. The first bytes are read
// before the status line, so that an output that cannot be read at all (a
// segment that fails to open) is answered with an error the client can see
// and retry, 500 ServiceUnavailableException for a failure that is not a
// Glacier error. A failure after the status line, or an output that ends
// before its length, breaks the connection: the client must not take a
// truncated body for the whole output.
func (h *handler) getJobOutput(c *call) error {
	out, err := h.g.GetJobOutput(c.ctx, &firn.GetJobOutputInput{AccountId: c.account, VaultName: c.vault, JobId: c.res, Range: c.r.Header.Get("Range")})
	if err != nil {
		return err
	}
	body := out.Body
	if body == nil {
		body = http.NoBody
	}
	defer body.Close()
	length := int64(-1)
	if out.ContentLength != nil && *out.ContentLength >= 0 {
		length = *out.ContentLength
	}
	if n, ok := rangeLength(out.ContentRange); ok {
		if length >= 0 && length != n {
			return fmt.Errorf("job output of %d bytes for Content-Range %q", length, out.ContentRange)
		}
		length = n
	}
	buf := make([]byte, copyBufferSize)
	n, err := io.ReadAtLeast(body, buf, 1)
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading the job output: %w", err)
	}
	if err == io.EOF && length > 0 {
		return fmt.Errorf("job output of %d bytes is empty", length)
	}
	status := int(out.Status)
	if status != http.StatusOK && status != http.StatusPartialContent {
		status = http.StatusOK
		if out.ContentRange != "" {
			status = http.StatusPartialContent
		}
	}
	hd := c.w.Header()
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Accept-Ranges", "bytes")
	setHeader(c.w, "Content-Type", out.ContentType)
	setHeader(c.w, "Content-Range", out.ContentRange)
	setHeader(c.w, "Accept-Ranges", out.AcceptRanges)
	setHeader(c.w, "X-Amz-Sha256-Tree-Hash", out.Checksum)
	setHeader(c.w, "X-Amz-Archive-Description", out.ArchiveDescription)
	if length >= 0 {
		hd.Set("Content-Length", strconv.FormatInt(length, 10))
	}
	c.w.WriteHeader(status)
	rc := http.NewResponseController(c.w)
	var sent int64
	for {
		if n > 0 {
			if _, werr := c.w.Write(buf[:n]); werr != nil {
				if errors.Is(werr, http.ErrContentLength) {
					h.log.Error("job output longer than its Content-Length", "request_id", c.id, "content_length", length)
				}
				return nil // the client went away, or the output is cut short
			}
			sent += int64(n)
			// Flush so that a slow producer's bytes are not held back.
			rc.Flush()
		}
		if err == io.EOF && sent < length {
			err = fmt.Errorf("job output ended after %d of its %d bytes", sent, length)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// The status line is gone; breaking the connection is the only
			// way left to tell the client its download is incomplete.
			h.log.Error("job output stream failed", "request_id", c.id, "err", err)
			panic(http.ErrAbortHandler)
		}
		n, err = body.Read(buf)
	}
}

// rangeLength returns the byte count of a Content-Range "bytes A-B/TOTAL".
func rangeLength(cr string) (int64, bool) {
	spec, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, false
	}
	spec, _, _ = strings.Cut(spec, "/")
	a, b, ok := strings.Cut(spec, "-")
	if !ok || !isDigits(a) || !isDigits(b) {
		return 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || end < start {
		return 0, false
	}
	return end - start + 1, true
}

// Account-wide settings.

func (h *handler) setDataRetrievalPolicy(c *call) error {
	var body retrievalPolicyJSON
	if _, err := h.readJSON(c, "Policy", &body); err != nil {
		return err
	}
	in := &firn.SetDataRetrievalPolicyInput{AccountId: c.account}
	if body.Policy != nil {
		in.Policy = &firn.DataRetrievalPolicy{}
		for _, r := range body.Policy.Rules {
			in.Policy.Rules = append(in.Policy.Rules, firn.DataRetrievalRule(r))
		}
	}
	if _, err := h.g.SetDataRetrievalPolicy(c.ctx, in); err != nil {
		return err
	}
	return noContent(c, http.StatusNoContent)
}

func (h *handler) getDataRetrievalPolicy(c *call) error {
	out, err := h.g.GetDataRetrievalPolicy(c.ctx, &firn.GetDataRetrievalPolicyInput{AccountId: c.account})
	if err != nil {
		return err
	}
	rules := &retrievalRulesJSON{Rules: []retrievalRuleJSON{}}
	for _, r := range out.Policy.Rules {
		rules.Rules = append(rules.Rules, retrievalRuleJSON(r))
	}
	writeJSON(c.w, http.StatusOK, retrievalPolicyJSON{Policy: rules})
	return nil
}

func (h *handler) purchaseProvisionedCapacity(c *call) error {
	out, err := h.g.PurchaseProvisionedCapacity(c.ctx, &firn.PurchaseProvisionedCapacityInput{AccountId: c.account})
	if err != nil {
		return err
	}
	setHeader(c.w, "X-Amz-Capacity-Id", out.CapacityId)
	return noContent(c, http.StatusCreated)
}

func (h *handler) listProvisionedCapacity(c *call) error {
	out, err := h.g.ListProvisionedCapacity(c.ctx, &firn.ListProvisionedCapacityInput{AccountId: c.account})
	if err != nil {
		return err
	}
	resp := struct {
		ProvisionedCapacityList []capacityJSON `json:"ProvisionedCapacityList"`
	}{[]capacityJSON{}}
	for _, p := range out.ProvisionedCapacityList {
		resp.ProvisionedCapacityList = append(resp.ProvisionedCapacityList, capacityJSON{
			CapacityId:     opt(p.CapacityId),
			ExpirationDate: wireDate(p.ExpirationDate),
			StartDate:      wireDate(p.StartDate),
		})
	}
	writeJSON(c.w, http.StatusOK, resp)
	return nil
}
