package engine

import (
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/vault"
)

// validateSelect checks a select job's parameters. Select jobs arrive with
// their own issue; until then they are rejected before anything is written.
func (e *Engine) validateSelect(r *job.Request) error {
	if r.Action != firn.ActionSelect {
		return nil
	}
	return firn.Errorf(firn.CodeInvalidParameterValue, "Type: select jobs are not supported yet by this version of Firn")
}

// runSelect runs a select job; see validateSelect.
func (e *Engine) runSelect(v *vault.Vault, j *job.Job) ([]vault.Segment, int64, string, error) {
	return nil, 0, "select jobs are not supported yet", nil
}

// selectOutputPath is where a select job writes its results.
func selectOutputPath(loc *firn.OutputLocation, jobID string) string {
	return loc.S3.Prefix + "/" + jobID
}
