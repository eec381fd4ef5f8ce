package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/internal/textutil"
	"github.com/kraftbench/kraftbench/scripts/images"
)

// Repositories of the images this package builds.
const (
	NodeRepo      = "kraftbench/node"
	ZooKeeperRepo = "kraftbench/zookeeper"
	rootfsRepo    = "kraftbench/bookworm-zk-base"
)

// Labels on built images, saying what they are and from which inputs.
const (
	labelImage  = "kraftbench.image"
	labelInputs = "kraftbench.inputs"
)

// Logf receives progress messages; nil discards them.
type Logf func(format string, args ...any)

func (l Logf) printf(format string, args ...any) {
	if l != nil {
		l(format, args...)
	}
}

// EnsureImages makes sure the node and ZooKeeper images for the current
// inputs exist, building what is missing, and returns their references. Both
// are attempted; the error names every failure.
func EnsureImages(ctx context.Context, logf Logf) (cluster.Images, error) {
	var imgs cluster.Images
	var errs []error
	var err error
	if imgs.ZooKeeper, err = EnsureZooKeeperImage(ctx, logf); err != nil {
		errs = append(errs, err)
	}
	if imgs.Node, err = EnsureNodeImage(ctx, logf); err != nil {
		errs = append(errs, err)
	}
	return imgs, errors.Join(errs...)
}

// EnsureNodeImage finds or builds a static kbnode (see the package comment)
// and makes sure kraftbench/node:<hash> holds it.
func EnsureNodeImage(ctx context.Context, logf Logf) (string, error) {
	bin, cleanup, err := kbnodeBinary(ctx, logf)
	if err != nil {
		return "", fmt.Errorf("node image: %w", err)
	}
	defer cleanup()
	return buildNodeImage(ctx, bin, NodeRepo, logf)
}

// buildNodeImage makes sure repo:<hash> holds the static binary at path and
// returns its reference.
func buildNodeImage(ctx context.Context, path, repo string, logf Logf) (string, error) {
	if err := checkStatic(path); err != nil {
		return "", fmt.Errorf("node image: %w", err)
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("node image: %w", err)
	}
	sum := contentHash(images.NodeDockerfile, bin)
	ref := repo + ":" + sum
	return ref, ensureBuilt(ctx, ref, "node", sum, logf, func() (buildInput, error) {
		ctx, err := tarContext([]tarFile{
			{"Dockerfile", images.NodeDockerfile, 0o644},
			{"kbnode", bin, 0o755},
		})
		return buildInput{context: ctx, dockerfile: "Dockerfile"}, err
	})
}

// buildInput is a docker build: an in-memory context and its arguments.
type buildInput struct {
	context    []byte
	dockerfile string
	args       map[string]*string
}

// ensureBuilt builds ref from make() unless it exists, logging how long the
// build took.
func ensureBuilt(ctx context.Context, ref, kind, inputs string, logf Logf, make func() (buildInput, error)) error {
	cli, err := newClient(ctx)
	if err != nil {
		return fmt.Errorf("%s image: %w", kind, err)
	}
	defer cli.Close()
	if ok, err := imageExists(ctx, cli, ref); err != nil || ok {
		if ok {
			logf.printf("%s image %s: present", kind, ref)
		}
		return err
	}
	in, err := make()
	if err != nil {
		return fmt.Errorf("%s image %s: %w", kind, ref, err)
	}
	start := time.Now()
	logf.printf("%s image %s: building", kind, ref)
	if err := buildImage(ctx, ref, kind, inputs, in); err != nil {
		return fmt.Errorf("%s image %s: %w", kind, ref, err)
	}
	logf.printf("%s image %s: built in %s", kind, ref, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// buildImage builds through testcontainers' FromDockerfile with KeepImage,
// from an in-memory context; the build log is kept for the error.
func buildImage(ctx context.Context, ref, kind, inputs string, in buildInput) error {
	setEnv()
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return fmt.Errorf("docker engine: %w", err)
	}
	defer p.Close()
	repo, tag, _ := strings.Cut(ref, ":")
	var buildLog bytes.Buffer
	req := &testcontainers.ContainerRequest{FromDockerfile: testcontainers.FromDockerfile{
		ContextArchive: bytes.NewReader(in.context),
		Dockerfile:     in.dockerfile,
		Repo:           repo,
		Tag:            tag,
		BuildArgs:      in.args,
		BuildLogWriter: &buildLog,
		KeepImage:      true,
		BuildOptionsModifier: func(o *client.ImageBuildOptions) {
			o.Labels = map[string]string{labelImage: kind, labelInputs: inputs}
		},
	}}
	if _, err := p.BuildImage(ctx, req); err != nil {
		return fmt.Errorf("docker build: %w\n%s", err, textutil.LastLines(buildLog.String(), 30))
	}
	return nil
}

func imageExists(ctx context.Context, cli *testcontainers.DockerClient, ref string) (bool, error) {
	_, ok, err := imageID(ctx, cli, ref)
	return ok, err
}

// imageID returns the id of the local image ref and whether it exists.
func imageID(ctx context.Context, cli *testcontainers.DockerClient, ref string) (string, bool, error) {
	img, err := cli.ImageInspect(ctx, ref)
	switch {
	case err == nil:
		return img.ID, true, nil
	case cerrdefs.IsNotFound(err):
		return "", false, nil
	}
	return "", false, fmt.Errorf("inspect image %s: %w", ref, err)
}

// contentHash is the first 12 hex digits of sha256 over the parts, each
// length-prefixed so that moving bytes between parts changes the hash.
func contentHash(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		binary.Write(h, binary.BigEndian, uint64(len(p)))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

type tarFile struct {
	name string
	data []byte
	mode int64
}

// tarContext makes a build context with fixed owners and times, so the same
// files give the same bytes.
func tarContext(files []tarFile) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)),
			ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// lineWriter calls logf for every complete line written to it.
type lineWriter struct {
	logf   Logf
	prefix string
	buf    []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.logf.printf("%s%s", w.prefix, w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

var _ io.Writer = (*lineWriter)(nil)
