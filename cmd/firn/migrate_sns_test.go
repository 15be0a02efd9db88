package main

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/mototest"
	"github.com/firnstore/firn/snsnotify"
)

// TestMigrateSNSQueue migrates with --sns-queue-url from a source whose
// vault notifies an SNS topic (moto's) that an SQS queue is subscribed to.
// The pauses between DescribeJob rounds are an hour, so the run finishes
// within the test's deadline only if the queue's notifications wake it.
func TestMigrateSNSQueue(t *testing.T) {
	moto := mototest.Start(t)
	topic, queueURL := moto.Subscribed(t, "migrate-jobs")
	src := newGlacierSourceWith(t, &engine.Options{Notifier: snsnotify.New(sns.NewFromConfig(moto.Config()))}, false, nil)
	if _, err := src.e.SetVaultNotifications(t.Context(), &firn.SetVaultNotificationsInput{VaultName: sourceVault, VaultNotificationConfig: &firn.VaultNotificationConfig{
		SNSTopic: topic, Events: []string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}}}); err != nil {
		t.Fatal(err)
	}
	creds, err := moto.Config().Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sourceEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", creds.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey)

	c := newCLI(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	r := c.runCtx(ctx, "migrate", "--vault", sourceVault, "--from-endpoint-url", src.url, "--from-region", moto.Config().Region,
		"--sns-queue-url", queueURL, "--poll-min", "1h", "--poll-max", "1h", "--range-size", "1MiB",
		"--report", filepath.Join(c.dir, "report.csv"))
	if r.code != exitOK {
		t.Fatalf("firn migrate --sns-queue-url: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	want := inventoryOf(t, src.e, sourceVault)
	dest, err := engine.Open(filepath.Join(c.dir, "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	if got := inventoryOf(t, dest, sourceVault); !reflect.DeepEqual(got, want) {
		t.Errorf("destination inventory %+v\nwant %+v", got, want)
	}
	// The run deletes the notifications it handled.
	if left := moto.Receive(t, queueURL, 10, 0); len(left) != 0 {
		t.Errorf("%d messages left in the queue, want the run's deleted: %+v", len(left), left)
	}
}
