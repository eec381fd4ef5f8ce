// Package propfile reads and writes the small Java-properties files Kafka
// keeps beside its data (meta.properties, checkpoints): key=value lines,
// written to a temporary file, fsynced and renamed over the old one, so a
// crash leaves the old file or the new one, never half of one. Both modes and
// the replica logs use it.
package propfile

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Read parses path's key=value lines; blank lines and '#' comments are
// skipped. A missing file is an error satisfying os.IsNotExist.
func Read(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	props := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			props[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return props, nil
}

// WriteSync writes b to path.tmp, fsyncs it and renames it over path.
func WriteSync(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
