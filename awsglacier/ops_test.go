package awsglacier

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

const (
	vaultARN = "arn:aws:glacier:us-east-1:111122223333:vaults/examplevault"
	topic    = "arn:aws:sns:us-east-1:111122223333:topic"
	policy   = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"` + vaultARN + `"}]}`
	hash1    = "beb0fe31a1c7ca8c6c04d574ea906e3f97b31fdca7571defb5b44dca89b5af60"
	hash2    = "9628195fcdbcbbe76cdde932d4646fa7de5f219fb39823836d81f0cc0e18aa67"
)

var (
	date1 = time.Date(2012, 3, 20, 17, 3, 43, 221_000_000, time.UTC)
	date2 = time.Date(2012, 3, 21, 17, 3, 43, 0, time.UTC)
)

// fullSelect has every member of SelectParameters set.
var fullSelect = &firn.SelectParameters{
	InputSerialization: &firn.InputSerialization{CSV: &firn.CSVInput{
		FileHeaderInfo:       firn.FileHeaderInfoUse,
		Comments:             "#",
		QuoteEscapeCharacter: `\`,
		RecordDelimiter:      "\n",
		FieldDelimiter:       ",",
		QuoteCharacter:       `"`,
	}},
	ExpressionType: firn.ExpressionTypeSQL,
	Expression:     "select * from archive",
	OutputSerialization: &firn.OutputSerialization{CSV: &firn.CSVOutput{
		QuoteFields:          firn.QuoteFieldsAlways,
		QuoteEscapeCharacter: "'",
		RecordDelimiter:      "\r\n",
		FieldDelimiter:       ";",
		QuoteCharacter:       "'",
	}},
}

const fullSelectJSON = `{
	"InputSerialization": {"csv": {"FileHeaderInfo": "USE", "Comments": "#", "QuoteEscapeCharacter": "\\",
		"RecordDelimiter": "\n", "FieldDelimiter": ",", "QuoteCharacter": "\""}},
	"ExpressionType": "SQL",
	"Expression": "select * from archive",
	"OutputSerialization": {"csv": {"QuoteFields": "ALWAYS", "QuoteEscapeCharacter": "'",
		"RecordDelimiter": "\r\n", "FieldDelimiter": ";", "QuoteCharacter": "'"}}}`

// fullLocation has every member of OutputLocation set.
var fullLocation = &firn.OutputLocation{S3: &firn.S3Location{
	BucketName: "results",
	Prefix:     "select/",
	Encryption: &firn.Encryption{EncryptionType: "aws:kms", KMSKeyId: "key-1", KMSContext: "ctx"},
	CannedACL:  "bucket-owner-read",
	AccessControlList: []firn.Grant{{
		Grantee: &firn.Grantee{
			Type:         "CanonicalUser",
			DisplayName:  "alice",
			URI:          "http://acs.amazonaws.com/groups/global/AllUsers",
			ID:           "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
			EmailAddress: "alice@example.com",
		},
		Permission: "READ",
	}},
	Tagging:      map[string]string{"team": "data"},
	UserMetadata: map[string]string{"origin": "firn"},
	StorageClass: "STANDARD_IA",
}}

const fullLocationJSON = `{"S3": {
	"BucketName": "results",
	"Prefix": "select/",
	"Encryption": {"EncryptionType": "aws:kms", "KMSKeyId": "key-1", "KMSContext": "ctx"},
	"CannedACL": "bucket-owner-read",
	"AccessControlList": [{"Grantee": {"Type": "CanonicalUser", "DisplayName": "alice",
		"URI": "http://acs.amazonaws.com/groups/global/AllUsers",
		"ID": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
		"EmailAddress": "alice@example.com"}, "Permission": "READ"}],
	"Tagging": {"team": "data"},
	"UserMetadata": {"origin": "firn"},
	"StorageClass": "STANDARD_IA"}}`

// opCase is one operation: the firn call, the exact HTTP request the SDK must
// send for it, a canned response, and the firn output it must become.
type opCase struct {
	name string
	call func(context.Context, firn.Glacier) (any, error)

	method string
	path   string // escaped
	query  url.Values
	header map[string]string // must be present with these values
	absent []string          // headers that must not be sent
	body   string            // JSON, compared as values; "" for no body

	resp response
	want any
	// full marks cases whose output must have every field set, so that no
	// field of the firn type goes unmapped.
	full bool
}

func ptr[T any](v T) *T { return &v }

// op returns the call of an operation, given as a method expression such as
// firn.Glacier.DescribeVault, with in.
func op[I, O any](f func(firn.Glacier, context.Context, *I) (*O, error), in *I) func(context.Context, firn.Glacier) (any, error) {
	return func(ctx context.Context, g firn.Glacier) (any, error) { return f(g, ctx, in) }
}

