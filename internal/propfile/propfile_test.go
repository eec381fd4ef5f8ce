package propfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteSyncThenRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.properties")
	if _, err := Read(path); !os.IsNotExist(err) {
		t.Fatalf("missing file: %v, want not-exist", err)
	}
	if err := WriteSync(path, []byte("#\n# comment\nversion=0\n broker.id = 3 \n\ncluster.id=abc=def\n")); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got["version"] != "0" || got["broker.id"] != "3" || got["cluster.id"] != "abc=def" || len(got) != 3 {
		t.Fatalf("read %v", got)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("temporary file left behind: %v", err)
	}
}
