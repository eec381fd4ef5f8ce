package docker

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHostAptMirror(t *testing.T) {
	dir := t.TempDir()
	deb822 := filepath.Join(dir, "debian.sources")
	oneLine := filepath.Join(dir, "sources.list")
	os.WriteFile(deb822, []byte("Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm\n"), 0o644)
	os.WriteFile(oneLine, []byte("# deb http://commented.example/debian bookworm main\ndeb [arch=amd64] http://opts.example/debian bookworm main\ndeb http://plain.example/debian bookworm main\n"), 0o644)
	cases := []struct {
		paths []string
		want  string
	}{
		{[]string{deb822, oneLine}, "http://mirror.example/debian"},
		{[]string{filepath.Join(dir, "absent"), oneLine}, "http://plain.example/debian"},
		{[]string{filepath.Join(dir, "absent")}, ""},
	}
	for _, c := range cases {
		if got := hostAptMirror(c.paths); got != c.want {
			t.Errorf("hostAptMirror(%v) = %q, want %q", c.paths, got, c.want)
		}
	}
}
