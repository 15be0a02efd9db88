package server

import (
	"time"

	"github.com/firnstore/firn"
)

// JSON shapes of the service model. Output members that the model can leave
// out are pointers, written as null when absent; keys are in the service's
// (alphabetical) order. Leaf structs repeat the field order of their firn
// counterparts so that the two convert directly. Job descriptions are
// firn.GlacierJobDescription's own JSON.

func wireDate(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return new(t.UTC().Format(firn.DateLayout))
}

// opt is s, or null when s is empty.
func opt[T ~string](s T) *string {
	if s == "" {
		return nil
	}
	return new(string(s))
}

// optSize is n, or null when n is zero (a size that does not apply).
func optSize(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

type vaultJSON struct {
	CreationDate      *string `json:"CreationDate"`
	LastInventoryDate *string `json:"LastInventoryDate"`
	NumberOfArchives  int64   `json:"NumberOfArchives"`
	SizeInBytes       int64   `json:"SizeInBytes"`
	VaultARN          *string `json:"VaultARN"`
	VaultName         *string `json:"VaultName"`
}

func vaultToWire(v *firn.DescribeVaultOutput) vaultJSON {
	return vaultJSON{
		CreationDate:      wireDate(v.CreationDate),
		LastInventoryDate: wireDate(v.LastInventoryDate),
		NumberOfArchives:  v.NumberOfArchives,
		SizeInBytes:       v.SizeInBytes,
		VaultARN:          opt(v.VaultARN),
		VaultName:         opt(v.VaultName),
	}
}

// jobParametersJSON is InitiateJob's body. Its select and output-location
// members decode straight into the firn types, whose JSON names are the
// service's; job descriptions encode with firn.GlacierJobDescription's
// MarshalJSON.
type jobParametersJSON struct {
	ArchiveId                    string                           `json:"ArchiveId"`
	Description                  string                           `json:"Description"`
	Format                       string                           `json:"Format"`
	InventoryRetrievalParameters *firn.InventoryRetrievalJobInput `json:"InventoryRetrievalParameters"`
	OutputLocation               *firn.OutputLocation             `json:"OutputLocation"`
	RetrievalByteRange           string                           `json:"RetrievalByteRange"`
	SNSTopic                     string                           `json:"SNSTopic"`
	SelectParameters             *firn.SelectParameters           `json:"SelectParameters"`
	Tier                         string                           `json:"Tier"`
	Type                         string                           `json:"Type"`
}

func (p *jobParametersJSON) firn() firn.JobParameters {
	return firn.JobParameters{
		Type:                         p.Type,
		Format:                       p.Format,
		ArchiveId:                    p.ArchiveId,
		Description:                  p.Description,
		SNSTopic:                     p.SNSTopic,
		RetrievalByteRange:           p.RetrievalByteRange,
		Tier:                         p.Tier,
		InventoryRetrievalParameters: p.InventoryRetrievalParameters,
		SelectParameters:             p.SelectParameters,
		OutputLocation:               p.OutputLocation,
	}
}

type uploadJSON struct {
	ArchiveDescription *string `json:"ArchiveDescription"`
	CreationDate       *string `json:"CreationDate"`
	MultipartUploadId  *string `json:"MultipartUploadId"`
	PartSizeInBytes    int64   `json:"PartSizeInBytes"`
	VaultARN           *string `json:"VaultARN"`
}

type listPartsJSON struct {
	ArchiveDescription *string    `json:"ArchiveDescription"`
	CreationDate       *string    `json:"CreationDate"`
	Marker             *string    `json:"Marker"`
	MultipartUploadId  *string    `json:"MultipartUploadId"`
	PartSizeInBytes    int64      `json:"PartSizeInBytes"`
	Parts              []partJSON `json:"Parts"`
	VaultARN           *string    `json:"VaultARN"`
}

type partJSON struct {
	RangeInBytes   *string `json:"RangeInBytes"`
	SHA256TreeHash *string `json:"SHA256TreeHash"`
}

type policyJSON struct {
	Policy *string `json:"Policy"`
}

type notificationJSON struct {
	Events   []string `json:"Events"`
	SNSTopic *string  `json:"SNSTopic"`
}

type vaultLockJSON struct {
	CreationDate   *string `json:"CreationDate"`
	ExpirationDate *string `json:"ExpirationDate"`
	Policy         *string `json:"Policy"`
	State          *string `json:"State"`
}

type retrievalPolicyJSON struct {
	Policy *retrievalRulesJSON `json:"Policy"`
}

type retrievalRulesJSON struct {
	Rules []retrievalRuleJSON `json:"Rules"`
}

// retrievalRuleJSON converts to firn.DataRetrievalRule.
type retrievalRuleJSON struct {
	Strategy     string `json:"Strategy,omitempty"`
	BytesPerHour *int64 `json:"BytesPerHour,omitempty"`
}

type capacityJSON struct {
	CapacityId     *string `json:"CapacityId"`
	ExpirationDate *string `json:"ExpirationDate"`
	StartDate      *string `json:"StartDate"`
}
