package docker

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kraftbench/kraftbench/scripts/images"
	"github.com/testcontainers/testcontainers-go"
)

// bookwormSlim is the base the ZooKeeper image prefers, where present.
const bookwormSlim = "debian:bookworm-slim"

// aptSources are where the host's apt keeps its sources, in deb822 and in
// one-line form.
var aptSources = []string{"/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"}

// hostAptMirror returns the Debian mirror the host's apt uses (the first
// "URIs:" of a deb822 source, or the first "deb URL" line), "" when none is
// found: debootstrap then takes its own default. The machine's apt is known
// to reach it, which a mirror named here might not.
func hostAptMirror(paths []string) string {
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) >= 2 && f[0] == "URIs:":
				return f[1]
			case len(f) >= 3 && f[0] == "deb" && !strings.HasPrefix(f[1], "["):
				return f[1]
			}
		}
	}
	return ""
}

// zkPlan is what the ZooKeeper image is built from.
type zkPlan struct {
	base      string // image the Dockerfile starts FROM
	baseKey   string // what identifies the base's content
	rootfs    bool   // base must be made with debootstrap when missing
	mirror    string
	tag       string // kraftbench/zookeeper:<hash>
	inputHash string
}

// EnsureZooKeeperImage makes sure kraftbench/zookeeper:<hash> exists for the
// current inputs and returns its reference. Where debian:bookworm-slim is
// absent it first makes (once, about 70 s) a debootstrap base.
func EnsureZooKeeperImage(ctx context.Context, logf Logf) (string, error) {
	cli, err := newClient(ctx)
	if err != nil {
		return "", fmt.Errorf("zookeeper image: %w", err)
	}
	defer cli.Close()
	plan, err := planZooKeeper(func(ref string) (string, bool, error) { return imageID(ctx, cli, ref) })
	if err != nil {
		return "", fmt.Errorf("zookeeper image: %w", err)
	}
	if ok, err := imageExists(ctx, cli, plan.tag); err != nil || ok {
		if ok {
			logf.printf("zookeeper image %s: present", plan.tag)
		}
		return plan.tag, err
	}
	if plan.rootfs {
		if err := ensureRootfs(ctx, cli, plan, logf); err != nil {
			return "", fmt.Errorf("zookeeper image: %w", err)
		}
	}
	pkgs := strings.Join(images.ZooKeeperPackages, " ")
	err = ensureBuilt(ctx, plan.tag, "zookeeper", plan.inputHash, logf, func() (buildInput, error) {
		tc, err := tarContext([]tarFile{
			{"Dockerfile", images.ZooKeeperDockerfile, 0o644},
			{"zk-entrypoint.sh", images.ZooKeeperEntrypoint, 0o755},
		})
		return buildInput{context: tc, dockerfile: "Dockerfile",
			args: map[string]*string{"BASE": &plan.base, "PACKAGES": &pkgs}}, err
	})
	return plan.tag, err
}

// planZooKeeper decides the base and the tags. inspect returns an image's
// id and whether it exists.
func planZooKeeper(inspect func(ref string) (string, bool, error)) (zkPlan, error) {
	p := zkPlan{mirror: os.Getenv("KRAFTBENCH_DEBIAN_MIRROR")}
	if p.mirror == "" {
		p.mirror = hostAptMirror(aptSources)
	}
	pkgs := []byte(strings.Join(images.ZooKeeperPackages, ","))
	id, ok, err := inspect(bookwormSlim)
	if err != nil {
		return p, err
	}
	if ok {
		p.base, p.baseKey = bookwormSlim, bookwormSlim+"@"+id
	} else {
		p.base = rootfsRepo + ":" + contentHash(images.BookwormRootfsScript, pkgs, []byte(p.mirror))
		p.baseKey, p.rootfs = p.base, true
	}
	p.inputHash = contentHash([]byte(p.baseKey), images.ZooKeeperDockerfile, images.ZooKeeperEntrypoint, pkgs)
	p.tag = ZooKeeperRepo + ":" + p.inputHash
	return p, nil
}

// ensureRootfs makes the debootstrap base unless it exists, by running the
// embedded bookworm-rootfs.sh (needs root and debootstrap).
func ensureRootfs(ctx context.Context, cli *testcontainers.DockerClient, plan zkPlan, logf Logf) error {
	if ok, err := imageExists(ctx, cli, plan.base); err != nil || ok {
		return err
	}
	dir, err := os.MkdirTemp("", "kb-rootfs-script")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "bookworm-rootfs.sh")
	if err := os.WriteFile(script, images.BookwormRootfsScript, 0o755); err != nil {
		return err
	}
	logf.printf("zookeeper image: %s is absent and cannot be pulled; making %s with debootstrap (about 70 s, once)", bookwormSlim, plan.base)
	cmd := exec.CommandContext(ctx, "bash", script, plan.base, strings.Join(images.ZooKeeperPackages, ","))
	cmd.Env = append(os.Environ(), "KRAFTBENCH_DEBIAN_MIRROR="+plan.mirror)
	out := &lineWriter{logf: logf, prefix: "  "}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("make %s with scripts/images/bookworm-rootfs.sh: %w", plan.base, err)
	}
	return nil
}
