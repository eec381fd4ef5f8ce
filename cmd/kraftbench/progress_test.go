package main

import (
	"strings"
	"testing"
)

func TestTermProgressDrawsABarAndKeepsLines(t *testing.T) {
	var b strings.Builder
	p := newTermProgress(&b)
	p.Update("create", 50, 200)
	p.Write([]byte("[zk rep 1/1] cluster ready\n"))
	p.Done("create", 200, 200)
	out := b.String()
	for _, want := range []string{
		"create   [=======                       ] 50/200",
		"\r\033[K[zk rep 1/1] cluster ready\n",
		"[==============================] 200/200",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\n") {
		t.Error("Done must end the bar's line")
	}
}
