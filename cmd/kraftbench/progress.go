package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// termProgress draws a progress bar on one terminal line and keeps the plain
// progress lines above it: every line written clears the bar first. It is
// both the runner's Progress writer and its Meter.
type termProgress struct {
	mu    sync.Mutex
	w     io.Writer
	start map[string]time.Time
}

func newTermProgress(w io.Writer) *termProgress {
	return &termProgress{w: w, start: map[string]time.Time{}}
}

// Write prints a progress line, clearing the bar line first.
func (p *termProgress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\033[K")
	return p.w.Write(b)
}

// Update redraws the bar for op.
func (p *termProgress) Update(op string, done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.start[op]; !ok {
		p.start[op] = time.Now()
	}
	fmt.Fprint(p.w, "\r\033[K"+p.bar(op, done, total))
}

// Done leaves the final state of op's bar on its own line.
func (p *termProgress) Done(op string, done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\033[K"+p.bar(op, done, total)+"\n")
	delete(p.start, op)
}

func (p *termProgress) bar(op string, done, total int64) string {
	const width = 30
	filled := 0
	if total > 0 {
		filled = int(min(done, total) * width / total)
	}
	rate := ""
	if st, ok := p.start[op]; ok {
		if el := time.Since(st).Seconds(); el > 0 {
			rate = fmt.Sprintf("  %.1f/s", float64(done)/el)
		}
	}
	return fmt.Sprintf("  %-8s [%s%s] %d/%d%s", op, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), done, total, rate)
}
