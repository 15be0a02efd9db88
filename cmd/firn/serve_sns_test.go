package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/internal/mototest"
)

// TestServeSNS runs jobs through 'firn serve --sns-endpoint' against moto's
// SNS, with SQS queues subscribed to the topics: each queue receives exactly
// one message per job that names its topic, in the service's format, and a
// topic that does not exist is logged and holds back no other.
func TestServeSNS(t *testing.T) {
	moto := mototest.Start(t)
	vaultTopic, vaultQueue := moto.Subscribed(t, "vault-done")
	jobTopic, jobQueue := moto.Subscribed(t, "job-done")
	missing := strings.TrimSuffix(jobTopic, "job-done") + "missing"
	// The usual credential chain, kept off this machine's own AWS files.
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", mototest.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", mototest.SecretKey)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	url, stop := startServe(t, "--data", filepath.Join(dir, "data"), "--region", mototest.Region, "--sns-endpoint", moto.URL)
	g := awsglacier.NewFromConfig(aws.Config{}, url)
	ctx := t.Context()
	if _, err := g.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	up, err := g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: strings.NewReader("hello")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.SetVaultNotifications(ctx, &firn.SetVaultNotificationsInput{VaultName: "v", VaultNotificationConfig: &firn.VaultNotificationConfig{
		SNSTopic: vaultTopic, Events: []string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}}}); err != nil {
		t.Fatal(err)
	}
	jobs := map[string]firn.ActionCode{} // job ID: action
	for _, p := range []firn.JobParameters{
		{Type: firn.JobTypeArchiveRetrieval, ArchiveId: up.ArchiveId, SNSTopic: missing}, // first, to fail before the others
		{Type: firn.JobTypeArchiveRetrieval, ArchiveId: up.ArchiveId},
		{Type: firn.JobTypeInventoryRetrieval, SNSTopic: jobTopic},
	} {
		j, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: p})
		if err != nil {
			t.Fatal(err)
		}
		jobs[j.JobId] = map[string]firn.ActionCode{firn.JobTypeArchiveRetrieval: firn.ActionArchiveRetrieval, firn.JobTypeInventoryRetrieval: firn.ActionInventoryRetrieval}[p.Type]
	}

	// Every job notifies the vault's topic; only the inventory job names
	// the job topic.
	for _, q := range []struct {
		topic, url string
		want       int
	}{{vaultTopic, vaultQueue, 3}, {jobTopic, jobQueue, 1}} {
		var got []mototest.Message
		deadline := time.Now().Add(time.Minute)
		for len(got) < q.want && time.Now().Before(deadline) {
			got = append(got, moto.Receive(t, q.url, 10, 1)...)
		}
		got = append(got, moto.Receive(t, q.url, 10, 1)...) // nothing more
		seen := map[string]bool{}
		for _, m := range got {
			var d firn.DescribeJobOutput
			if err := json.Unmarshal([]byte(m.Message), &d); err != nil {
				t.Fatalf("%s: message %q is not a job description: %v", q.topic, m.Message, err)
			}
			if m.TopicArn != q.topic || m.Subject != "Notification From AWS Glacier" || jobs[d.JobId] != d.Action ||
				!d.Completed || d.StatusCode != firn.StatusSucceeded || seen[d.JobId] {
				t.Errorf("%s: unexpected message %+v", q.topic, m)
			}
			if q.topic == jobTopic && (d.Action != firn.ActionInventoryRetrieval || d.SNSTopic != jobTopic) {
				t.Errorf("%s: message for job %s (%s, SNSTopic %q), want the inventory job's", q.topic, d.JobId, d.Action, d.SNSTopic)
			}
			seen[d.JobId] = true
		}
		if len(got) != q.want {
			t.Errorf("%s: %d messages, want %d: %+v", q.topic, len(got), q.want, got)
		}
	}
	if r := stop(); r.code != 0 || !strings.Contains(r.stderr, "delivering notification") || !strings.Contains(r.stderr, missing) {
		t.Errorf("serve exited %d; want 0 and the failure for %s logged:\n%s", r.code, missing, r.stderr)
	}
}
