package server

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/firnstore/firn"
)

// MaxImportSize is the largest ImportArchive body: the largest archive,
// 10,000 parts of 4 GiB, since an import carries a whole archive that may
// have been uploaded in parts.
const MaxImportSize = 10000 * MaxPartSize

// Headers of the import extension.
const (
	headerCreationDate = "X-Firn-Creation-Date"
	headerDescription  = "X-Firn-Archive-Description"
	headerImported     = "X-Firn-Imported"
)

// mayImport refuses a caller that [Options].ImportPrincipals does not name.
// It runs before anything else of the request is looked at. Without
// signature verification the caller is the root of the path's account.
func (h *handler) mayImport(c *call) error {
	principal, ok := firn.PrincipalFrom(c.ctx)
	if !ok {
		account := c.account
		if account == "-" {
			account = h.account
		}
		principal = "arn:aws:iam::" + account + ":root"
	}
	if !h.importers[principal] {
		return firn.Errorf(firn.CodeAccessDenied, "Access denied: %s may not import archives on this endpoint", principal)
	}
	return nil
}

// parseCreationDate parses x-firn-creation-date, an RFC 3339 date (the ISO
// 8601 form Glacier prints, "2012-03-20T17:03:43.221Z", among others).
func parseCreationDate(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: x-firn-creation-date")
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, firn.Errorf(firn.CodeInvalidParameterValue,
			"Invalid x-firn-creation-date: %q; must be an ISO 8601 date such as 2012-03-20T17:03:43.221Z", v)
	}
	return t.UTC(), nil
}

// parseDescription percent-decodes x-firn-archive-description (RFC 3986),
// which carries any description through a header. The Glacier judges the
// decoded text.
func parseDescription(v string) (string, error) {
	d, err := url.PathUnescape(v)
	if err != nil {
		return "", firn.Errorf(firn.CodeInvalidParameterValue,
			"Invalid x-firn-archive-description: %q; must be percent-encoded UTF-8", v)
	}
	return d, nil
}

// importArchive serves PUT /{account}/vaults/{vault}/archives/{archiveId}.
func (h *handler) importArchive(c *call) error {
	if err := h.mayImport(c); err != nil {
		return err
	}
	if err := c.limitUpload(MaxImportSize, true); err != nil {
		return err
	}
	if err := c.requireChecksums(); err != nil {
		return err
	}
	created, err := parseCreationDate(c.r.Header.Get(headerCreationDate))
	if err != nil {
		return err
	}
	desc, err := parseDescription(c.r.Header.Get(headerDescription))
	if err != nil {
		return err
	}
	out, err := h.importer.ImportArchive(c.ctx, &firn.ImportArchiveInput{
		AccountId:          c.account,
		VaultName:          c.vault,
		ArchiveId:          c.res,
		ArchiveDescription: desc,
		CreationDate:       created,
		Checksum:           c.r.Header.Get("X-Amz-Sha256-Tree-Hash"),
		Size:               c.r.ContentLength,
		Body:               c.body,
	})
	if err != nil {
		return c.bodyErr(err)
	}
	setHeader(c.w, "Location", out.Location)
	setHeader(c.w, "X-Amz-Archive-Id", out.ArchiveId)
	setHeader(c.w, "X-Amz-Sha256-Tree-Hash", out.Checksum)
	c.w.Header().Set(headerImported, strconv.FormatBool(out.Imported))
	return noContent(c, http.StatusCreated)
}

// archiveJSON is DescribeArchive's body, an archive as an inventory lists
// it.
type archiveJSON struct {
	ArchiveId          string `json:"ArchiveId"`
	ArchiveDescription string `json:"ArchiveDescription"`
	CreationDate       string `json:"CreationDate"`
	Size               int64  `json:"Size"`
	SHA256TreeHash     string `json:"SHA256TreeHash"`
}

// describeArchive serves GET /{account}/vaults/{vault}/archives/{archiveId}.
func (h *handler) describeArchive(c *call) error {
	if err := h.mayImport(c); err != nil {
		return err
	}
	out, err := h.importer.DescribeArchive(c.ctx, &firn.DescribeArchiveInput{AccountId: c.account, VaultName: c.vault, ArchiveId: c.res})
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, archiveJSON{
		ArchiveId:          out.ArchiveId,
		ArchiveDescription: out.ArchiveDescription,
		CreationDate:       out.CreationDate.UTC().Format(firn.DateLayout),
		Size:               out.Size,
		SHA256TreeHash:     out.SHA256TreeHash,
	})
	return nil
}
