package server_test

import (
	"cmp"
	"context"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest/conformance"
	"github.com/firnstore/firn/internal/enginetarget"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/server"
)

// TestConformance runs the conformance suite over the wire: an engine
// behind the REST server, called through aws-sdk-go-v2 (package
// awsglacier), with SigV4 verification on. Each principal of the suite
// signs with its own credentials, and calls marked insecure go over plain
// HTTP instead of TLS.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite over HTTP")
	}
	conformance.Run(t, func(t *testing.T) *conformance.Target {
		return httpTarget(t, enginetarget.New(t, engine.Options{}))
	})
}

// httpTarget serves an engine target's engine over HTTPS and HTTP.
func httpTarget(t *testing.T, tg *conformance.Target) *conformance.Target {
	t.Helper()
	var h atomic.Pointer[http.Handler]
	account := cmp.Or(tg.Account, engine.DefaultAccountID)
	serve := func(g firn.Glacier) {
		hh := server.New(g, server.Options{
			Logger:           slog.New(slog.DiscardHandler),
			CredentialLookup: lookupPrincipal,
			// The suite's Importer rules import as the account's root.
			ImportPrincipals: []string{"arn:aws:iam::" + account + ":root"},
		})
		h.Store(&hh)
	}
	serve(tg.Glacier)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*h.Load()).ServeHTTP(w, r) })
	secure, plain := httptest.NewTLSServer(handler), httptest.NewServer(handler)
	t.Cleanup(func() {
		secure.Close()
		plain.Close()
	})
	p := &principalClients{account: account, region: cmp.Or(tg.Region, engine.DefaultRegion), secure: secure, plain: plain}
	engineReopen, engineWithLimits := tg.Reopen, tg.WithLimits
	tg.Glacier = p
	tg.Reopen = func(t *testing.T) firn.Glacier {
		serve(engineReopen(t))
		return p
	}
	tg.WithLimits = func(t *testing.T, l conformance.Limits) *conformance.Target {
		return httpTarget(t, engineWithLimits(t, l))
	}
	return tg
}

// Access keys name their principal: the key is the hex of the principal's
// ARN, so that the server can look up principals the suite makes up.

func accessKey(principal string) string {
	return "FIRN" + strings.ToUpper(hex.EncodeToString([]byte(principal)))
}

const testSecret = "conformance-secret"

func lookupPrincipal(key string) (server.Credential, bool) {
	arn, err := hex.DecodeString(strings.TrimPrefix(key, "FIRN"))
	if err != nil || !strings.HasPrefix(key, "FIRN") {
		return server.Credential{}, false
	}
	parts := strings.SplitN(string(arn), ":", 6)
	if len(parts) != 6 {
		return server.Credential{}, false
	}
	return server.Credential{SecretKey: testSecret, AccountID: parts[4], PrincipalARN: string(arn)}, true
}

//go:generate go run ../internal/testkit/forwardgen -type principalClients -func send -o principalclients_glacier_test.go

// principalClients is a firn.Glacier that sends each call through a client
// signed as the call's principal (firn.PrincipalFrom; by default the root of
// the account in the request, as the engine assumes), over TLS unless the
// context says otherwise (firn.SecureTransportFrom).
type principalClients struct {
	account, region string
	secure, plain   *httptest.Server
	clients         sync.Map // principal + "|" + scheme -> *awsglacier.Client
}

func (p *principalClients) client(ctx context.Context, account string) firn.Glacier {
	principal, ok := firn.PrincipalFrom(ctx)
	if !ok {
		if account == "" || account == "-" {
			account = p.account
		}
		principal = "arn:aws:iam::" + account + ":root"
	}
	srv := p.secure
	if !firn.SecureTransportFrom(ctx) {
		srv = p.plain
	}
	key := principal + "|" + srv.URL
	if c, ok := p.clients.Load(key); ok {
		return c.(*awsglacier.Client)
	}
	creds := aws.Credentials{AccessKeyID: accessKey(principal), SecretAccessKey: testSecret}
	c := awsglacier.NewFromConfig(aws.Config{
		Region:      p.region,
		HTTPClient:  srv.Client(),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil }),
	}, srv.URL)
	actual, _ := p.clients.LoadOrStore(key, c)
	return actual.(*awsglacier.Client)
}

// send sends a call of op, the method of firn.Glacier that gives its types,
// through the client of the call's principal. Every input of the API has an
// AccountId, the account of the default principal. principalClients'
// methods (principalclients_glacier_test.go) call it.
func send[I, O any](p *principalClients, ctx context.Context, _ string, in *I, op func(firn.Glacier, context.Context, *I) (*O, error)) (*O, error) {
	account := reflect.ValueOf(in).Elem().FieldByName("AccountId").Interface().(string)
	return op(p.client(ctx, account), ctx, in)
}

// ImportArchive implements firn.Importer, so that the suite's Importer
// rules run over the wire, through awsglacier's client of the extension.
func (p *principalClients) ImportArchive(ctx context.Context, in *firn.ImportArchiveInput) (*firn.ImportArchiveOutput, error) {
	return p.client(ctx, in.AccountId).(firn.Importer).ImportArchive(ctx, in)
}

// DescribeArchive implements firn.Importer.
func (p *principalClients) DescribeArchive(ctx context.Context, in *firn.DescribeArchiveInput) (*firn.DescribeArchiveOutput, error) {
	return p.client(ctx, in.AccountId).(firn.Importer).DescribeArchive(ctx, in)
}

func TestPrincipalClientsGenerated(t *testing.T) {
	testkit.CheckForwarder(t, "principalclients_glacier_test.go", "server_test", "principalClients", "send")
}
