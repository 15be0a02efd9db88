package awsglacier_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
)

// report works on any implementation of the Glacier API.
func report(ctx context.Context, g firn.Glacier, vault string) {
	out, err := g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: vault})
	switch {
	case errors.Is(err, firn.ErrResourceNotFound):
		fmt.Println(vault, "does not exist")
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println(out.VaultName, out.CreationDate, out.NumberOfArchives, out.LastInventoryDate.IsZero())
	}
}

// The same code runs on the embedded engine (g = an *engine.Engine) and over
// HTTP. Here the service is a stand-in answering as Glacier does; aim
// NewFromConfig at a Firn REST server's URL, or pass "" and a config from
// config.LoadDefaultConfig for Amazon S3 Glacier.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/-/vaults/photos" {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"code":"ResourceNotFoundException","message":"Vault not found","type":"Client"}`)
			return
		}
		io.WriteString(w, `{"VaultARN":"arn:aws:glacier:us-east-1:111122223333:vaults/photos","VaultName":"photos",
			"CreationDate":"2026-01-02T03:04:05.678Z","LastInventoryDate":null,"NumberOfArchives":3,"SizeInBytes":3000}`)
	}))
	defer srv.Close()

	var g firn.Glacier = awsglacier.NewFromConfig(aws.Config{}, srv.URL)
	report(context.Background(), g, "photos")
	report(context.Background(), g, "videos")
	// Output:
	// photos 2026-01-02 03:04:05.678 +0000 UTC 3 true
	// videos does not exist
}
