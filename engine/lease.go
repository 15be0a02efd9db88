package engine

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/blob"
)

// The lease keeps an object store's bucket and prefix to one engine at a
// time: two engines whose metadata differ would sweep each other's
// segments and overwrite each other's backups. It is the object PREFIX
// lease.json, holding a leaseRecord, and is written only with conditional
// writes (blob.Bucket.PutIf): created if absent, renewed, released and taken
// over on the ETag last read, so of engines racing for it one wins.
//
// Clocks of different machines disagree, so no engine trusts another's
// statement of time to take a lease over. Open refuses at once a lease whose
// stated expiry is still ahead by its own Clock (which can only delay a
// takeover); otherwise it watches the lease, unchanged, for the holder's
// whole lifetime plus a quarter, timed by its own timers, and takes it over
// only if the ETag it read is still current. The holder, for its part,
// stops writing to the bucket once a lifetime has passed since it sent the
// last renewal that succeeded, timed by its own timers: that renewal was
// stored before the watcher read it, so the holder has stopped before the
// watcher takes over, whatever the clocks say. The extra quarter covers
// timers that fire late on a loaded machine and the drift of clock rates.
//
// A lease whose holder had the same host and data directory is taken over at
// once: Open holds that directory's lock, so its holder has exited.

// leaseName is the lease's object, under the prefix.
const leaseName = "lease.json"

// ErrBucketInUse is wrapped by the error of Open and Restore when another
// engine holds the lease of the object store's bucket and prefix (see
// ObjectStore); the error names that engine.
var ErrBucketInUse = errors.New("engine: the object store's bucket and prefix are in use by another engine")

// leaseRecord is the lease object's content.
type leaseRecord struct {
	// Holder is random, drawn at each Open.
	Holder string `json:"holder"`
	Host   string `json:"host"`
	PID    int    `json:"pid"`
	Dir    string `json:"dir"`
	// Expires is when the holder stops writing unless it renews, by its
	// Clock; others take it for a hint only.
	Expires time.Time `json:"expires"`
	// Lifetime is the holder's ObjectStore.LeaseLifetime.
	Lifetime time.Duration `json:"lifetime"`
	// Released is set by the holder's Close: anyone may take the lease.
	Released bool `json:"released"`
}

func (r *leaseRecord) String() string {
	return fmt.Sprintf("engine %s (host %s, pid %d, data directory %s)", r.Holder, r.Host, r.PID, r.Dir)
}

// lease is an engine's hold of its bucket and prefix. Its methods are safe
// for concurrent use.
type lease struct {
	b     *blob.Bucket
	clock firn.Clock
	every time.Duration // ObjectStore.LeaseRenewInterval
	log   *slog.Logger

	// mu serialises the writes of the lease, and guards their state.
	mu       sync.Mutex
	rec      leaseRecord
	etag     string      // of the version this engine wrote last
	deadline *time.Timer // fails the lease a lifetime after the last renewal sent

	// errMu guards err apart from mu, so that mutations checking the lease
	// never wait for a renewal in flight.
	errMu sync.Mutex
	err   error // set once the lease is lost; permanent

	lost     chan struct{} // closed once err is set
	stop     chan struct{} // closed by halt
	stopOnce sync.Once
	done     chan struct{} // closed when the renewal loop has returned
}

// acquireLease takes the lease of b for an engine on data directory dir, or
// returns an error wrapping ErrBucketInUse that names its holder.
func acquireLease(ctx context.Context, b *blob.Bucket, dir string, o *Options) (*lease, error) {
	host, _ := os.Hostname()
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	l := &lease{
		b:     b,
		clock: o.Clock,
		every: o.ObjectStore.LeaseRenewInterval,
		log:   o.Logger,
		rec:   leaseRecord{Holder: rand.Text(), Host: host, PID: os.Getpid(), Dir: dir, Lifetime: o.ObjectStore.LeaseLifetime},
		lost:  make(chan struct{}),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	// A few rounds: each lost race either shows a live holder or, if
	// that one released at once, starts over.
	for range 3 {
		cur, etag, err := l.read(ctx)
		if err != nil {
			return nil, err
		}
		if cur != nil && !cur.Released && !(cur.Host == l.rec.Host && cur.Dir == l.rec.Dir) {
			if cur, etag, err = l.watch(ctx, cur, etag); err != nil {
				return nil, err
			}
		}
		l.mu.Lock()
		err = l.write(ctx, etag)
		l.mu.Unlock()
		if !errors.Is(err, blob.ErrChanged) {
			if err != nil {
				return nil, err
			}
			go l.renewLoop()
			return l, nil
		}
	}
	return nil, fmt.Errorf("engine: %s: the lease changed hands at every attempt to take it", b)
}

// watch returns the version of the lease to take over from cur, the live
// lease of another engine read at etag, or the ErrBucketInUse error naming
// its holder. A lease found unchanged after its lifetime is returned; one
// released meanwhile too.
func (l *lease) watch(ctx context.Context, cur *leaseRecord, etag string) (*leaseRecord, string, error) {
	if l.clock.Now().Before(cur.Expires) {
		return nil, "", l.heldBy(cur)
	}
	wait := cur.Lifetime + cur.Lifetime/4
	l.log.Info("the object store's lease has expired by this engine's clock; watching it before taking it over",
		"bucket", l.b.String(), "holder", cur.String(), "wait", wait)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	now, nowTag, err := l.read(ctx)
	switch {
	case err != nil:
		return nil, "", err
	case nowTag == etag || now == nil || now.Released:
		return now, nowTag, nil
	}
	return nil, "", l.heldBy(now)
}

func (l *lease) heldBy(r *leaseRecord) error {
	return fmt.Errorf("%w: %s is held by %s, renewed until %s by its clock; close that engine, or wait for its lease to expire after it stopped",
		ErrBucketInUse, l.b, r, r.Expires.Format(time.RFC3339))
}

// read returns the lease and its ETag, or nil and "" if there is none.
func (l *lease) read(ctx context.Context) (*leaseRecord, string, error) {
	data, etag, err := l.b.GetVersioned(ctx, leaseName)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("engine: reading the lease: %w", err)
	}
	var r leaseRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, "", fmt.Errorf("engine: reading the lease %s%s: %w", l.b, leaseName, err)
	}
	return &r, etag, nil
}

