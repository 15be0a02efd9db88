package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress counts transferred bytes on a progress bar with rate and ETA. A
// nil *progress counts nothing. It is safe for concurrent use.
type progress struct {
	bar *progressbar.ProgressBar
}

// newProgress returns a progress bar of total bytes drawn on stderr, or nil
// when stdout or stderr is not a terminal, with --quiet, or for no bytes.
func (a *app) newProgress(total int64, desc string) *progress {
	if total <= 0 || !(a.forceProgress || (!a.quiet && isTerminal(a.stdout) && isTerminal(a.stderr))) {
		return nil
	}
	return &progress{bar: progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(a.stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionUseIECUnits(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(a.stderr) }),
	)}
}

func isTerminal(w io.Writer) bool {
	if l, ok := w.(*lockedWriter); ok {
		w = l.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *progress) add(n int64) {
	if p != nil && n > 0 {
		p.bar.Add64(n)
	}
}

// Write counts len(b), for use in an io.MultiWriter.
func (p *progress) Write(b []byte) (int, error) {
	p.add(int64(len(b)))
	return len(b), nil
}

// finish fills the bar; stop leaves it as it is. Either ends its line.
func (p *progress) finish() {
	if p != nil {
		p.bar.Finish()
	}
}

func (p *progress) stop() {
	if p != nil && !p.bar.IsFinished() {
		p.bar.Exit()
	}
}

// countingSection reads a section of a file and counts on p the bytes read
// past the furthest point reached before. A body that is read, rewound and
// read again (awsglacier hashes a seekable body before sending it) is thus
// counted once. It is seekable, so that it is not spooled.
type countingSection struct {
	r         *io.SectionReader
	p         *progress
	pos, high int64
}

func newCountingSection(f io.ReaderAt, off, n int64, p *progress) *countingSection {
	return &countingSection{r: io.NewSectionReader(f, off, n), p: p}
}

func (c *countingSection) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.pos += int64(n)
	if c.pos > c.high {
		c.p.add(c.pos - c.high)
		c.high = c.pos
	}
	return n, err
}

func (c *countingSection) Seek(off int64, whence int) (int64, error) {
	pos, err := c.r.Seek(off, whence)
	if err == nil {
		c.pos = pos
	}
	return pos, err
}
