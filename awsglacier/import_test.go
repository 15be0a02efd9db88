package awsglacier

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/server"
)

// importer is a Glacier that can only import: it records its last call.
type importer struct {
	firn.Glacier // nil: the tests call nothing else
	mu           sync.Mutex
	in           any
	body         string
	principal    string
	err          error
}

func (f *importer) ImportArchive(ctx context.Context, in *firn.ImportArchiveInput) (*firn.ImportArchiveOutput, error) {
	b, err := io.ReadAll(in.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.in, f.body = in, string(b)
	f.principal, _ = firn.PrincipalFrom(ctx)
	if err != nil {
		return nil, err
	}
	if f.err != nil {
		return nil, f.err
	}
	return &firn.ImportArchiveOutput{ArchiveId: in.ArchiveId, Checksum: in.Checksum, Location: "/" + in.AccountId + "/vaults/" + in.VaultName + "/archives/" + in.ArchiveId, Imported: true}, nil
}

func (f *importer) DescribeArchive(ctx context.Context, in *firn.DescribeArchiveInput) (*firn.DescribeArchiveOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.in = in
	if f.err != nil {
		return nil, f.err
	}
	return &firn.DescribeArchiveOutput{ArchiveId: in.ArchiveId, ArchiveDescription: " café\tdesc ", CreationDate: time.Date(2012, 3, 20, 17, 3, 43, 221e6, time.UTC), Size: 11, SHA256TreeHash: helloTreeHash}, nil
}

const (
	helloTreeHash = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
	importAccount = "111122223333"
	aliceARN      = "arn:aws:iam::111122223333:user/alice"
)

// importServer serves f behind a real server.New that lets alice import;
// it returns clients signing as alice and as bob.
func importServer(t *testing.T, f *importer) (alice, bob *Client) {
	t.Helper()
	h := server.New(f, server.Options{
		Logger: slog.New(slog.DiscardHandler),
		Credentials: map[string]server.Credential{
			"ALICE": {SecretKey: "s1", AccountID: importAccount, PrincipalARN: aliceARN},
			"BOB":   {SecretKey: "s2", AccountID: importAccount, PrincipalARN: "arn:aws:iam::111122223333:user/bob"},
		},
		ImportPrincipals: []string{aliceARN},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client := func(key, secret string) *Client {
		return NewFromConfig(aws.Config{
			HTTPClient: srv.Client(),
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, nil
			}),
		}, srv.URL)
	}
	return client("ALICE", "s1"), client("BOB", "s2")
}

func TestImportArchiveRoundTrip(t *testing.T) {
	f := &importer{}
	alice, bob := importServer(t, f)
	ctx := context.Background()
	created := time.Date(2012, 3, 20, 17, 3, 43, 221e6, time.UTC)
	id := strings.Repeat("aZ9-_", 27) + "abc" // 138 characters, as Glacier's
	desc := " café\t100% \"ünïcode\" / + "
	in := &firn.ImportArchiveInput{
		VaultName: "v1", ArchiveId: id, ArchiveDescription: desc, CreationDate: created.In(time.FixedZone("x", 7200)),
		Checksum: helloTreeHash, Size: 11, Body: onlyReader{strings.NewReader("hello world")},
	}
	out, err := alice.ImportArchive(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := firn.ImportArchiveOutput{ArchiveId: id, Checksum: helloTreeHash, Location: "/" + importAccount + "/vaults/v1/archives/" + id, Imported: true}
	if *out != want {
		t.Errorf("output %+v, want %+v", out, want)
	}
	got := f.in.(*firn.ImportArchiveInput)
	if got.AccountId != importAccount || got.VaultName != "v1" || got.ArchiveId != id || got.ArchiveDescription != desc ||
		!got.CreationDate.Equal(created) || got.Checksum != helloTreeHash || got.Size != 11 || f.body != "hello world" || f.principal != aliceARN {
		t.Errorf("server got %+v, body %q, principal %s", got, f.body, f.principal)
	}

	d, err := alice.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v1", ArchiveId: id})
	if err != nil {
		t.Fatal(err)
	}
	wantD := firn.DescribeArchiveOutput{ArchiveId: id, ArchiveDescription: " café\tdesc ", CreationDate: created, Size: 11, SHA256TreeHash: helloTreeHash}
	if *d != wantD {
		t.Errorf("DescribeArchive %+v, want %+v", d, wantD)
	}

	// Errors keep the server's code and message, and the HTTP status.
	f.err = firn.Errorf(firn.CodeResourceNotFound, "Archive not found: %s", id)
	_, err = alice.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v1", ArchiveId: id})
	wantImportError(t, err, firn.CodeResourceNotFound, "Archive not found", 404)
	_, err = bob.ImportArchive(ctx, &firn.ImportArchiveInput{VaultName: "v1", ArchiveId: id, Checksum: helloTreeHash, Size: 11, CreationDate: created, Body: strings.NewReader("hello world")})
	wantImportError(t, err, firn.CodeAccessDenied, "user/bob may not import", 403)
	_, err = bob.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v1", ArchiveId: id})
	wantImportError(t, err, firn.CodeAccessDenied, "user/bob may not import", 403)
}

func TestImportArchiveRefusedLocally(t *testing.T) {
	f := &importer{}
	alice, _ := importServer(t, f)
	ctx := context.Background()
	ok := firn.ImportArchiveInput{VaultName: "v", ArchiveId: "a", Checksum: helloTreeHash, Size: 11}
	for _, tt := range []struct {
		edit func(*firn.ImportArchiveInput)
		code firn.Code
		msg  string
	}{
		{func(in *firn.ImportArchiveInput) { in.VaultName = "" }, firn.CodeMissingParameterValue, "VaultName"},
		{func(in *firn.ImportArchiveInput) { in.ArchiveId = "" }, firn.CodeMissingParameterValue, "ArchiveId"},
		{func(in *firn.ImportArchiveInput) { in.Checksum = "" }, firn.CodeMissingParameterValue, "Checksum"},
		{func(in *firn.ImportArchiveInput) { in.Body = nil }, firn.CodeMissingParameterValue, "Body"},
		{func(in *firn.ImportArchiveInput) { in.Size = 12 }, firn.CodeInvalidParameterValue, "Invalid Size: 12; the body is 11 bytes"},
	} {
		in := ok
		in.Body = strings.NewReader("hello world")
		tt.edit(&in)
		_, err := alice.ImportArchive(ctx, &in)
		var fe *firn.Error
		if !errors.As(err, &fe) || fe.Code != tt.code || !strings.Contains(fe.Message, tt.msg) {
			t.Errorf("%+v: %v, want %s naming %s", in, err, tt.code, tt.msg)
		}
	}
	if f.in != nil {
		t.Errorf("server called with %+v", f.in)
	}
}

func wantImportError(t *testing.T, err error, code firn.Code, msg string, status int) {
	t.Helper()
	var fe *firn.Error
	var re *awshttp.ResponseError
	switch {
	case !errors.As(err, &fe):
		t.Errorf("error %v (%T), want *firn.Error", err, err)
	case fe.Code != code || !strings.Contains(fe.Message, msg):
		t.Errorf("error %q %q, want %s with %q", fe.Code, fe.Message, code, msg)
	case !errors.As(err, &re) || re.HTTPStatusCode() != status || re.RequestID == "":
		t.Errorf("error %v: no response error of status %d with a request ID", err, status)
	}
}
