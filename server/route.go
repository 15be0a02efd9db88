package server

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/firnstore/firn"
)

// opFunc serves one operation.
type opFunc func(h *handler, c *call) error

// resource maps the methods of one path shape to operations.
type resource map[string]opFunc

// The path shapes after /{accountId}, from the REST API of the Amazon S3
// Glacier Developer Guide, and the methods each one serves.
var (
	resVaults     = resource{"GET": (*handler).listVaults}
	resVault      = resource{"GET": (*handler).describeVault, "PUT": (*handler).createVault, "DELETE": (*handler).deleteVault}
	resArchives   = resource{"POST": (*handler).uploadArchive}
	resArchive    = resource{"DELETE": (*handler).deleteArchive}
	resUploads    = resource{"GET": (*handler).listMultipartUploads, "POST": (*handler).initiateMultipartUpload}
	resUpload     = resource{"GET": (*handler).listParts, "PUT": (*handler).uploadMultipartPart, "POST": (*handler).completeMultipartUpload, "DELETE": (*handler).abortMultipartUpload}
	resJobs       = resource{"GET": (*handler).listJobs, "POST": (*handler).initiateJob}
	resJob        = resource{"GET": (*handler).describeJob}
	resJobOutput  = resource{"GET": (*handler).getJobOutput}
	resTags       = resource{"GET": (*handler).listTagsForVault, "POST": (*handler).changeTags}
	resPolicy     = resource{"GET": (*handler).getVaultAccessPolicy, "PUT": (*handler).setVaultAccessPolicy, "DELETE": (*handler).deleteVaultAccessPolicy}
	resNotify     = resource{"GET": (*handler).getVaultNotifications, "PUT": (*handler).setVaultNotifications, "DELETE": (*handler).deleteVaultNotifications}
	resLock       = resource{"GET": (*handler).getVaultLock, "POST": (*handler).initiateVaultLock, "DELETE": (*handler).abortVaultLock}
	resLockID     = resource{"POST": (*handler).completeVaultLock}
	resRetrieval  = resource{"GET": (*handler).getDataRetrievalPolicy, "PUT": (*handler).setDataRetrievalPolicy}
	resCapacities = resource{"GET": (*handler).listProvisionedCapacity, "POST": (*handler).purchaseProvisionedCapacity}
)

// vaultSubresources are the path shapes /vaults/{v}/NAME.
var vaultSubresources = map[string]resource{
	"archives":                   resArchives,
	"multipart-uploads":          resUploads,
	"jobs":                       resJobs,
	"tags":                       resTags,
	"access-policy":              resPolicy,
	"notification-configuration": resNotify,
	"lock-policy":                resLock,
}

// vaultItems are the path shapes /vaults/{v}/NAME/{id}.
var vaultItems = map[string]resource{
	"archives":          resArchive,
	"multipart-uploads": resUpload,
	"jobs":              resJob,
	"lock-policy":       resLockID,
}

// routed is a request resolved to its operation and path parameters.
type routed struct {
	op                  opFunc
	account, vault, res string
}

// wirePath returns the request path as it was sent, still percent-encoded,
// so that an ID containing %2F stays one segment.
func wirePath(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		p, _, _ := strings.Cut(r.RequestURI, "?")
		return p
	}
	return r.URL.EscapedPath()
}

// parseQuery parses the query string. A parameter given more than once is
// refused: the SigV4 canonical query sorts values, so one signature would
// cover both orders while the handler reads the first value.
func parseQuery(raw string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Invalid query string: %v", err)
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if len(q[k]) > 1 {
			return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Invalid query string: query parameter %s is given more than once", k)
		}
	}
	return q, nil
}

// route resolves method and escaped path to an operation. An unknown path is
// 404 and a known path with another method 405, both
// UnknownOperationException.
func route(method, path string) (*routed, error) {
	notFound := newAPIError(http.StatusNotFound, codeUnknownOperation, "No operation matches %s %s", method, path)
	raw, ok := strings.CutPrefix(path, "/")
	if !ok {
		return nil, notFound
	}
	segs := strings.Split(raw, "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Invalid URI path segment: %q", s)
		}
		if u == "" {
			return nil, notFound
		}
		segs[i] = u
	}
	rt := &routed{account: segs[0]}
	var res resource
	switch rest := segs[1:]; {
	case len(rest) == 1 && rest[0] == "vaults":
		res = resVaults
	case len(rest) == 2 && rest[0] == "policies" && rest[1] == "data-retrieval":
		res = resRetrieval
	case len(rest) == 1 && rest[0] == "provisioned-capacity":
		res = resCapacities
	case len(rest) >= 2 && rest[0] == "vaults":
		rt.vault = rest[1]
		switch v := rest[2:]; len(v) {
		case 0:
			res = resVault
		case 1:
			res = vaultSubresources[v[0]]
		case 2:
			res, rt.res = vaultItems[v[0]], v[1]
		case 3:
			if v[0] == "jobs" && v[2] == "output" {
				res, rt.res = resJobOutput, v[1]
			}
		}
	}
	if res == nil {
		return nil, notFound
	}
	op, ok := res[method]
	if !ok {
		e := newAPIError(http.StatusMethodNotAllowed, codeUnknownOperation, "No operation matches %s %s", method, path)
		e.allow = strings.Join(slices.Sorted(maps.Keys(res)), ", ")
		return nil, e
	}
	rt.op = op
	return rt, nil
}
