package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/server"
)

// peerLargeSize is the peer group's large archive.
const peerLargeSize = 4 << 20

// benchPeer: the same calls through aws-sdk-go-v2's Glacier client against
// server.New over a durable engine on disk and against moto's server, which
// keeps everything in memory: uploads of 64 KiB and 4 MiB, DescribeVault,
// ListVaults, ListJobs and the output of an archive retrieval.
func benchPeer(ctx context.Context, b *bench) ([]Result, error) {
	moto, err := startMoto(ctx, b.path("moto.log"))
	if err != nil {
		return nil, err
	}
	defer moto.stop()
	e, err := b.openEngine(ctx, "peer", nil)
	if err != nil {
		return nil, err
	}
	defer b.closeEngine(e, "peer")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: server.New(e, server.Options{Logger: slog.New(slog.DiscardHandler)})}
	go srv.Serve(l)
	defer srv.Close()

	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("firnbench", "firnbench-secret", "")}
	sides := []firn.Glacier{
		awsglacier.NewFromConfig(cfg, "http://"+l.Addr().String()),
		awsglacier.NewFromConfig(cfg, moto.url),
	}
	if _, err := sides[1].CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		return nil, fmt.Errorf("moto: %w", err)
	}
	small, large := b.random(64<<10), b.random(peerLargeSize)
	upload := func(body []byte) func(firn.Glacier) error {
		return func(g firn.Glacier) error {
			_, err := g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(body)})
			return err
		}
	}
	// One large archive on each side, with jobs to list and read.
	jobs := make([]string, len(sides))
	for i, g := range sides {
		a, err := g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(large)})
		if err != nil {
			return nil, err
		}
		for range 10 {
			j, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierExpedited}})
			if err != nil {
				return nil, err
			}
			jobs[i] = j.JobId
		}
	}
	for i, g := range sides {
		if err := waitJob(ctx, g, "v", jobs[i]); err != nil {
			return nil, err
		}
	}
	phases := []struct {
		name, size, unit string
		calls            int
		bytes            int64 // per call, for a rate in MiB/s; 0 for calls/s
		op               func(firn.Glacier) error
	}{
		{"upload", "64 KiB", "ops/s", b.peerSmall, 0, upload(small)},
		{"upload", "4 MiB", "MiB/s", b.peerLarge, peerLargeSize, upload(large)},
		{"DescribeVault", "", "ops/s", b.peerSmall, 0, func(g firn.Glacier) error {
			_, err := g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
			return err
		}},
		{"ListVaults", "1 vault", "ops/s", b.peerSmall, 0, func(g firn.Glacier) error {
			_, err := g.ListVaults(ctx, &firn.ListVaultsInput{})
			return err
		}},
		{"ListJobs", "10 jobs", "ops/s", b.peerSmall, 0, func(g firn.Glacier) error {
			_, err := g.ListJobs(ctx, &firn.ListJobsInput{VaultName: "v"})
			return err
		}},
		{"GetJobOutput", "4 MiB", "MiB/s", b.peerLarge, peerLargeSize, func(g firn.Glacier) error {
			job := jobs[0]
			if g == sides[1] {
				job = jobs[1]
			}
			out, err := g.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: job})
			if err != nil {
				return err
			}
			defer out.Body.Close()
			n, err := io.Copy(io.Discard, out.Body)
			if err == nil && n != peerLargeSize {
				err = fmt.Errorf("job output of %d bytes, want %d", n, peerLargeSize)
			}
			return err
		}},
	}
	var rows []Result
	for _, p := range phases {
		// The sides alternate in rounds, so both see the same load.
		var spent [2]time.Duration
		calls := max(p.calls/b.reps, 1)
		for range b.reps {
			for i, g := range sides {
				d, err := timed(func() error {
					for range calls {
						if err := p.op(g); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					return rows, fmt.Errorf("%s %s: side %d: %w", p.name, p.size, i, err)
				}
				spent[i] += d
			}
		}
		rate := func(d time.Duration) float64 {
			n := float64(calls * b.reps)
			if p.bytes > 0 {
				return n * float64(p.bytes) / (1 << 20) / d.Seconds()
			}
			return n / d.Seconds()
		}
		rows = append(rows, compared("peer", strings.TrimSpace(p.name+" "+p.size), fmt.Sprintf("%d calls, 1 goroutine", calls*b.reps), p.unit, rate(spent[0]), "moto_server", rate(spent[1]), noTarget))
	}
	rows[0].Note = "through aws-sdk-go-v2 over loopback; moto keeps everything in memory, Firn syncs every upload to disk before it answers"
	return rows, nil
}