func opCases() []opCase {
	return []opCase{
		{
			name:   "CreateVault",
			call:   op(firn.Glacier.CreateVault, &firn.CreateVaultInput{VaultName: "examplevault"}),
			method: "PUT", path: "/-/vaults/examplevault",
			resp: response{status: 201, header: map[string]string{"Location": "/111122223333/vaults/examplevault"}},
			want: &firn.CreateVaultOutput{Location: "/111122223333/vaults/examplevault"},
			full: true,
		},
		{
			name:   "CreateVault/account",
			call:   op(firn.Glacier.CreateVault, &firn.CreateVaultInput{AccountId: "111122223333", VaultName: "a.b-c_d"}),
			method: "PUT", path: "/111122223333/vaults/a.b-c_d",
			resp: response{status: 201, header: map[string]string{"Location": "/111122223333/vaults/a.b-c_d"}},
			want: &firn.CreateVaultOutput{Location: "/111122223333/vaults/a.b-c_d"},
		},
		{
			name:   "DescribeVault",
			call:   op(firn.Glacier.DescribeVault, &firn.DescribeVaultInput{VaultName: "examplevault"}),
			method: "GET", path: "/-/vaults/examplevault",
			absent: []string{"X-Amz-Content-Sha256", "X-Amz-Sha256-Tree-Hash"},
			resp: response{status: 200, body: `{"CreationDate":"2012-03-20T17:03:43.221Z","LastInventoryDate":"2012-03-21T17:03:43Z",
				"NumberOfArchives":2,"SizeInBytes":11,"VaultARN":"` + vaultARN + `","VaultName":"examplevault"}`},
			want: &firn.DescribeVaultOutput{VaultARN: vaultARN, VaultName: "examplevault",
				CreationDate: date1, LastInventoryDate: date2, NumberOfArchives: 2, SizeInBytes: 11},
			full: true,
		},
		{
			name:   "DescribeVault/nulls",
			call:   op(firn.Glacier.DescribeVault, &firn.DescribeVaultInput{VaultName: "examplevault"}),
			method: "GET", path: "/-/vaults/examplevault",
			resp: response{status: 200, body: `{"CreationDate":"2012-03-20T19:03:43.221+02:00","LastInventoryDate":null,
				"NumberOfArchives":null,"SizeInBytes":null,"VaultARN":"` + vaultARN + `","VaultName":"examplevault"}`},
			want: &firn.DescribeVaultOutput{VaultARN: vaultARN, VaultName: "examplevault", CreationDate: date1},
		},
		{
			name:   "ListVaults",
			call:   op(firn.Glacier.ListVaults, &firn.ListVaultsInput{Limit: 2, Marker: "arn:aws:glacier:us-east-1:111122223333:vaults/a"}),
			method: "GET", path: "/-/vaults",
			query: url.Values{"limit": {"2"}, "marker": {"arn:aws:glacier:us-east-1:111122223333:vaults/a"}},
			resp: response{status: 200, body: `{"Marker":"` + vaultARN + `","VaultList":[
				{"CreationDate":"2012-03-20T17:03:43.221Z","LastInventoryDate":"2012-03-21T17:03:43.000Z","NumberOfArchives":2,"SizeInBytes":11,"VaultARN":"arn:aws:glacier:us-east-1:111122223333:vaults/b","VaultName":"b"},
				{"CreationDate":"2012-03-21T17:03:43Z","LastInventoryDate":null,"NumberOfArchives":null,"SizeInBytes":null,"VaultARN":"` + vaultARN + `","VaultName":"examplevault"}]}`},
			want: &firn.ListVaultsOutput{
				VaultList: []firn.DescribeVaultOutput{
					{VaultARN: "arn:aws:glacier:us-east-1:111122223333:vaults/b", VaultName: "b",
						CreationDate: date1, LastInventoryDate: date2, NumberOfArchives: 2, SizeInBytes: 11},
					{VaultARN: vaultARN, VaultName: "examplevault", CreationDate: date2},
				},
				Marker: vaultARN,
			},
		},
		{
			name:   "ListVaults/nil input",
			call:   op(firn.Glacier.ListVaults, nil),
			method: "GET", path: "/-/vaults", query: url.Values{},
			resp: response{status: 200, body: `{"Marker":null,"VaultList":[]}`},
			want: &firn.ListVaultsOutput{VaultList: []firn.DescribeVaultOutput{}},
		},
		{
			name:   "DeleteVault",
			call:   op(firn.Glacier.DeleteVault, &firn.DeleteVaultInput{AccountId: "-", VaultName: "examplevault"}),
			method: "DELETE", path: "/-/vaults/examplevault",
			resp: response{status: 204},
			want: &firn.DeleteVaultOutput{},
		},
		{
			name: "AddTagsToVault",
			call: op(firn.Glacier.AddTagsToVault, &firn.AddTagsToVaultInput{VaultName: "examplevault",
				Tags: map[string]string{"examplekey1": "examplevalue1", "empty": ""}}),
			method: "POST", path: "/-/vaults/examplevault/tags", query: url.Values{"operation": {"add"}},
			header: map[string]string{"Content-Type": "application/json"},
			body:   `{"Tags":{"examplekey1":"examplevalue1","empty":""}}`,
			resp:   response{status: 204},
			want:   &firn.AddTagsToVaultOutput{},
		},
		{
			name:   "ListTagsForVault",
			call:   op(firn.Glacier.ListTagsForVault, &firn.ListTagsForVaultInput{VaultName: "examplevault"}),
			method: "GET", path: "/-/vaults/examplevault/tags",
			resp: response{status: 200, body: `{"Tags":{"examplekey1":"examplevalue1","examplekey2":""}}`},
			want: &firn.ListTagsForVaultOutput{Tags: map[string]string{"examplekey1": "examplevalue1", "examplekey2": ""}},
			full: true,
		},
		{
			name:   "ListTagsForVault/none",
			call:   op(firn.Glacier.ListTagsForVault, &firn.ListTagsForVaultInput{VaultName: "examplevault"}),
			method: "GET", path: "/-/vaults/examplevault/tags",
			resp: response{status: 200, body: `{"Tags":null}`},
			want: &firn.ListTagsForVaultOutput{Tags: map[string]string{}},
		},
		{
			name: "RemoveTagsFromVault",
			call: op(firn.Glacier.RemoveTagsFromVault, &firn.RemoveTagsFromVaultInput{VaultName: "examplevault",
				TagKeys: []string{"examplekey1", "examplekey2"}}),
			method: "POST", path: "/-/vaults/examplevault/tags", query: url.Values{"operation": {"remove"}},
			header: map[string]string{"Content-Type": "application/json"},
			body:   `{"TagKeys":["examplekey1","examplekey2"]}`,
			resp:   response{status: 204},
			want:   &firn.RemoveTagsFromVaultOutput{},
		},
		{
			name: "SetVaultNotifications",
			call: op(firn.Glacier.SetVaultNotifications, &firn.SetVaultNotificationsInput{VaultName: "examplevault",
				VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: topic,
					Events: []string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}}}),
			method: "PUT", path: "/-/vaults/examplevault/notification-configuration",
			header: map[string]string{"Content-Type": "application/json"},
			body:   `{"SNSTopic":"` + topic + `","Events":["ArchiveRetrievalCompleted","InventoryRetrievalCompleted"]}`,
			resp:   response{status: 204},
			want:   &firn.SetVaultNotificationsOutput{},
		},
		{
			name:   "GetVaultNotifications",
			call:   op(firn.Glacier.GetVaultNotifications, &firn.GetVaultNotificationsInput{VaultName: "examplevault"}),
			method: "GET", path: "/-/vaults/examplevault/notification-configuration",
			resp: response{status: 200, body: `{"Events":["ArchiveRetrievalCompleted"],"SNSTopic":"` + topic + `"}`},
			want: &firn.GetVaultNotificationsOutput{VaultNotificationConfig: firn.VaultNotificationConfig{
				SNSTopic: topic, Events: []string{firn.EventArchiveRetrievalCompleted}}},
			full: true,
		},
		{
			name:   "DeleteVaultNotifications",
			call:   op(firn.Glacier.DeleteVaultNotifications, &firn.DeleteVaultNotificationsInput{VaultName: "examplevault"}),
			method: "DELETE", path: "/-/vaults/examplevault/notification-configuration",
			resp: response{status: 204},
			want: &firn.DeleteVaultNotificationsOutput{},
		},
		{
			name: "SetVaultAccessPolicy",
			call: op(firn.Glacier.SetVaultAccessPolicy, &firn.SetVaultAccessPolicyInput{VaultName: "examplevault",
				Policy: &firn.VaultAccessPolicy{Policy: policy}}),
			method: "PUT", path: "/-/vaults/examplevault/access-policy",
			header: map[string]string{"Content-Type": "application/json"},
			body:   mustJSON(map[string]string{"Policy": policy}),
			resp:   response{status: 204},
			want:   &firn.SetVaultAccessPolicyOutput{},
		},
		{
			name:   "GetVaultAccessPolicy",
			call:   op(firn.Glacier.GetVaultAccessPolicy, &firn.GetVaultAccessPolicyInput{VaultName: "examplevault"}),
			method: "GET", path: "/-/vaults/examplevault/access-policy",
			resp: response{status: 200, body: mustJSON(map[string]string{"Policy": policy})},
			want: &firn.GetVaultAccessPolicyOutput{Policy: firn.VaultAccessPolicy{Policy: policy}},
			full: true,
		},
		{
			name:   "DeleteVaultAccessPolicy",
			call:   op(firn.Glacier.DeleteVaultAccessPolicy, &firn.DeleteVaultAccessPolicyInput{VaultName: "examplevault"}),
			method: "DELETE", path: "/-/vaults/examplevault/access-policy",
			resp: response{status: 204},
			want: &firn.DeleteVaultAccessPolicyOutput{},
		},
		{
			name: "InitiateVaultLock",
			call: op(firn.Glacier.InitiateVaultLock, &firn.InitiateVaultLockInput{VaultName: "examplevault",
				Policy: &firn.VaultLockPolicy{Policy: policy}}),
			method: "POST", path: "/-/vaults/examplevault/lock-policy",
			header: map[string]string{"Content-Type": "application/json"},
			body:   mustJSON(map[string]string{"Policy": policy}),
			resp:   response{status: 201, header: map[string]string{"x-amz-lock-id": "AE863rKkWZU53SLW5be4DUcW"}},
			want:   &firn.InitiateVaultLockOutput{LockId: "AE863rKkWZU53SLW5be4DUcW"},
			full:   true,
		},
		{
			name:   "CompleteVaultLock",
			call:   op(firn.Glacier.CompleteVaultLock, &firn.CompleteVaultLockInput{VaultName: "examplevault", LockId: "AE863rKkWZU53SLW5be4DUcW"}),
			method: "POST", path: "/-/vaults/examplevault/lock-policy/AE863rKkWZU53SLW5be4DUcW",
			resp: response{status: 204},
			want: &firn.CompleteVaultLockOutput{},
		},
		{
			name:   "AbortVaultLock",
			call:   op(firn.Glacier.AbortVaultLock, &firn.AbortVaultLockInput{VaultName: "examplevault"}),
			method: "DELETE", path: "/-/vaults/examplevault/lock-policy",
			resp: response{status: 204},
			want: &firn.AbortVaultLockOutput{},
		},
		{
			name:   "GetVaultLock",
			call:   op(firn.Glacier.GetVaultLock, &firn.GetVaultLockInput{VaultName: "examplevault"}),
			method: "GET", path: "/-/vaults/examplevault/lock-policy",
			resp: response{status: 200, body: mustJSON(map[string]string{"Policy": policy, "State": "InProgress",
				"CreationDate": "2012-03-20T17:03:43.221Z", "ExpirationDate": "2012-03-21T17:03:43Z"})},
			want: &firn.GetVaultLockOutput{Policy: policy, State: firn.LockStateInProgress, CreationDate: date1, ExpirationDate: date2},
			full: true,
		},
		{
			name:   "GetVaultLock/locked",
			call:   op(firn.Glacier.GetVaultLock, &firn.GetVaultLockInput{VaultName: "examplevault"}),
			method: "GET", path: "/-/vaults/examplevault/lock-policy",
			resp: response{status: 200, body: mustJSON(map[string]any{"Policy": policy, "State": "Locked",
				"CreationDate": "2012-03-20T17:03:43.221Z", "ExpirationDate": nil})},
			want: &firn.GetVaultLockOutput{Policy: policy, State: firn.LockStateLocked, CreationDate: date1},
		},
		{
			name: "UploadArchive",
			call: op(firn.Glacier.UploadArchive, &firn.UploadArchiveInput{VaultName: "examplevault",
				ArchiveDescription: "my archive", Body: strings.NewReader("hello world")}),
			method: "POST", path: "/-/vaults/examplevault/archives",
			header: map[string]string{
				"Content-Type":              "application/octet-stream",
				"Content-Length":            "11",
				"X-Amz-Archive-Description": "my archive",
				"X-Amz-Sha256-Tree-Hash":    "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
				"X-Amz-Content-Sha256":      "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
			},
			body: "hello world",
			resp: response{status: 201, header: map[string]string{
				"Location":               "/111122223333/vaults/examplevault/archives/arch-1",
				"x-amz-archive-id":       "arch-1",
				"x-amz-sha256-tree-hash": "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
			}},
			want: &firn.UploadArchiveOutput{ArchiveId: "arch-1", Location: "/111122223333/vaults/examplevault/archives/arch-1",
				Checksum: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"},
			full: true,
		},
		{
			name:   "DeleteArchive",
			call:   op(firn.Glacier.DeleteArchive, &firn.DeleteArchiveInput{VaultName: "examplevault", ArchiveId: "-a/b+c=d"}),
			method: "DELETE", path: "/-/vaults/examplevault/archives/-a%2Fb%2Bc%3Dd",
			resp: response{status: 204},
			want: &firn.DeleteArchiveOutput{},
		},
		{
			name: "InitiateMultipartUpload",
			call: op(firn.Glacier.InitiateMultipartUpload, &firn.InitiateMultipartUploadInput{VaultName: "examplevault",
				ArchiveDescription: "big one", PartSize: 4 << 20}),
			method: "POST", path: "/-/vaults/examplevault/multipart-uploads",
			header: map[string]string{"X-Amz-Part-Size": "4194304", "X-Amz-Archive-Description": "big one"},
			resp: response{status: 201, header: map[string]string{
				"Location":                  "/111122223333/vaults/examplevault/multipart-uploads/up-1",
				"x-amz-multipart-upload-id": "up-1",
			}},
			want: &firn.InitiateMultipartUploadOutput{UploadId: "up-1", Location: "/111122223333/vaults/examplevault/multipart-uploads/up-1"},
			full: true,
		},
		{
			name:   "InitiateMultipartUpload/zero part size",
			call:   op(firn.Glacier.InitiateMultipartUpload, &firn.InitiateMultipartUploadInput{VaultName: "examplevault"}),
			method: "POST", path: "/-/vaults/examplevault/multipart-uploads",
			header: map[string]string{"X-Amz-Part-Size": "0"},
			absent: []string{"X-Amz-Archive-Description"},
			resp:   response{status: 201, header: map[string]string{"x-amz-multipart-upload-id": "up-1"}},
			want:   &firn.InitiateMultipartUploadOutput{UploadId: "up-1"},
		},
		{
			name: "UploadMultipartPart",
			call: op(firn.Glacier.UploadMultipartPart, &firn.UploadMultipartPartInput{VaultName: "examplevault", UploadId: "up-1",
				Range: "bytes 0-10/*", Body: strings.NewReader("hello world")}),
			method: "PUT", path: "/-/vaults/examplevault/multipart-uploads/up-1",
			header: map[string]string{
				"Content-Type":           "application/octet-stream",
				"Content-Range":          "bytes 0-10/*",
				"X-Amz-Sha256-Tree-Hash": "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
				"X-Amz-Content-Sha256":   "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
			},
			body: "hello world",
			resp: response{status: 204, header: map[string]string{
				"x-amz-sha256-tree-hash": "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"}},
			want: &firn.UploadMultipartPartOutput{Checksum: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"},
			full: true,
		},
		{
			name: "CompleteMultipartUpload",
			call: op(firn.Glacier.CompleteMultipartUpload, &firn.CompleteMultipartUploadInput{VaultName: "examplevault", UploadId: "up-1",
				ArchiveSize: 5243003, Checksum: "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182"}),
			method: "POST", path: "/-/vaults/examplevault/multipart-uploads/up-1",
			header: map[string]string{
				"X-Amz-Archive-Size":     "5243003",
				"X-Amz-Sha256-Tree-Hash": "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182",
			},
			absent: []string{"X-Amz-Content-Sha256"},
			resp: response{status: 201, header: map[string]string{
				"Location":               "/111122223333/vaults/examplevault/archives/arch-2",
				"x-amz-archive-id":       "arch-2",
				"x-amz-sha256-tree-hash": "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182",
			}},
			want: &firn.CompleteMultipartUploadOutput{ArchiveId: "arch-2", Location: "/111122223333/vaults/examplevault/archives/arch-2",
				Checksum: "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182"},
			full: true,
		},
		{
			name:   "AbortMultipartUpload",
			call:   op(firn.Glacier.AbortMultipartUpload, &firn.AbortMultipartUploadInput{VaultName: "examplevault", UploadId: "up-1"}),
			method: "DELETE", path: "/-/vaults/examplevault/multipart-uploads/up-1",
			resp: response{status: 204},
			want: &firn.AbortMultipartUploadOutput{},
		},
		{
			name:   "ListMultipartUploads",
			call:   op(firn.Glacier.ListMultipartUploads, &firn.ListMultipartUploadsInput{VaultName: "examplevault", Limit: 1000, Marker: "up-0"}),
			method: "GET", path: "/-/vaults/examplevault/multipart-uploads",
			query: url.Values{"limit": {"1000"}, "marker": {"up-0"}},
			resp: response{status: 200, body: `{"Marker":"up-2","UploadsList":[
				{"ArchiveDescription":"big one","CreationDate":"2012-03-20T17:03:43.221Z","MultipartUploadId":"up-1","PartSizeInBytes":4194304,"VaultARN":"` + vaultARN + `"},
				{"ArchiveDescription":null,"CreationDate":"2012-03-21T17:03:43Z","MultipartUploadId":"up-2","PartSizeInBytes":1048576,"VaultARN":"` + vaultARN + `"}]}`},
			want: &firn.ListMultipartUploadsOutput{
				UploadsList: []firn.UploadListElement{
					{MultipartUploadId: "up-1", VaultARN: vaultARN, ArchiveDescription: "big one", PartSizeInBytes: 4 << 20, CreationDate: date1},
					{MultipartUploadId: "up-2", VaultARN: vaultARN, PartSizeInBytes: 1 << 20, CreationDate: date2},
				},
				Marker: "up-2",
			},
		},
		{
			name:   "ListParts",
			call:   op(firn.Glacier.ListParts, &firn.ListPartsInput{VaultName: "examplevault", UploadId: "up-1", Limit: 1, Marker: "0-4194303"}),
			method: "GET", path: "/-/vaults/examplevault/multipart-uploads/up-1",
			query: url.Values{"limit": {"1"}, "marker": {"0-4194303"}},
			resp: response{status: 200, body: `{"ArchiveDescription":"big one","CreationDate":"2012-03-20T17:03:43.221Z",
				"Marker":"4194304-8388607","MultipartUploadId":"up-1","PartSizeInBytes":4194304,
				"Parts":[{"RangeInBytes":"4194304-8388607","SHA256TreeHash":"` + hash1 + `"}],"VaultARN":"` + vaultARN + `"}`},
			want: &firn.ListPartsOutput{MultipartUploadId: "up-1", VaultARN: vaultARN, ArchiveDescription: "big one",
				PartSizeInBytes: 4 << 20, CreationDate: date1, Marker: "4194304-8388607",
				Parts: []firn.PartListElement{{RangeInBytes: "4194304-8388607", SHA256TreeHash: hash1}}},
			full: true,
		},
		{
			name: "InitiateJob/archive",
			call: op(firn.Glacier.InitiateJob, &firn.InitiateJobInput{VaultName: "examplevault", JobParameters: firn.JobParameters{
				Type: firn.JobTypeArchiveRetrieval, ArchiveId: "arch-1", Description: "restore", SNSTopic: topic,
				RetrievalByteRange: "0-1048575", Tier: firn.TierBulk}}),
			method: "POST", path: "/-/vaults/examplevault/jobs",
			header: map[string]string{"Content-Type": "application/json"},
			body: `{"Type":"archive-retrieval","ArchiveId":"arch-1","Description":"restore","SNSTopic":"` + topic + `",
				"RetrievalByteRange":"0-1048575","Tier":"Bulk"}`,
			resp: response{status: 202, header: map[string]string{
				"Location": "/111122223333/vaults/examplevault/jobs/job-1", "x-amz-job-id": "job-1"}},
			want: &firn.InitiateJobOutput{JobId: "job-1", Location: "/111122223333/vaults/examplevault/jobs/job-1"},
		},
		{
			name: "InitiateJob/inventory",
			call: op(firn.Glacier.InitiateJob, &firn.InitiateJobInput{VaultName: "examplevault", JobParameters: firn.JobParameters{
				Type: firn.JobTypeInventoryRetrieval, Format: firn.FormatCSV,
				InventoryRetrievalParameters: &firn.InventoryRetrievalJobInput{
					StartDate: "2012-03-20T00:00:00Z", EndDate: "2012-03-21T00:00:00Z", Limit: "100", Marker: "m-1"}}}),
			method: "POST", path: "/-/vaults/examplevault/jobs",
			body: `{"Type":"inventory-retrieval","Format":"CSV","InventoryRetrievalParameters":{
				"StartDate":"2012-03-20T00:00:00Z","EndDate":"2012-03-21T00:00:00Z","Limit":"100","Marker":"m-1"}}`,
			resp: response{status: 202, header: map[string]string{"x-amz-job-id": "job-2"}},
			want: &firn.InitiateJobOutput{JobId: "job-2"},
		},
		{
			name: "InitiateJob/select",
			call: op(firn.Glacier.InitiateJob, &firn.InitiateJobInput{VaultName: "examplevault", JobParameters: firn.JobParameters{
				Type: firn.JobTypeSelect, ArchiveId: "arch-1", Tier: firn.TierExpedited,
				SelectParameters: fullSelect, OutputLocation: fullLocation}}),
			method: "POST", path: "/-/vaults/examplevault/jobs",
			body: `{"Type":"select","ArchiveId":"arch-1","Tier":"Expedited","SelectParameters":` + fullSelectJSON +
				`,"OutputLocation":` + fullLocationJSON + `}`,
			resp: response{status: 202, header: map[string]string{
				"Location":              "/111122223333/vaults/examplevault/jobs/job-3",
				"x-amz-job-id":          "job-3",
				"x-amz-job-output-path": "select/job-3/",
			}},
			want: &firn.InitiateJobOutput{JobId: "job-3", Location: "/111122223333/vaults/examplevault/jobs/job-3",
				JobOutputPath: "select/job-3/"},
			full: true,
		},
		{
			name:   "InitiateJob/empty parameters",
			call:   op(firn.Glacier.InitiateJob, &firn.InitiateJobInput{VaultName: "examplevault"}),
			method: "POST", path: "/-/vaults/examplevault/jobs",
			body: `{}`,
			resp: response{status: 202, header: map[string]string{"x-amz-job-id": "job-4"}},
			want: &firn.InitiateJobOutput{JobId: "job-4"},
		},
		{
			name:   "DescribeJob/select",
			call:   op(firn.Glacier.DescribeJob, &firn.DescribeJobInput{VaultName: "examplevault", JobId: "job-3"}),
			method: "GET", path: "/-/vaults/examplevault/jobs/job-3",
			resp: response{status: 200, body: `{"Action":"Select","ArchiveId":"arch-1","ArchiveSHA256TreeHash":"` + hash1 + `",
				"ArchiveSizeInBytes":1048576,"Completed":true,"CompletionDate":"2012-03-21T17:03:43Z","CreationDate":"2012-03-20T17:03:43.221Z",
				"InventoryRetrievalParameters":{"Format":"JSON","StartDate":"2012-03-20T00:00:00Z","EndDate":"2012-03-21T00:00:00Z","Limit":"10","Marker":"m-2"},
				"InventorySizeInBytes":77,"JobDescription":"query","JobId":"job-3","JobOutputPath":"select/job-3/",
				"OutputLocation":` + fullLocationJSON + `,"RetrievalByteRange":"0-1048575","SHA256TreeHash":"` + hash2 + `",
				"SNSTopic":"` + topic + `","SelectParameters":` + fullSelectJSON + `,"StatusCode":"Succeeded","StatusMessage":"Succeeded",
				"Tier":"Expedited","VaultARN":"` + vaultARN + `"}`},
			want: &firn.DescribeJobOutput{JobId: "job-3", JobDescription: "query", Action: firn.ActionSelect, ArchiveId: "arch-1",
				VaultARN: vaultARN, CreationDate: date1, Completed: true, StatusCode: firn.StatusSucceeded, StatusMessage: "Succeeded",
				ArchiveSizeInBytes: 1 << 20, InventorySizeInBytes: 77, SNSTopic: topic, CompletionDate: date2,
				SHA256TreeHash: hash2, ArchiveSHA256TreeHash: hash1, RetrievalByteRange: "0-1048575", Tier: firn.TierExpedited,
				InventoryRetrievalParameters: &firn.InventoryRetrievalJobDescription{Format: firn.FormatJSON,
					StartDate: "2012-03-20T00:00:00Z", EndDate: "2012-03-21T00:00:00Z", Limit: "10", Marker: "m-2"},
				JobOutputPath: "select/job-3/", SelectParameters: fullSelect, OutputLocation: fullLocation},
			full: true,
		},
		{
			name:   "DescribeJob/in progress",
			call:   op(firn.Glacier.DescribeJob, &firn.DescribeJobInput{VaultName: "examplevault", JobId: "job-2"}),
			method: "GET", path: "/-/vaults/examplevault/jobs/job-2",
			resp: response{status: 200, body: `{"Action":"InventoryRetrieval","ArchiveId":null,"ArchiveSHA256TreeHash":null,
				"ArchiveSizeInBytes":null,"Completed":false,"CompletionDate":null,"CreationDate":"2012-03-20T17:03:43.221Z",
				"InventoryRetrievalParameters":{"Format":"CSV","StartDate":null,"EndDate":null,"Limit":null,"Marker":null},
				"InventorySizeInBytes":null,"JobDescription":null,"JobId":"job-2","JobOutputPath":null,"OutputLocation":null,
				"RetrievalByteRange":null,"SHA256TreeHash":null,"SNSTopic":null,"SelectParameters":null,
				"StatusCode":"InProgress","StatusMessage":null,"Tier":null,"VaultARN":"` + vaultARN + `"}`},
			want: &firn.DescribeJobOutput{JobId: "job-2", Action: firn.ActionInventoryRetrieval, VaultARN: vaultARN,
				CreationDate: date1, StatusCode: firn.StatusInProgress,
				InventoryRetrievalParameters: &firn.InventoryRetrievalJobDescription{Format: firn.FormatCSV}},
		},
		{
			name: "ListJobs",
			call: op(firn.Glacier.ListJobs, &firn.ListJobsInput{VaultName: "examplevault", Limit: 5, Marker: "job-0",
				Statuscode: "Succeeded", Completed: ptr(true)}),
			method: "GET", path: "/-/vaults/examplevault/jobs",
			query: url.Values{"limit": {"5"}, "marker": {"job-0"}, "statuscode": {"Succeeded"}, "completed": {"true"}},
			resp: response{status: 200, body: `{"JobList":[{"Action":"ArchiveRetrieval","ArchiveId":"arch-1",
				"ArchiveSHA256TreeHash":"` + hash1 + `","ArchiveSizeInBytes":3145728,"Completed":true,
				"CompletionDate":"2012-03-21T17:03:43Z","CreationDate":"2012-03-20T17:03:43.221Z","InventoryRetrievalParameters":null,
				"InventorySizeInBytes":null,"JobDescription":"restore","JobId":"job-1","JobOutputPath":null,"OutputLocation":null,
				"RetrievalByteRange":"0-3145727","SHA256TreeHash":"` + hash1 + `","SNSTopic":null,"SelectParameters":null,
				"StatusCode":"Succeeded","StatusMessage":"Succeeded","Tier":"Standard","VaultARN":"` + vaultARN + `"}],"Marker":"job-1"}`},
			want: &firn.ListJobsOutput{
				JobList: []firn.GlacierJobDescription{{JobId: "job-1", JobDescription: "restore", Action: firn.ActionArchiveRetrieval,
					ArchiveId: "arch-1", VaultARN: vaultARN, CreationDate: date1, Completed: true, StatusCode: firn.StatusSucceeded,
					StatusMessage: "Succeeded", ArchiveSizeInBytes: 3 << 20, CompletionDate: date2, SHA256TreeHash: hash1,
					ArchiveSHA256TreeHash: hash1, RetrievalByteRange: "0-3145727", Tier: firn.TierStandard}},
				Marker: "job-1",
			},
		},
		{
			name:   "ListJobs/not completed",
			call:   op(firn.Glacier.ListJobs, &firn.ListJobsInput{VaultName: "examplevault", Completed: ptr(false)}),
			method: "GET", path: "/-/vaults/examplevault/jobs",
			query: url.Values{"completed": {"false"}},
			resp:  response{status: 200, body: `{"JobList":[],"Marker":null}`},
			want:  &firn.ListJobsOutput{JobList: []firn.GlacierJobDescription{}},
		},
		{
			name: "GetJobOutput",
			call: func(ctx context.Context, g firn.Glacier) (any, error) {
				out, err := g.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "examplevault", JobId: "job-1", Range: "bytes=0-4"})
				if err != nil {
					return nil, err
				}
				data, err := io.ReadAll(out.Body)
				out.Body.Close()
				out.Body = nil
				return struct {
					*firn.GetJobOutputOutput
					Data string
				}{out, string(data)}, err
			},
			method: "GET", path: "/-/vaults/examplevault/jobs/job-1/output",
			header: map[string]string{"Range": "bytes=0-4"},
			resp: response{status: 206, body: "hello", header: map[string]string{
				"Content-Type":              "application/octet-stream",
				"Content-Range":             "bytes 0-4/11",
				"Accept-Ranges":             "bytes",
				"x-amz-sha256-tree-hash":    hash1,
				"x-amz-archive-description": "my archive",
			}},
			want: struct {
				*firn.GetJobOutputOutput
				Data string
			}{&firn.GetJobOutputOutput{ContentLength: ptr[int64](5), Checksum: hash1, Status: 206, ContentRange: "bytes 0-4/11", AcceptRanges: "bytes",
				ContentType: "application/octet-stream", ArchiveDescription: "my archive"}, "hello"},
		},
		{
			name: "SetDataRetrievalPolicy",
			call: op(firn.Glacier.SetDataRetrievalPolicy, &firn.SetDataRetrievalPolicyInput{Policy: &firn.DataRetrievalPolicy{
				Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyBytesPerHour, BytesPerHour: ptr[int64](10 << 30)}}}}),
			method: "PUT", path: "/-/policies/data-retrieval",
			header: map[string]string{"Content-Type": "application/json"},
			body:   `{"Policy":{"Rules":[{"Strategy":"BytesPerHour","BytesPerHour":10737418240}]}}`,
			resp:   response{status: 204},
			want:   &firn.SetDataRetrievalPolicyOutput{},
		},
		{
			name: "SetDataRetrievalPolicy/free tier",
			call: op(firn.Glacier.SetDataRetrievalPolicy, &firn.SetDataRetrievalPolicyInput{AccountId: "111122223333",
				Policy: &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyFreeTier}}}}),
			method: "PUT", path: "/111122223333/policies/data-retrieval",
			body: `{"Policy":{"Rules":[{"Strategy":"FreeTier"}]}}`,
			resp: response{status: 204},
			want: &firn.SetDataRetrievalPolicyOutput{},
		},
		{
			name:   "GetDataRetrievalPolicy",
			call:   op(firn.Glacier.GetDataRetrievalPolicy, &firn.GetDataRetrievalPolicyInput{}),
			method: "GET", path: "/-/policies/data-retrieval",
			resp: response{status: 200, body: `{"Policy":{"Rules":[{"BytesPerHour":10737418240,"Strategy":"BytesPerHour"}]}}`},
			want: &firn.GetDataRetrievalPolicyOutput{Policy: firn.DataRetrievalPolicy{
				Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyBytesPerHour, BytesPerHour: ptr[int64](10 << 30)}}}},
			full: true,
		},
		{
			name:   "GetDataRetrievalPolicy/none",
			call:   op(firn.Glacier.GetDataRetrievalPolicy, &firn.GetDataRetrievalPolicyInput{}),
			method: "GET", path: "/-/policies/data-retrieval",
			resp: response{status: 200, body: `{"Policy":{"Rules":[{"BytesPerHour":null,"Strategy":"None"}]}}`},
			want: &firn.GetDataRetrievalPolicyOutput{Policy: firn.DataRetrievalPolicy{
				Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyNone}}}},
		},
		{
			name:   "PurchaseProvisionedCapacity",
			call:   op(firn.Glacier.PurchaseProvisionedCapacity, &firn.PurchaseProvisionedCapacityInput{}),
			method: "POST", path: "/-/provisioned-capacity",
			resp: response{status: 201, header: map[string]string{"x-amz-capacity-id": "zSaq7NzHFQDANTfQkDen4V7z"}},
			want: &firn.PurchaseProvisionedCapacityOutput{CapacityId: "zSaq7NzHFQDANTfQkDen4V7z"},
			full: true,
		},
		{
			name:   "ListProvisionedCapacity",
			call:   op(firn.Glacier.ListProvisionedCapacity, &firn.ListProvisionedCapacityInput{AccountId: "111122223333"}),
			method: "GET", path: "/111122223333/provisioned-capacity",
			resp: response{status: 200, body: `{"ProvisionedCapacityList":[
				{"CapacityId":"zSaq7NzHFQDANTfQkDen4V7z","StartDate":"2012-03-20T17:03:43.221Z","ExpirationDate":"2012-03-21T17:03:43Z"}]}`},
			want: &firn.ListProvisionedCapacityOutput{ProvisionedCapacityList: []firn.ProvisionedCapacityDescription{
				{CapacityId: "zSaq7NzHFQDANTfQkDen4V7z", StartDate: date1, ExpirationDate: date2}}},
			full: true,
		},
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestOperations checks, for every operation, the exact request the SDK
// sends for a firn input and the firn output of a canned response.
func TestOperations(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range opCases() {
		covered[strings.Split(tc.name, "/")[0]] = true
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t, tc.resp)
			got, err := tc.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			checkRequest(t, tc, f.only(t))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("output:\n got %+v\nwant %+v", got, tc.want)
			}
			if tc.full {
				if p := allSet(reflect.ValueOf(got), "output"); p != "" {
					t.Errorf("%s is not set: a full case must set every field", p)
				}
			}
		})
	}
	for i := range reflect.TypeFor[firn.Glacier]().NumMethod() {
		if name := reflect.TypeFor[firn.Glacier]().Method(i).Name; !covered[name] {
			t.Errorf("no case for %s", name)
		}
	}
}

