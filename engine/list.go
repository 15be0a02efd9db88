package engine

import "github.com/firnstore/firn"

// Page sizes of the listings: the default when a request sets no Limit,
// and the largest it may set.
const (
	defaultVaultLimit  = 10   // ListVaults
	defaultUploadLimit = 50   // ListMultipartUploads, ListParts
	defaultJobLimit    = 50   // ListJobs
	maxJobLimit        = 50   // ListJobs
	maxListLimit       = 1000 // the other listings
)

// listLimit validates a page size; 0 means def.
func listLimit(limit int32, def, maxLimit int) (int, error) {
	switch {
	case limit == 0:
		return def, nil
	case limit < 0 || int(limit) > maxLimit:
		return 0, firn.Errorf(firn.CodeInvalidParameterValue, "limit: %d is not between 1 and %d", limit, maxLimit)
	}
	return int(limit), nil
}
