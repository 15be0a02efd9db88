package server

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// TestOperations drives every operation through aws-sdk-go-v2 and checks
// the firn input the Glacier received and the output the SDK decoded.
func TestOperations(t *testing.T) {
	f, srv := startServer(t, Options{})
	c := sdkClient(srv, testKey, testSecret)
	ctx := context.Background()
	s := aws.String

	t.Run("CreateVault", func(t *testing.T) {
		f.respond("CreateVault", &firn.CreateVaultOutput{Location: "/111122223333/vaults/v1"}, nil)
		out, err := c.CreateVault(ctx, &glacier.CreateVaultInput{VaultName: s("v1")})
		must(t, err)
		wantCall(t, f, "CreateVault", &firn.CreateVaultInput{AccountId: "-", VaultName: "v1"})
		eq(t, "Location", aws.ToString(out.Location), "/111122223333/vaults/v1")
	})

	t.Run("DescribeVault", func(t *testing.T) {
		f.respond("DescribeVault", &firn.DescribeVaultOutput{
			VaultARN: "arn:aws:glacier:us-east-1:111122223333:vaults/v1", VaultName: "v1",
			CreationDate: t0, NumberOfArchives: 3, SizeInBytes: 1 << 40,
		}, nil)
		out, err := c.DescribeVault(ctx, &glacier.DescribeVaultInput{AccountId: s("123456789012"), VaultName: s("v1")})
		must(t, err)
		wantCall(t, f, "DescribeVault", &firn.DescribeVaultInput{AccountId: "123456789012", VaultName: "v1"})
		eq(t, "VaultARN", aws.ToString(out.VaultARN), "arn:aws:glacier:us-east-1:111122223333:vaults/v1")
		eq(t, "VaultName", aws.ToString(out.VaultName), "v1")
		eq(t, "CreationDate", aws.ToString(out.CreationDate), t0Wire)
		eq(t, "LastInventoryDate", out.LastInventoryDate, (*string)(nil))
		eq(t, "NumberOfArchives", out.NumberOfArchives, int64(3))
		eq(t, "SizeInBytes", out.SizeInBytes, int64(1<<40))
	})

	t.Run("ListVaults", func(t *testing.T) {
		f.respond("ListVaults", &firn.ListVaultsOutput{
			VaultList: []firn.DescribeVaultOutput{{VaultName: "a", CreationDate: t0, LastInventoryDate: t0}, {VaultName: "b"}},
			Marker:    "arn:aws:glacier:us-east-1:111122223333:vaults/b",
		}, nil)
		marker := "arn:aws:glacier:us-east-1:111122223333:vaults/a b"
		out, err := c.ListVaults(ctx, &glacier.ListVaultsInput{Limit: aws.Int32(2), Marker: &marker})
		must(t, err)
		wantCall(t, f, "ListVaults", &firn.ListVaultsInput{AccountId: "-", Limit: 2, Marker: marker})
		eq(t, "Marker", aws.ToString(out.Marker), "arn:aws:glacier:us-east-1:111122223333:vaults/b")
		eq(t, "len(VaultList)", len(out.VaultList), 2)
		eq(t, "VaultList[0].LastInventoryDate", aws.ToString(out.VaultList[0].LastInventoryDate), t0Wire)
		eq(t, "VaultList[1].VaultName", aws.ToString(out.VaultList[1].VaultName), "b")
		eq(t, "VaultList[1].CreationDate", out.VaultList[1].CreationDate, (*string)(nil))

		f.respond("ListVaults", &firn.ListVaultsOutput{}, nil)
		out, err = c.ListVaults(ctx, &glacier.ListVaultsInput{})
		must(t, err)
		wantCall(t, f, "ListVaults", &firn.ListVaultsInput{AccountId: "-"})
		eq(t, "Marker", out.Marker, (*string)(nil))
		eq(t, "len(VaultList)", len(out.VaultList), 0)
	})

	t.Run("DeleteVault", func(t *testing.T) {
		_, err := c.DeleteVault(ctx, &glacier.DeleteVaultInput{VaultName: s("v.1_-x")})
		must(t, err)
		wantCall(t, f, "DeleteVault", &firn.DeleteVaultInput{AccountId: "-", VaultName: "v.1_-x"})
	})

	t.Run("AddTagsToVault", func(t *testing.T) {
		_, err := c.AddTagsToVault(ctx, &glacier.AddTagsToVaultInput{VaultName: s("v1"), Tags: map[string]string{"a": "1", "b": ""}})
		must(t, err)
		wantCall(t, f, "AddTagsToVault", &firn.AddTagsToVaultInput{AccountId: "-", VaultName: "v1", Tags: map[string]string{"a": "1", "b": ""}})
	})

	t.Run("ListTagsForVault", func(t *testing.T) {
		f.respond("ListTagsForVault", &firn.ListTagsForVaultOutput{Tags: map[string]string{"k": "v"}}, nil)
		out, err := c.ListTagsForVault(ctx, &glacier.ListTagsForVaultInput{VaultName: s("v1")})
		must(t, err)
		wantCall(t, f, "ListTagsForVault", &firn.ListTagsForVaultInput{AccountId: "-", VaultName: "v1"})
		eq(t, "Tags", out.Tags, map[string]string{"k": "v"})
	})

	t.Run("RemoveTagsFromVault", func(t *testing.T) {
		_, err := c.RemoveTagsFromVault(ctx, &glacier.RemoveTagsFromVaultInput{VaultName: s("v1"), TagKeys: []string{"a", "b"}})
		must(t, err)
		wantCall(t, f, "RemoveTagsFromVault", &firn.RemoveTagsFromVaultInput{AccountId: "-", VaultName: "v1", TagKeys: []string{"a", "b"}})
	})

	t.Run("SetVaultNotifications", func(t *testing.T) {
		cfg := &types.VaultNotificationConfig{SNSTopic: s("arn:aws:sns:us-east-1:111122223333:t"), Events: []string{"ArchiveRetrievalCompleted"}}
		_, err := c.SetVaultNotifications(ctx, &glacier.SetVaultNotificationsInput{VaultName: s("v1"), VaultNotificationConfig: cfg})
		must(t, err)
		wantCall(t, f, "SetVaultNotifications", &firn.SetVaultNotificationsInput{AccountId: "-", VaultName: "v1",
			VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: "arn:aws:sns:us-east-1:111122223333:t", Events: []string{"ArchiveRetrievalCompleted"}}})
	})

	t.Run("GetVaultNotifications", func(t *testing.T) {
		f.respond("GetVaultNotifications", &firn.GetVaultNotificationsOutput{VaultNotificationConfig: firn.VaultNotificationConfig{
			SNSTopic: "arn:aws:sns:us-east-1:111122223333:t", Events: []string{"ArchiveRetrievalCompleted", "InventoryRetrievalCompleted"}}}, nil)
		out, err := c.GetVaultNotifications(ctx, &glacier.GetVaultNotificationsInput{VaultName: s("v1")})
		must(t, err)
		wantCall(t, f, "GetVaultNotifications", &firn.GetVaultNotificationsInput{AccountId: "-", VaultName: "v1"})
		eq(t, "SNSTopic", aws.ToString(out.VaultNotificationConfig.SNSTopic), "arn:aws:sns:us-east-1:111122223333:t")
		eq(t, "Events", out.VaultNotificationConfig.Events, []string{"ArchiveRetrievalCompleted", "InventoryRetrievalCompleted"})
	})

	t.Run("DeleteVaultNotifications", func(t *testing.T) {
		_, err := c.DeleteVaultNotifications(ctx, &glacier.DeleteVaultNotificationsInput{VaultName: s("v1")})
		must(t, err)
		wantCall(t, f, "DeleteVaultNotifications", &firn.DeleteVaultNotificationsInput{AccountId: "-", VaultName: "v1"})
	})

	const policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"glacier:ListJobs","Resource":"arn:aws:glacier:us-east-1:111122223333:vaults/v1","Condition":{"StringLike":{"aws:Referer":"<&>"}}}]}`

	t.Run("SetVaultAccessPolicy", func(t *testing.T) {
		_, err := c.SetVaultAccessPolicy(ctx, &glacier.SetVaultAccessPolicyInput{VaultName: s("v1"), Policy: &types.VaultAccessPolicy{Policy: s(policy)}})
		must(t, err)
		wantCall(t, f, "SetVaultAccessPolicy", &firn.SetVaultAccessPolicyInput{AccountId: "-", VaultName: "v1", Policy: &firn.VaultAccessPolicy{Policy: policy}})
	})

	t.Run("GetVaultAccessPolicy", func(t *testing.T) {
		f.respond("GetVaultAccessPolicy", &firn.GetVaultAccessPolicyOutput{Policy: firn.VaultAccessPolicy{Policy: policy}}, nil)
		out, err := c.GetVaultAccessPolicy(ctx, &glacier.GetVaultAccessPolicyInput{VaultName: s("v1")})
		must(t, err)
		wantCall(t, f, "GetVaultAccessPolicy", &firn.GetVaultAccessPolicyInput{AccountId: "-", VaultName: "v1"})
		eq(t, "Policy", aws.ToString(out.Policy.Policy), policy)
	})

	t.Run("DeleteVaultAccessPolicy", func(t *testing.T) {
		_, err := c.DeleteVaultAccessPolicy(ctx, &glacier.DeleteVaultAccessPolicyInput{VaultName: s("v1")})
		must(t, err)
		wantCall(t, f, "DeleteVaultAccessPolicy", &firn.DeleteVaultAccessPolicyInput{AccountId: "-", VaultName: "v1"})
	})

	t.Run("InitiateVaultLock", func(t *testing.T) {
		f.respond("InitiateVaultLock", &firn.InitiateVaultLockOutput{LockId: "AE863rKkWZU53SLW5be4DUcW"}, nil)
		out, err := c.InitiateVaultLock(ctx, &glacier.InitiateVaultLockInput{VaultName: s("v1"), Policy: &types.VaultLockPolicy{Policy: s(policy)}})
		must(t, err)
		wantCall(t, f, "InitiateVaultLock", &firn.InitiateVaultLockInput{AccountId: "-", VaultName: "v1", Policy: &firn.VaultLockPolicy{Policy: policy}})
		eq(t, "LockId", aws.ToString(out.LockId), "AE863rKkWZU53SLW5be4DUcW")
	})

	t.Run("CompleteVaultLock", func(t *testing.T) {
		_, err := c.CompleteVaultLock(ctx, &glacier.CompleteVaultLockInput{VaultName: s("v1"), LockId: s("AE863rKkWZU53SLW5be4DUcW")})
		must(t, err)
		wantCall(t, f, "CompleteVaultLock", &firn.CompleteVaultLockInput{AccountId: "-", VaultName: "v1", LockId: "AE863rKkWZU53SLW5be4DUcW"})
	})

	t.Run("AbortVaultLock", func(t *testing.T) {
		_, err := c.AbortVaultLock(ctx, &glacier.AbortVaultLockInput{VaultName: s("v1")})
		must(t, err)
		wantCall(t, f, "AbortVaultLock", &firn.AbortVaultLockInput{AccountId: "-", VaultName: "v1"})
	})

	t.Run("GetVaultLock", func(t *testing.T) {
		f.respond("GetVaultLock", &firn.GetVaultLockOutput{Policy: policy, State: firn.LockStateLocked, CreationDate: t0}, nil)
		out, err := c.GetVaultLock(ctx, &glacier.GetVaultLockInput{VaultName: s("v1")})
		must(t, err)
		wantCall(t, f, "GetVaultLock", &firn.GetVaultLockInput{AccountId: "-", VaultName: "v1"})
		eq(t, "Policy", aws.ToString(out.Policy), policy)
		eq(t, "State", aws.ToString(out.State), "Locked")
		eq(t, "CreationDate", aws.ToString(out.CreationDate), t0Wire)
		eq(t, "ExpirationDate", out.ExpirationDate, (*string)(nil))
	})

	t.Run("UploadArchive", func(t *testing.T) {
		f.respond("UploadArchive", &firn.UploadArchiveOutput{ArchiveId: "AID", Checksum: "beef", Location: "/111122223333/vaults/v1/archives/AID"}, nil)
		out, err := c.UploadArchive(ctx, &glacier.UploadArchiveInput{VaultName: s("v1"), ArchiveDescription: s("my desc"), Body: strings.NewReader("hello world")})
		must(t, err)
		call := wantCall(t, f, "UploadArchive", &firn.UploadArchiveInput{AccountId: "-", VaultName: "v1", ArchiveDescription: "my desc",
			Checksum: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"})
		eq(t, "body", string(call.body), "hello world")
		eq(t, "ArchiveId", aws.ToString(out.ArchiveId), "AID")
		eq(t, "Checksum", aws.ToString(out.Checksum), "beef")
		eq(t, "Location", aws.ToString(out.Location), "/111122223333/vaults/v1/archives/AID")
	})

	t.Run("UploadArchive/3MiB", func(t *testing.T) {
		// The tree-hash vector of 3 MiB of testkit.Pattern.
		data := testkit.Pattern(3 << 20)
		_, err := c.UploadArchive(ctx, &glacier.UploadArchiveInput{VaultName: s("v1"), Body: bytes.NewReader(data)})
		must(t, err)
		call := wantCall(t, f, "UploadArchive", &firn.UploadArchiveInput{AccountId: "-", VaultName: "v1",
			Checksum: "2e7d51c0ffe06ce95fe74beed9a4ab35d18837f4ab2a9f4f066a60359eb999a1"})
		if !bytes.Equal(call.body, data) || call.readErr != nil {
			t.Errorf("Glacier read %d bytes, err %v; want %d bytes", len(call.body), call.readErr, len(data))
		}
	})

	t.Run("DeleteArchive", func(t *testing.T) {
		_, err := c.DeleteArchive(ctx, &glacier.DeleteArchiveInput{VaultName: s("v1"), ArchiveId: s("AID/with+special=chars~and_- %")})
		must(t, err)
		wantCall(t, f, "DeleteArchive", &firn.DeleteArchiveInput{AccountId: "-", VaultName: "v1", ArchiveId: "AID/with+special=chars~and_- %"})
	})

	t.Run("InitiateMultipartUpload", func(t *testing.T) {
		f.respond("InitiateMultipartUpload", &firn.InitiateMultipartUploadOutput{UploadId: "UID", Location: "/111122223333/vaults/v1/multipart-uploads/UID"}, nil)
		out, err := c.InitiateMultipartUpload(ctx, &glacier.InitiateMultipartUploadInput{VaultName: s("v1"), ArchiveDescription: s("d"), PartSize: s("4194304")})
		must(t, err)
		wantCall(t, f, "InitiateMultipartUpload", &firn.InitiateMultipartUploadInput{AccountId: "-", VaultName: "v1", ArchiveDescription: "d", PartSize: 4 << 20})
		eq(t, "UploadId", aws.ToString(out.UploadId), "UID")
		eq(t, "Location", aws.ToString(out.Location), "/111122223333/vaults/v1/multipart-uploads/UID")
	})

	t.Run("UploadMultipartPart", func(t *testing.T) {
		f.respond("UploadMultipartPart", &firn.UploadMultipartPartOutput{Checksum: "36bbe50ed96841d10443bcb670d6554f0a34b761be67ec9c4a8ad2c0c44ca42c"}, nil)
		out, err := c.UploadMultipartPart(ctx, &glacier.UploadMultipartPartInput{VaultName: s("v1"), UploadId: s("UID"), Range: s("bytes 0-4/*"), Body: strings.NewReader("abcde")})
		must(t, err)
		call := wantCall(t, f, "UploadMultipartPart", &firn.UploadMultipartPartInput{AccountId: "-", VaultName: "v1", UploadId: "UID", Range: "bytes 0-4/*",
			Checksum: "36bbe50ed96841d10443bcb670d6554f0a34b761be67ec9c4a8ad2c0c44ca42c"})
		eq(t, "body", string(call.body), "abcde")
		eq(t, "Checksum", aws.ToString(out.Checksum), "36bbe50ed96841d10443bcb670d6554f0a34b761be67ec9c4a8ad2c0c44ca42c")
	})

	t.Run("CompleteMultipartUpload", func(t *testing.T) {
		f.respond("CompleteMultipartUpload", &firn.CompleteMultipartUploadOutput{ArchiveId: "AID", Checksum: "cafe", Location: "/111122223333/vaults/v1/archives/AID"}, nil)
		out, err := c.CompleteMultipartUpload(ctx, &glacier.CompleteMultipartUploadInput{VaultName: s("v1"), UploadId: s("UID"), ArchiveSize: s("5368709120"), Checksum: s("cafe")})
		must(t, err)
		wantCall(t, f, "CompleteMultipartUpload", &firn.CompleteMultipartUploadInput{AccountId: "-", VaultName: "v1", UploadId: "UID", ArchiveSize: 5 << 30, Checksum: "cafe"})
		eq(t, "ArchiveId", aws.ToString(out.ArchiveId), "AID")
		eq(t, "Checksum", aws.ToString(out.Checksum), "cafe")
		eq(t, "Location", aws.ToString(out.Location), "/111122223333/vaults/v1/archives/AID")
	})

	t.Run("AbortMultipartUpload", func(t *testing.T) {
		_, err := c.AbortMultipartUpload(ctx, &glacier.AbortMultipartUploadInput{VaultName: s("v1"), UploadId: s("UID")})
		must(t, err)
		wantCall(t, f, "AbortMultipartUpload", &firn.AbortMultipartUploadInput{AccountId: "-", VaultName: "v1", UploadId: "UID"})
	})

	t.Run("ListMultipartUploads", func(t *testing.T) {
		f.respond("ListMultipartUploads", &firn.ListMultipartUploadsOutput{
			UploadsList: []firn.UploadListElement{{MultipartUploadId: "U1", VaultARN: "arn:v", ArchiveDescription: "d", PartSizeInBytes: 1 << 20, CreationDate: t0}, {MultipartUploadId: "U2"}},
			Marker:      "U2",
		}, nil)
		out, err := c.ListMultipartUploads(ctx, &glacier.ListMultipartUploadsInput{VaultName: s("v1"), Limit: aws.Int32(2), Marker: s("U0")})
		must(t, err)
		wantCall(t, f, "ListMultipartUploads", &firn.ListMultipartUploadsInput{AccountId: "-", VaultName: "v1", Limit: 2, Marker: "U0"})
		eq(t, "Marker", aws.ToString(out.Marker), "U2")
		eq(t, "UploadsList[0]", out.UploadsList[0], types.UploadListElement{MultipartUploadId: s("U1"), VaultARN: s("arn:v"), ArchiveDescription: s("d"), PartSizeInBytes: 1 << 20, CreationDate: s(t0Wire)})
		eq(t, "UploadsList[1]", out.UploadsList[1], types.UploadListElement{MultipartUploadId: s("U2")})
	})

	t.Run("ListParts", func(t *testing.T) {
		f.respond("ListParts", &firn.ListPartsOutput{
			MultipartUploadId: "UID", VaultARN: "arn:v", PartSizeInBytes: 4 << 20, CreationDate: t0,
			Parts: []firn.PartListElement{{RangeInBytes: "0-4194303", SHA256TreeHash: "01"}},
		}, nil)
		out, err := c.ListParts(ctx, &glacier.ListPartsInput{VaultName: s("v1"), UploadId: s("UID"), Limit: aws.Int32(1000)})
		must(t, err)
		wantCall(t, f, "ListParts", &firn.ListPartsInput{AccountId: "-", VaultName: "v1", UploadId: "UID", Limit: 1000})
		eq(t, "MultipartUploadId", aws.ToString(out.MultipartUploadId), "UID")
		eq(t, "VaultARN", aws.ToString(out.VaultARN), "arn:v")
		eq(t, "ArchiveDescription", out.ArchiveDescription, (*string)(nil))
		eq(t, "Marker", out.Marker, (*string)(nil))
		eq(t, "PartSizeInBytes", out.PartSizeInBytes, int64(4<<20))
		eq(t, "CreationDate", aws.ToString(out.CreationDate), t0Wire)
		eq(t, "Parts", out.Parts, []types.PartListElement{{RangeInBytes: s("0-4194303"), SHA256TreeHash: s("01")}})
	})

	selectParams := &types.SelectParameters{
		Expression:     s("select * from archive"),
		ExpressionType: types.ExpressionTypeSql,
		InputSerialization: &types.InputSerialization{Csv: &types.CSVInput{
			FileHeaderInfo: types.FileHeaderInfoUse, Comments: s("#"), QuoteEscapeCharacter: s("\\"),
			RecordDelimiter: s("\n"), FieldDelimiter: s(","), QuoteCharacter: s("\""),
		}},
		OutputSerialization: &types.OutputSerialization{Csv: &types.CSVOutput{
			QuoteFields: types.QuoteFieldsAlways, QuoteEscapeCharacter: s("\\"), RecordDelimiter: s("\n"), FieldDelimiter: s(";"), QuoteCharacter: s("'"),
		}},
	}
	outputLocation := &types.OutputLocation{S3: &types.S3Location{
		BucketName: s("bucket"), Prefix: s("out/"), CannedACL: types.CannedACLBucketOwnerRead, StorageClass: types.StorageClassStandardInfrequentAccess,
		Encryption: &types.Encryption{EncryptionType: types.EncryptionTypeKms, KMSKeyId: s("key"), KMSContext: s("ctx")},
		AccessControlList: []types.Grant{
			{Grantee: &types.Grantee{Type: types.TypeCanonicalUser, ID: s("id1"), DisplayName: s("n")}, Permission: types.PermissionRead},
			{Grantee: &types.Grantee{Type: types.TypeGroup, URI: s("http://acs.amazonaws.com/groups/global/AllUsers")}, Permission: types.PermissionReadAcp},
			{Grantee: &types.Grantee{Type: types.TypeAmazonCustomerByEmail, EmailAddress: s("a@example.com")}, Permission: types.PermissionFullControl},
		},
		Tagging:      map[string]string{"t": "1"},
		UserMetadata: map[string]string{"m": "2"},
	}}
	firnSelect := &firn.SelectParameters{
		Expression: "select * from archive", ExpressionType: "SQL",
		InputSerialization: &firn.InputSerialization{CSV: &firn.CSVInput{
			FileHeaderInfo: "USE", Comments: "#", QuoteEscapeCharacter: "\\", RecordDelimiter: "\n", FieldDelimiter: ",", QuoteCharacter: "\"",
		}},
		OutputSerialization: &firn.OutputSerialization{CSV: &firn.CSVOutput{
			QuoteFields: "ALWAYS", QuoteEscapeCharacter: "\\", RecordDelimiter: "\n", FieldDelimiter: ";", QuoteCharacter: "'",
		}},
	}
	firnLocation := &firn.OutputLocation{S3: &firn.S3Location{
		BucketName: "bucket", Prefix: "out/", CannedACL: "bucket-owner-read", StorageClass: "STANDARD_IA",
		Encryption: &firn.Encryption{EncryptionType: "aws:kms", KMSKeyId: "key", KMSContext: "ctx"},
		AccessControlList: []firn.Grant{
			{Grantee: &firn.Grantee{Type: "CanonicalUser", ID: "id1", DisplayName: "n"}, Permission: "READ"},
			{Grantee: &firn.Grantee{Type: "Group", URI: "http://acs.amazonaws.com/groups/global/AllUsers"}, Permission: "READ_ACP"},
			{Grantee: &firn.Grantee{Type: "AmazonCustomerByEmail", EmailAddress: "a@example.com"}, Permission: "FULL_CONTROL"},
		},
		Tagging:      map[string]string{"t": "1"},
		UserMetadata: map[string]string{"m": "2"},
	}}

	t.Run("InitiateJob/inventory", func(t *testing.T) {
		f.respond("InitiateJob", &firn.InitiateJobOutput{JobId: "JID", Location: "/111122223333/vaults/v1/jobs/JID"}, nil)
		out, err := c.InitiateJob(ctx, &glacier.InitiateJobInput{VaultName: s("v1"), JobParameters: &types.JobParameters{
			Type: s("inventory-retrieval"), Format: s("CSV"), Description: s("inv"), SNSTopic: s("arn:aws:sns:us-east-1:111122223333:t"), Tier: s("Bulk"),
			InventoryRetrievalParameters: &types.InventoryRetrievalJobInput{StartDate: s("2013-12-04T21:25:42Z"), EndDate: s("2013-12-05T21:25:42Z"), Limit: s("10"), Marker: s("m")},
		}})
		must(t, err)
		wantCall(t, f, "InitiateJob", &firn.InitiateJobInput{AccountId: "-", VaultName: "v1", JobParameters: firn.JobParameters{
			Type: "inventory-retrieval", Format: "CSV", Description: "inv", SNSTopic: "arn:aws:sns:us-east-1:111122223333:t", Tier: "Bulk",
			InventoryRetrievalParameters: &firn.InventoryRetrievalJobInput{StartDate: "2013-12-04T21:25:42Z", EndDate: "2013-12-05T21:25:42Z", Limit: "10", Marker: "m"},
		}})
		eq(t, "JobId", aws.ToString(out.JobId), "JID")
		eq(t, "Location", aws.ToString(out.Location), "/111122223333/vaults/v1/jobs/JID")
		eq(t, "JobOutputPath", out.JobOutputPath, (*string)(nil))
	})

	t.Run("InitiateJob/select", func(t *testing.T) {
		f.respond("InitiateJob", &firn.InitiateJobOutput{JobId: "JID", Location: "/111122223333/vaults/v1/jobs/JID", JobOutputPath: "out/JID"}, nil)
		out, err := c.InitiateJob(ctx, &glacier.InitiateJobInput{VaultName: s("v1"), JobParameters: &types.JobParameters{
			Type: s("select"), ArchiveId: s("AID"), Tier: s("Expedited"), RetrievalByteRange: s("0-1048575"),
			SelectParameters: selectParams, OutputLocation: outputLocation,
		}})
		must(t, err)
		wantCall(t, f, "InitiateJob", &firn.InitiateJobInput{AccountId: "-", VaultName: "v1", JobParameters: firn.JobParameters{
			Type: "select", ArchiveId: "AID", Tier: "Expedited", RetrievalByteRange: "0-1048575",
			SelectParameters: firnSelect, OutputLocation: firnLocation,
		}})
		eq(t, "JobOutputPath", aws.ToString(out.JobOutputPath), "out/JID")
	})

	t.Run("DescribeJob/archive", func(t *testing.T) {
		f.respond("DescribeJob", &firn.DescribeJobOutput{
			JobId: "JID", Action: firn.ActionArchiveRetrieval, ArchiveId: "AID", VaultARN: "arn:v", CreationDate: t0, CompletionDate: t0,
			Completed: true, StatusCode: firn.StatusSucceeded, StatusMessage: "Succeeded", ArchiveSizeInBytes: 5 << 20,
			SHA256TreeHash: "aa", ArchiveSHA256TreeHash: "bb", RetrievalByteRange: "0-5242879", Tier: "Standard",
		}, nil)
		out, err := c.DescribeJob(ctx, &glacier.DescribeJobInput{VaultName: s("v1"), JobId: s("JID")})
		must(t, err)
		wantCall(t, f, "DescribeJob", &firn.DescribeJobInput{AccountId: "-", VaultName: "v1", JobId: "JID"})
		eq(t, "Action", out.Action, types.ActionCodeArchiveRetrieval)
		eq(t, "ArchiveId", aws.ToString(out.ArchiveId), "AID")
		eq(t, "Completed", out.Completed, true)
		eq(t, "CompletionDate", aws.ToString(out.CompletionDate), t0Wire)
		eq(t, "StatusCode", out.StatusCode, types.StatusCodeSucceeded)
		eq(t, "ArchiveSizeInBytes", aws.ToInt64(out.ArchiveSizeInBytes), int64(5<<20))
		eq(t, "InventorySizeInBytes", out.InventorySizeInBytes, (*int64)(nil))
		eq(t, "SHA256TreeHash", aws.ToString(out.SHA256TreeHash), "aa")
		eq(t, "ArchiveSHA256TreeHash", aws.ToString(out.ArchiveSHA256TreeHash), "bb")
		eq(t, "RetrievalByteRange", aws.ToString(out.RetrievalByteRange), "0-5242879")
		eq(t, "JobDescription", out.JobDescription, (*string)(nil))
		eq(t, "SNSTopic", out.SNSTopic, (*string)(nil))
		eq(t, "InventoryRetrievalParameters", out.InventoryRetrievalParameters, (*types.InventoryRetrievalJobDescription)(nil))
		eq(t, "SelectParameters", out.SelectParameters, (*types.SelectParameters)(nil))
	})

	t.Run("DescribeJob/select", func(t *testing.T) {
		f.respond("DescribeJob", &firn.DescribeJobOutput{
			JobId: "JID", Action: firn.ActionSelect, ArchiveId: "AID", StatusCode: firn.StatusInProgress,
			JobOutputPath: "out/JID", SelectParameters: firnSelect, OutputLocation: firnLocation,
		}, nil)
		out, err := c.DescribeJob(ctx, &glacier.DescribeJobInput{VaultName: s("v1"), JobId: s("JID")})
		must(t, err)
		eq(t, "Completed", out.Completed, false)
		eq(t, "CompletionDate", out.CompletionDate, (*string)(nil))
		eq(t, "JobOutputPath", aws.ToString(out.JobOutputPath), "out/JID")
		eq(t, "SelectParameters", out.SelectParameters, selectParams)
		eq(t, "OutputLocation", out.OutputLocation, outputLocation)
	})

	t.Run("ListJobs", func(t *testing.T) {
		f.respond("ListJobs", &firn.ListJobsOutput{JobList: []firn.GlacierJobDescription{{
			JobId: "J1", Action: firn.ActionInventoryRetrieval, StatusCode: firn.StatusSucceeded, Completed: true, InventorySizeInBytes: 120,
			InventoryRetrievalParameters: &firn.InventoryRetrievalJobDescription{Format: "JSON", Limit: "2", Marker: "next"},
		}}, Marker: "J1"}, nil)
		out, err := c.ListJobs(ctx, &glacier.ListJobsInput{VaultName: s("v1"), Limit: aws.Int32(5), Marker: s("J0"), Statuscode: s("Succeeded"), Completed: s("true")})
		must(t, err)
		wantCall(t, f, "ListJobs", &firn.ListJobsInput{AccountId: "-", VaultName: "v1", Limit: 5, Marker: "J0", Statuscode: "Succeeded", Completed: new(true)})
		eq(t, "Marker", aws.ToString(out.Marker), "J1")
		j := out.JobList[0]
		eq(t, "Action", j.Action, types.ActionCodeInventoryRetrieval)
		eq(t, "InventorySizeInBytes", aws.ToInt64(j.InventorySizeInBytes), int64(120))
		eq(t, "ArchiveSizeInBytes", j.ArchiveSizeInBytes, (*int64)(nil))
		eq(t, "ArchiveId", j.ArchiveId, (*string)(nil))
		eq(t, "InventoryRetrievalParameters", j.InventoryRetrievalParameters, &types.InventoryRetrievalJobDescription{Format: s("JSON"), Limit: s("2"), Marker: s("next")})

		_, err = c.ListJobs(ctx, &glacier.ListJobsInput{VaultName: s("v1"), Completed: s("false")})
		must(t, err)
		wantCall(t, f, "ListJobs", &firn.ListJobsInput{AccountId: "-", VaultName: "v1", Completed: new(false)})
	})

	t.Run("GetJobOutput", func(t *testing.T) {
		f.respond("GetJobOutput", &firn.GetJobOutputOutput{
			Body: io.NopCloser(strings.NewReader("abc")), Status: 206, ContentRange: "bytes 0-2/10", AcceptRanges: "bytes",
			ContentType: "application/octet-stream", Checksum: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ArchiveDescription: "my desc",
		}, nil)
		out, err := c.GetJobOutput(ctx, &glacier.GetJobOutputInput{VaultName: s("v1"), JobId: s("JID"), Range: s("bytes=0-2")})
		must(t, err)
		defer out.Body.Close()
		wantCall(t, f, "GetJobOutput", &firn.GetJobOutputInput{AccountId: "-", VaultName: "v1", JobId: "JID", Range: "bytes=0-2"})
		data, err := io.ReadAll(out.Body)
		must(t, err)
		eq(t, "body", string(data), "abc")
		eq(t, "Status", out.Status, int32(206))
		eq(t, "ContentRange", aws.ToString(out.ContentRange), "bytes 0-2/10")
		eq(t, "AcceptRanges", aws.ToString(out.AcceptRanges), "bytes")
		eq(t, "ContentType", aws.ToString(out.ContentType), "application/octet-stream")
		eq(t, "Checksum", aws.ToString(out.Checksum), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
		eq(t, "ArchiveDescription", aws.ToString(out.ArchiveDescription), "my desc")
	})

	t.Run("GetJobOutput/inventory", func(t *testing.T) {
		f.respond("GetJobOutput", &firn.GetJobOutputOutput{
			Body: io.NopCloser(strings.NewReader(`{"ArchiveList":[]}`)), Status: 200, AcceptRanges: "bytes", ContentType: "application/json",
		}, nil)
		out, err := c.GetJobOutput(ctx, &glacier.GetJobOutputInput{VaultName: s("v1"), JobId: s("JID")})
		must(t, err)
		defer out.Body.Close()
		data, err := io.ReadAll(out.Body)
		must(t, err)
		eq(t, "body", string(data), `{"ArchiveList":[]}`)
		eq(t, "Status", out.Status, int32(200))
		eq(t, "ContentType", aws.ToString(out.ContentType), "application/json")
		eq(t, "Checksum", out.Checksum, (*string)(nil))
		eq(t, "ContentRange", out.ContentRange, (*string)(nil))
		eq(t, "ArchiveDescription", out.ArchiveDescription, (*string)(nil))
	})

	t.Run("SetDataRetrievalPolicy", func(t *testing.T) {
		_, err := c.SetDataRetrievalPolicy(ctx, &glacier.SetDataRetrievalPolicyInput{Policy: &types.DataRetrievalPolicy{
			Rules: []types.DataRetrievalRule{{Strategy: s("BytesPerHour"), BytesPerHour: aws.Int64(10737418240)}}}})
		must(t, err)
		wantCall(t, f, "SetDataRetrievalPolicy", &firn.SetDataRetrievalPolicyInput{AccountId: "-", Policy: &firn.DataRetrievalPolicy{
			Rules: []firn.DataRetrievalRule{{Strategy: "BytesPerHour", BytesPerHour: new(int64(10737418240))}}}})

		_, err = c.SetDataRetrievalPolicy(ctx, &glacier.SetDataRetrievalPolicyInput{Policy: &types.DataRetrievalPolicy{
			Rules: []types.DataRetrievalRule{{Strategy: s("FreeTier")}}}})
		must(t, err)
		wantCall(t, f, "SetDataRetrievalPolicy", &firn.SetDataRetrievalPolicyInput{AccountId: "-", Policy: &firn.DataRetrievalPolicy{
			Rules: []firn.DataRetrievalRule{{Strategy: "FreeTier"}}}})
	})

	t.Run("GetDataRetrievalPolicy", func(t *testing.T) {
		f.respond("GetDataRetrievalPolicy", &firn.GetDataRetrievalPolicyOutput{Policy: firn.DataRetrievalPolicy{
			Rules: []firn.DataRetrievalRule{{Strategy: "BytesPerHour", BytesPerHour: new(int64(1 << 30))}}}}, nil)
		out, err := c.GetDataRetrievalPolicy(ctx, &glacier.GetDataRetrievalPolicyInput{})
		must(t, err)
		wantCall(t, f, "GetDataRetrievalPolicy", &firn.GetDataRetrievalPolicyInput{AccountId: "-"})
		eq(t, "Rules", out.Policy.Rules, []types.DataRetrievalRule{{Strategy: s("BytesPerHour"), BytesPerHour: aws.Int64(1 << 30)}})
	})

	t.Run("PurchaseProvisionedCapacity", func(t *testing.T) {
		f.respond("PurchaseProvisionedCapacity", &firn.PurchaseProvisionedCapacityOutput{CapacityId: "zSaq7NzHFQDANTfQkDen4V7z"}, nil)
		out, err := c.PurchaseProvisionedCapacity(ctx, &glacier.PurchaseProvisionedCapacityInput{AccountId: s("123456789012")})
		must(t, err)
		wantCall(t, f, "PurchaseProvisionedCapacity", &firn.PurchaseProvisionedCapacityInput{AccountId: "123456789012"})
		eq(t, "CapacityId", aws.ToString(out.CapacityId), "zSaq7NzHFQDANTfQkDen4V7z")
	})

	t.Run("ListProvisionedCapacity", func(t *testing.T) {
		f.respond("ListProvisionedCapacity", &firn.ListProvisionedCapacityOutput{ProvisionedCapacityList: []firn.ProvisionedCapacityDescription{
			{CapacityId: "C1", StartDate: t0, ExpirationDate: t0.AddDate(0, 1, 0)}}}, nil)
		out, err := c.ListProvisionedCapacity(ctx, &glacier.ListProvisionedCapacityInput{})
		must(t, err)
		wantCall(t, f, "ListProvisionedCapacity", &firn.ListProvisionedCapacityInput{AccountId: "-"})
		eq(t, "ProvisionedCapacityList", out.ProvisionedCapacityList, []types.ProvisionedCapacityDescription{
			{CapacityId: s("C1"), StartDate: s(t0Wire), ExpirationDate: s("2012-04-20T17:03:43.221Z")}})
	})

	// Payload members the SDK sends as {} when unset.
	t.Run("EmptyPayloads", func(t *testing.T) {
		_, err := c.SetVaultAccessPolicy(ctx, &glacier.SetVaultAccessPolicyInput{VaultName: s("v1")})
		must(t, err)
		wantCall(t, f, "SetVaultAccessPolicy", &firn.SetVaultAccessPolicyInput{AccountId: "-", VaultName: "v1", Policy: &firn.VaultAccessPolicy{}})
		_, err = c.InitiateJob(ctx, &glacier.InitiateJobInput{VaultName: s("v1")})
		must(t, err)
		wantCall(t, f, "InitiateJob", &firn.InitiateJobInput{AccountId: "-", VaultName: "v1"})
		_, err = c.SetDataRetrievalPolicy(ctx, &glacier.SetDataRetrievalPolicyInput{})
		must(t, err)
		wantCall(t, f, "SetDataRetrievalPolicy", &firn.SetDataRetrievalPolicyInput{AccountId: "-"})
	})

	t.Run("Paginator", func(t *testing.T) {
		f.respond("ListVaults", &firn.ListVaultsOutput{VaultList: []firn.DescribeVaultOutput{{VaultName: "a"}}}, nil)
		p := glacier.NewListVaultsPaginator(c, &glacier.ListVaultsInput{})
		pages := 0
		for p.HasMorePages() {
			_, err := p.NextPage(ctx)
			must(t, err)
			pages++
		}
		eq(t, "pages", pages, 1)
	})

	// Every call so far came without TLS, credentials or principal.
	for _, call := range f.calls {
		if call.secure || call.principal != "" {
			t.Errorf("%s: secure %v, principal %q; want insecure and none", call.op, call.secure, call.principal)
		}
	}
}
