package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// certCheckInterval bounds how often a handshake looks at the certificate
// files' modification times: often enough that a renewed certificate is
// served within seconds, rarely enough that handshakes do not stat files.
const certCheckInterval = 5 * time.Second

// certReloader serves the current certificate of a --tls-cert and --tls-key
// pair. It reloads the pair on SIGHUP and when a handshake finds the files
// changed; a pair that fails to load leaves the current one in place, so
// that a renewal caught half-written never takes the server down.
// Connections already established keep the certificate they negotiated.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	stamps  [2]os.FileInfo // of certFile and keyFile when last loaded
	checked time.Time      // when the files were last looked at
}

// newCertReloader loads the pair once: serve does not start without a valid
// certificate.
func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.loadLocked(); err != nil {
		return nil, err
	}
	return c, nil
}

// loadLocked reads the pair and makes it current. The files' stamps are
// recorded even when loading fails, so that a broken pair is tried again
// once either file changes, not on every check.
func (c *certReloader) loadLocked() error {
	c.stamps = c.stat()
	c.checked = time.Now()
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("loading the TLS certificate: %w", err)
	}
	c.cert = &cert
	return nil
}

// stat returns the files' current stamps; nil for a file that cannot be
// looked at.
func (c *certReloader) stat() [2]os.FileInfo {
	var s [2]os.FileInfo
	for i, name := range []string{c.certFile, c.keyFile} {
		s[i], _ = os.Stat(name)
	}
	return s
}

// reload loads the pair again and logs the outcome.
func (c *certReloader) reload(why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reloadLocked(why)
}

func (c *certReloader) reloadLocked(why string) {
	if err := c.loadLocked(); err != nil {
		c.log.Error("keeping the current TLS certificate", "reason", why, "err", err)
		return
	}
	leaf := c.cert.Leaf
	c.log.Info("reloaded the TLS certificate", "reason", why, "subject", leaf.Subject.String(),
		"serial", leaf.SerialNumber.String(), "notAfter", leaf.NotAfter.UTC())
}

// getCertificate is the tls.Config's GetCertificate.
func (c *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.checked) >= certCheckInterval {
		c.checked = time.Now()
		if changed(c.stamps, c.stat()) {
			c.reloadLocked("files changed")
		}
	}
	return c.cert, nil
}

// changed reports whether any file was replaced, rewritten or appeared or
// vanished since its stamp was taken.
func changed(old, cur [2]os.FileInfo) bool {
	for i := range old {
		o, n := old[i], cur[i]
		if (o == nil) != (n == nil) {
			return true
		}
		if o != nil && (!os.SameFile(o, n) || !o.ModTime().Equal(n.ModTime()) || o.Size() != n.Size()) {
			return true
		}
	}
	return false
}

// listener wraps ln to serve TLS with the current certificate.
func (c *certReloader) listener(ln net.Listener) net.Listener {
	return tls.NewListener(ln, &tls.Config{GetCertificate: c.getCertificate, MinVersion: tls.VersionTLS12})
}

// cliFlags returns what the AWS CLI needs, beyond --endpoint-url, to trust
// the server at host, and a note on it: nothing when the system trusts the
// certificate, the certificate itself when it is self-signed, else the
// certificate of its CA, which serve does not have.
func (c *certReloader) cliFlags(host string) (flags, note string) {
	c.mu.Lock()
	leaf := c.cert.Leaf
	c.mu.Unlock()
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host}); err == nil {
		return "", ""
	}
	if leaf.CheckSignatureFrom(leaf) == nil {
		return " --ca-bundle " + absPath(c.certFile), ""
	}
	return " --ca-bundle CA.pem", "   (CA.pem: the certificate of the CA that issued --tls-cert)"
}

// reloadOnHangup reloads certs (when serving TLS) on every SIGHUP until the
// returned function is called. SIGHUP is caught without TLS too, where it
// has nothing to reload, so that a service manager's reload never kills the
// server.
func reloadOnHangup(log *slog.Logger, certs *certReloader) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-hup:
				if certs == nil {
					log.Info("SIGHUP: nothing to reload without --tls-cert")
				} else {
					certs.reload("SIGHUP")
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		cancel()
		<-done
	}
}