// write stores l.rec, renewed, over version etag ("": none) and, once it is
// stored, restarts the deadline, counted from before the request was sent.
// It returns an error wrapping blob.ErrChanged if another engine wrote the
// lease since. The caller holds l.mu.
func (l *lease) write(ctx context.Context, etag string) error {
	next := time.AfterFunc(l.rec.Lifetime, func() {
		l.fail(fmt.Errorf("the lease of %s was not renewed for its lifetime, %v", l.b, l.rec.Lifetime))
	})
	rec := l.rec
	if !rec.Released {
		rec.Expires = l.clock.Now().Add(rec.Lifetime)
	}
	data, err := json.Marshal(&rec)
	if err != nil {
		next.Stop()
		return err
	}
	newTag, err := l.b.PutIf(ctx, leaseName, data, etag)
	if errors.Is(err, blob.ErrChanged) {
		// A retried request may have found its own first attempt's write.
		if cur, curTag, rerr := l.read(ctx); rerr == nil && cur != nil && cur.Holder == rec.Holder && cur.Released == rec.Released {
			newTag, err = curTag, nil
		}
	}
	if err != nil {
		next.Stop()
		return err
	}
	if l.deadline != nil {
		l.deadline.Stop()
	}
	l.deadline, l.etag = next, newTag
	return nil
}

// halt stops the renewals and waits for the one in flight.
func (l *lease) halt() {
	l.stopOnce.Do(func() { close(l.stop) })
	<-l.done
}

// renewLoop renews the lease every l.every until release or loss.
func (l *lease) renewLoop() {
	defer close(l.done)
	t := time.NewTicker(l.every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-l.lost:
			return
		case <-t.C:
			if err := l.renew(); err != nil {
				l.log.Warn("renewing the object store's lease", "err", err)
			}
		}
	}
}

// renew renews the lease once; on finding another holder it fails the
// lease at once.
func (l *lease) renew() error {
	ctx, cancel := context.WithTimeout(context.Background(), l.rec.Lifetime/2)
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.lostErr(); err != nil {
		return err
	}
	err := l.write(ctx, l.etag)
	if errors.Is(err, blob.ErrChanged) {
		cur, _, _ := l.read(ctx)
		holder := "another engine"
		if cur != nil {
			holder = cur.String()
		}
		l.fail(fmt.Errorf("the lease of %s was taken by %s", l.b, holder))
	}
	return err
}

// fail marks the lease lost, for err, unless it already is, and logs it
// if loud.
func (l *lease) fail(err error) { l.setErr(err, true) }

func (l *lease) setErr(err error, loud bool) {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.err != nil {
		return
	}
	l.err = err
	close(l.lost)
	if loud {
		l.log.Error("the engine stops writing to its object store: another engine may hold it now; close and reopen the engine", "err", err)
	}
}

func (l *lease) lostErr() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.err
}

// check returns nil while l (which may be nil: no object store) is held,
// else the ServiceUnavailableException for a mutation.
func (l *lease) check() error {
	if l == nil {
		return nil
	}
	err := l.lostErr()
	if err == nil {
		return nil
	}
	return firn.Errorf(firn.CodeServiceUnavailable, "the engine has stopped writing to its object store: %v; close and reopen it", err)
}

// release stops the renewals and, unless the lease was lost, marks it
// released, on its current version, so that the next Open takes it at once.
// A failure is logged: the next Open then waits for the lease to expire.
func (l *lease) release() {
	l.halt()
	ctx, cancel := context.WithTimeout(context.Background(), l.rec.Lifetime/2)
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lostErr() != nil {
		return
	}
	l.rec.Released = true
	if err := l.write(ctx, l.etag); err != nil {
		l.log.Warn("releasing the object store's lease", "err", err)
	}
	l.deadline.Stop()
	l.setErr(errors.New("the engine is closed"), false)
}