func checkRequest(t *testing.T, tc opCase, r request) {
	t.Helper()
	if r.Method != tc.method || r.Path != tc.path {
		t.Errorf("request line: got %s %s, want %s %s", r.Method, r.Path, tc.method, tc.path)
	}
	wantQuery := tc.query
	if wantQuery == nil {
		wantQuery = url.Values{}
	}
	if !reflect.DeepEqual(r.Query, wantQuery) {
		t.Errorf("query: got %v, want %v", r.Query, wantQuery)
	}
	if got := r.Header.Get("X-Amz-Glacier-Version"); got != "2012-06-01" {
		t.Errorf("X-Amz-Glacier-Version: got %q", got)
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") {
		t.Errorf("Authorization: got %q", r.Header.Get("Authorization"))
	}
	for k, v := range tc.header {
		if got := r.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("header %s: got %q, want %q", k, got, v)
		}
	}
	for _, k := range tc.absent {
		if got, ok := r.Header[http.CanonicalHeaderKey(k)]; ok {
			t.Errorf("header %s: got %q, want none", k, got)
		}
	}
	switch {
	case tc.body == "":
		if len(r.Body) != 0 {
			t.Errorf("body: got %q, want none", r.Body)
		}
	case r.Header.Get("Content-Type") == "application/json":
		var got, want any
		if err := json.Unmarshal(r.Body, &got); err != nil {
			t.Fatalf("body %q: %v", r.Body, err)
		}
		if err := json.Unmarshal([]byte(tc.body), &want); err != nil {
			t.Fatalf("want body: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("body:\n got %s\nwant %s", r.Body, tc.body)
		}
	default:
		if string(r.Body) != tc.body {
			t.Errorf("body: got %q, want %q", r.Body, tc.body)
		}
	}
	// Every request with a body carries both checksums of it, signed.
	if len(r.Body) > 0 {
		if got, want := r.Header.Get("X-Amz-Content-Sha256"), sha256Hex(r.Body); got != want {
			t.Errorf("X-Amz-Content-Sha256: got %q, want %q", got, want)
		}
		if got, want := r.Header.Get("X-Amz-Sha256-Tree-Hash"), testkit.TreeHashHex(r.Body); got != want {
			t.Errorf("X-Amz-Sha256-Tree-Hash: got %q, want %q", got, want)
		}
		signed := signedHeaders(r.Header.Get("Authorization"))
		for _, h := range []string{"x-amz-content-sha256", "x-amz-sha256-tree-hash"} {
			if !slices.Contains(signed, h) {
				t.Errorf("%s is not signed: %v", h, signed)
			}
		}
	}
}
