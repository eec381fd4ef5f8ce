package docker

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kraftbench/kraftbench/scripts/images"
)

func TestContentHash(t *testing.T) {
	a := contentHash([]byte("ab"), []byte("c"))
	if a != contentHash([]byte("ab"), []byte("c")) {
		t.Fatal("hash not stable")
	}
	if len(a) != 12 {
		t.Fatalf("hash %q: want 12 hex digits", a)
	}
	if a == contentHash([]byte("a"), []byte("bc")) {
		t.Fatal("moving bytes between parts kept the hash")
	}
}

// TestZooKeeperTagFollowsInputs: the tag is a function of the inputs, and
// changing the script, the package list or the base changes it.
func TestZooKeeperTagFollowsInputs(t *testing.T) {
	absent := func(string) (string, bool, error) { return "", false, nil }
	p1, _ := planZooKeeper(absent)
	p2, _ := planZooKeeper(absent)
	if p1.tag != p2.tag || !p1.rootfs || !strings.HasPrefix(p1.base, rootfsRepo+":") {
		t.Fatalf("plans differ or no debootstrap base: %+v %+v", p1, p2)
	}
	saved := images.ZooKeeperPackages
	images.ZooKeeperPackages = append(slices.Clone(saved), "less")
	p3, _ := planZooKeeper(absent)
	images.ZooKeeperPackages = saved
	if p3.tag == p1.tag || p3.base == p1.base {
		t.Errorf("adding a package kept tag %s / base %s", p3.tag, p3.base)
	}
	savedScript := images.BookwormRootfsScript
	images.BookwormRootfsScript = append(slices.Clone(savedScript), '\n')
	p4, _ := planZooKeeper(absent)
	images.BookwormRootfsScript = savedScript
	if p4.tag == p1.tag {
		t.Errorf("changing the rootfs script kept tag %s", p4.tag)
	}
	slim := func(ref string) (string, bool, error) { return "sha256:1", ref == bookwormSlim, nil }
	p5, _ := planZooKeeper(slim)
	if p5.base != bookwormSlim || p5.rootfs || p5.tag == p1.tag {
		t.Errorf("with debian:bookworm-slim present: %+v", p5)
	}
}

// TestNodeImageTag: the node image's tag is the hash of its binary, stable
// across builds of the same source, different for a different binary.
func TestNodeImageTag(t *testing.T) {
	needDocker(t)
	ctx := t.Context()
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	for _, out := range []string{a, b} {
		if err := goBuild(out, "./testdata/fakenode"); err != nil {
			t.Fatal(err)
		}
	}
	if err := goBuild(c, "./testdata/fakenode", "-ldflags=-s -w"); err != nil {
		t.Fatal(err)
	}
	refA, err := buildNodeImage(ctx, a, fakeRepo, testLogf(t))
	if err != nil {
		t.Fatal(err)
	}
	refB, err := buildNodeImage(ctx, b, fakeRepo, testLogf(t))
	if err != nil {
		t.Fatal(err)
	}
	if refA != refB {
		t.Errorf("two builds of one source: %s != %s", refA, refB)
	}
	refC, err := buildNodeImage(ctx, c, fakeRepo, testLogf(t))
	if err != nil {
		t.Fatal(err)
	}
	if refC == refA {
		t.Errorf("a different binary kept tag %s", refA)
	}
	removeImage(t, refC)
}

func TestNodeImageRefusesDynamicBinary(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh to refuse")
	}
	err := checkStatic("/bin/sh")
	if err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Errorf("/bin/sh (dynamically linked): got %v, want a refusal naming CGO_ENABLED=0", err)
	}
}

// TestZooKeeperImage: EnsureZooKeeperImage gives the same tag twice (the
// second time without building), and the image serves srvr (checked by the
// ensemble tests).
func TestZooKeeperImage(t *testing.T) {
	needDocker(t)
	first := zkImage(t)
	again, err := EnsureZooKeeperImage(t.Context(), testLogf(t))
	if err != nil {
		t.Fatal(err)
	}
	if again != first || !strings.HasPrefix(first, ZooKeeperRepo+":") {
		t.Errorf("tags %s then %s", first, again)
	}
}

func removeImage(t *testing.T, ref string) {
	cli, err := newClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.ImageRemove(context.Background(), ref, imageRemoveOptions()); err != nil {
		t.Logf("remove image %s: %v", ref, err)
	}
}
