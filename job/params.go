package job

import (
	"strconv"
	"strings"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// Request is a validated InitiateJob request, before the engine has looked
// at the vault's contents.
type Request struct {
	Type        string
	Action      firn.ActionCode
	Tier        string
	Description string
	SNSTopic    string
	// ArchiveID is set for archive retrieval and select jobs.
	ArchiveID string
	// Range is the RetrievalByteRange as given; checked against the archive
	// by ArchiveRange.
	Range string
	// Format and Filter are set for inventory jobs.
	Format    string
	Inventory firn.InventoryRetrievalJobInput
	Filter    Filter
	// Select and OutputLocation are set for select jobs.
	Select         *firn.SelectParameters
	OutputLocation *firn.OutputLocation
}

func invalid(format string, args ...any) error {
	return firn.Errorf(firn.CodeInvalidParameterValue, format, args...)
}

// Validate checks InitiateJob parameters that do not depend on the vault's
// contents and returns them normalised (defaults applied).
func Validate(p *firn.JobParameters) (*Request, error) {
	r := &Request{Type: p.Type, Description: p.Description, SNSTopic: p.SNSTopic}
	switch p.Type {
	case "":
		return nil, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Type")
	case firn.JobTypeArchiveRetrieval:
		r.Action = firn.ActionArchiveRetrieval
	case firn.JobTypeInventoryRetrieval:
		r.Action = firn.ActionInventoryRetrieval
	case firn.JobTypeSelect:
		r.Action = firn.ActionSelect
	default:
		return nil, invalid("Type: %q is not a job type; valid types are %s, %s and %s", p.Type, firn.JobTypeArchiveRetrieval, firn.JobTypeInventoryRetrieval, firn.JobTypeSelect)
	}
	if err := vault.ValidateDescription("Description", p.Description); err != nil {
		return nil, err
	}
	if p.SNSTopic != "" {
		if err := vault.ValidateSNSTopic("SNSTopic", p.SNSTopic); err != nil {
			return nil, err
		}
	}
	switch p.Tier {
	case "":
		r.Tier = firn.TierStandard
	case firn.TierExpedited, firn.TierStandard, firn.TierBulk:
		r.Tier = p.Tier
	default:
		return nil, invalid("Tier: %q is not a retrieval tier; valid tiers are %s, %s and %s", p.Tier, firn.TierExpedited, firn.TierStandard, firn.TierBulk)
	}
	if r.Action == firn.ActionInventoryRetrieval {
		return r, validateInventory(p, r)
	}
	if p.ArchiveId == "" {
		return nil, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: ArchiveId")
	}
	r.ArchiveID = p.ArchiveId
	if p.Format != "" {
		return nil, invalid("Format: only inventory-retrieval jobs take a format")
	}
	if p.InventoryRetrievalParameters != nil {
		return nil, invalid("InventoryRetrievalParameters: only inventory-retrieval jobs take inventory parameters")
	}
	if r.Action == firn.ActionArchiveRetrieval {
		if p.SelectParameters != nil || p.OutputLocation != nil {
			return nil, invalid("SelectParameters: only select jobs take select parameters and an output location")
		}
		r.Range = p.RetrievalByteRange
		return r, nil
	}
	if p.RetrievalByteRange != "" {
		return nil, invalid("RetrievalByteRange: select jobs read the whole archive")
	}
	if p.SelectParameters == nil {
		return nil, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: SelectParameters")
	}
	if p.OutputLocation == nil || p.OutputLocation.S3 == nil {
		return nil, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: OutputLocation.S3")
	}
	r.Select, r.OutputLocation = p.SelectParameters, p.OutputLocation
	return r, nil
}

func validateInventory(p *firn.JobParameters, r *Request) error {
	if p.ArchiveId != "" {
		return invalid("ArchiveId: inventory-retrieval jobs do not take an archive ID")
	}
	if p.RetrievalByteRange != "" {
		return invalid("RetrievalByteRange: inventory-retrieval jobs do not take a byte range")
	}
	if p.SelectParameters != nil || p.OutputLocation != nil {
		return invalid("SelectParameters: only select jobs take select parameters and an output location")
	}
	switch p.Format {
	case "":
		r.Format = firn.FormatJSON
	case firn.FormatJSON, firn.FormatCSV:
		r.Format = p.Format
	default:
		return invalid("Format: %q is not an inventory format; valid formats are %s and %s", p.Format, firn.FormatJSON, firn.FormatCSV)
	}
	r.Tier = ""
	if p.InventoryRetrievalParameters == nil {
		return nil
	}
	r.Inventory = *p.InventoryRetrievalParameters
	f, err := ParseFilter(r.Inventory)
	r.Filter = f
	return err
}

// Filter selects the archives of a range inventory.
type Filter struct {
	// Start and End bound the creation date: Start <= date < End; zero
	// means unbounded.
	Start time.Time
	End   time.Time
	// Limit caps the number of archives; 0 means no limit.
	Limit int
	// Marker is the key of the archive to resume at, inclusive (its ID but
	// for an imported archive's); "" from the start.
	Marker string
}

// ParseFilter validates inventory retrieval parameters.
func ParseFilter(in firn.InventoryRetrievalJobInput) (Filter, error) {
	var f Filter
	var err error
	if in.StartDate != "" {
		if f.Start, err = ParseDate("InventoryRetrievalParameters.StartDate", in.StartDate); err != nil {
			return f, err
		}
	}
	if in.EndDate != "" {
		if f.End, err = ParseDate("InventoryRetrievalParameters.EndDate", in.EndDate); err != nil {
			return f, err
		}
	}
	if !f.Start.IsZero() && !f.End.IsZero() && !f.Start.Before(f.End) {
		return f, invalid("InventoryRetrievalParameters.EndDate: %s is not after StartDate %s", in.EndDate, in.StartDate)
	}
	if in.Limit != "" {
		n, err := strconv.Atoi(in.Limit)
		if err != nil || n < 1 {
			return f, invalid("InventoryRetrievalParameters.Limit: %q is not an integer of at least 1", in.Limit)
		}
		f.Limit = n
	}
	if in.Marker != "" {
		if _, err := ulid.ParseStrict(in.Marker); err != nil {
			return f, invalid("InventoryRetrievalParameters.Marker: %q is not a marker returned by an inventory job", in.Marker)
		}
		f.Marker = in.Marker
	}
	return f, nil
}

// ParseDate parses an ISO 8601 date-time (YYYY-MM-DDThh:mm:ss with an
// optional fraction and a Z or ±hh:mm zone) as Glacier accepts them.
func ParseDate(field, s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, invalid("%s: %q is not an ISO 8601 date such as 2013-12-04T21:25:42Z", field, s)
}

// ArchiveRange validates a RetrievalByteRange against an archive of size
// bytes and returns the inclusive range; "" means the whole archive. A range
// must be megabyte aligned: START a multiple of 1 MiB, and END+1 a multiple
// of 1 MiB or the archive's size.
func ArchiveRange(s string, size int64) (start, end int64, err error) {
	if s == "" {
		return 0, size - 1, nil
	}
	a, b, ok := strings.Cut(s, "-")
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || start < 0 || end < start || a[0] == '+' || b[0] == '+' {
		return 0, 0, invalid("RetrievalByteRange: %q is not of the form START-END", s)
	}
	if end >= size {
		return 0, 0, invalid("RetrievalByteRange: %q ends beyond the archive's last byte, %d", s, size-1)
	}
	const mib = 1 << 20
	if start%mib != 0 || ((end+1)%mib != 0 && end != size-1) {
		return 0, 0, invalid("RetrievalByteRange: %q is not megabyte aligned: START must be a multiple of 1 MiB and END+1 a multiple of 1 MiB or the archive size", s)
	}
	return start, end, nil
}
