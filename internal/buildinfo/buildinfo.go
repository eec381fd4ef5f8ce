// Package buildinfo reports what binary is running: kraftbench's version, the
// git revision it was built from, and the Go toolchain, so every result and
// every node can say what produced it.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is set at link time (-X github.com/kraftbench/kraftbench/internal/buildinfo.Version=...);
// "dev" otherwise.
var Version = "dev"

// Revision is the git commit, set at link time by the Makefile; when empty the
// toolchain's VCS stamp is used if the build had one.
var Revision = ""

// Info describes the running binary.
type Info struct {
	Version   string `json:"version"`
	Revision  string `json:"revision"` // git commit, "unknown" outside a checkout
	Modified  bool   `json:"modified"` // built from a tree with uncommitted changes
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// Read returns the build information embedded by the Go toolchain.
func Read() Info {
	in := Info{Version: Version, Revision: "unknown", GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok || Revision != "" {
		if Revision != "" {
			in.Revision = Revision
		}
		return in
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

// String is the one-line form printed by `version`.
func (in Info) String() string {
	rev := in.Revision
	if in.Modified {
		rev += "+dirty"
	}
	return fmt.Sprintf("%s (revision %s, %s, %s)", in.Version, rev, in.GoVersion, in.Platform)
}
