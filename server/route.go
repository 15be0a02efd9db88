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

// operation is one Glacier operation the handler serves.
type operation struct {
	// name is the API's name, as in [RequestInfo].Operation; "" for the
	// tags POST, which its operation query parameter names (changeTags).
	name string
	fn   opFunc
}

// resource maps the methods of one path shape to operations.
type resource map[string]operation

// The path shapes after /{accountId}, from the REST API of the Amazon S3
// Glacier Developer Guide, and the methods each one serves.
var (
	resVaults     = resource{"GET": {"ListVaults", (*handler).listVaults}}
	resVault      = resource{"GET": {"DescribeVault", (*handler).describeVault}, "PUT": {"CreateVault", (*handler).createVault}, "DELETE": {"DeleteVault", (*handler).deleteVault}}
	resArchives   = resource{"POST": {"UploadArchive", (*handler).uploadArchive}}
	resArchive    = resource{"DELETE": {"DeleteArchive", (*handler).deleteArchive}}
	resUploads    = resource{"GET": {"ListMultipartUploads", (*handler).listMultipartUploads}, "POST": {"InitiateMultipartUpload", (*handler).initiateMultipartUpload}}
	resUpload     = resource{"GET": {"ListParts", (*handler).listParts}, "PUT": {"UploadMultipartPart", (*handler).uploadMultipartPart}, "POST": {"CompleteMultipartUpload", (*handler).completeMultipartUpload}, "DELETE": {"AbortMultipartUpload", (*handler).abortMultipartUpload}}
	resJobs       = resource{"GET": {"ListJobs", (*handler).listJobs}, "POST": {"InitiateJob", (*handler).initiateJob}}
	resJob        = resource{"GET": {"DescribeJob", (*handler).describeJob}}
	resJobOutput  = resource{"GET": {"GetJobOutput", (*handler).getJobOutput}}
	resTags       = resource{"GET": {"ListTagsForVault", (*handler).listTagsForVault}, "POST": {"", (*handler).changeTags}}
	resPolicy     = resource{"GET": {"GetVaultAccessPolicy", (*handler).getVaultAccessPolicy}, "PUT": {"SetVaultAccessPolicy", (*handler).setVaultAccessPolicy}, "DELETE": {"DeleteVaultAccessPolicy", (*handler).deleteVaultAccessPolicy}}
	resNotify     = resource{"GET": {"GetVaultNotifications", (*handler).getVaultNotifications}, "PUT": {"SetVaultNotifications", (*handler).setVaultNotifications}, "DELETE": {"DeleteVaultNotifications", (*handler).deleteVaultNotifications}}
	resLock       = resource{"GET": {"GetVaultLock", (*handler).getVaultLock}, "POST": {"InitiateVaultLock", (*handler).initiateVaultLock}, "DELETE": {"AbortVaultLock", (*handler).abortVaultLock}}
	resLockID     = resource{"POST": {"CompleteVaultLock", (*handler).completeVaultLock}}
	resRetrieval  = resource{"GET": {"GetDataRetrievalPolicy", (*handler).getDataRetrievalPolicy}, "PUT": {"SetDataRetrievalPolicy", (*handler).setDataRetrievalPolicy}}
	resCapacities = resource{"GET": {"ListProvisionedCapacity", (*handler).listProvisionedCapacity}, "POST": {"PurchaseProvisionedCapacity", (*handler).purchaseProvisionedCapacity}}
)

// resImport is resArchive with Firn's import extension, served only when
// [Options].ImportPrincipals names someone.
var resImport = resource{
	"DELETE": resArchive["DELETE"],
	"PUT":    {"ImportArchive", (*handler).importArchive},
	"GET":    {"DescribeArchive", (*handler).describeArchive},
}

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
	op                  operation
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
// UnknownOperationException. imports adds the import extension's routes.
func route(method, path string, imports bool) (*routed, error) {
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
			if imports && v[0] == "archives" {
				res = resImport
			}
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
