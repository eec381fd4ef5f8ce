package docker

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

var envOnce sync.Once

// setEnv prepares the process for testcontainers, once, before its
// configuration is first read (it is read once per process):
//
//   - TESTCONTAINERS_RYUK_DISABLED=true: the reaper is an image that would
//     have to be pulled; this package labels everything it starts and removes
//     it itself (Stop, Down, DownAll).
//   - TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1: on a machine that is itself a
//     container, testcontainers guesses the bridge gateway as the Docker host
//     and its port waits time out; every port here is published on 127.0.0.1.
//
// Both are set only when unset. testcontainers' process-wide logger, which
// prints a banner on first connection, is silenced; per-container messages
// go to the provider's logger instead.
func setEnv() {
	envOnce.Do(func() {
		for k, v := range map[string]string{
			"TESTCONTAINERS_RYUK_DISABLED": "true",
			"TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
		} {
			if _, ok := os.LookupEnv(k); !ok {
				os.Setenv(k, v)
			}
		}
		tclog.SetDefault(tclog.NewNoopLogger())
	})
}

// newClient connects to the Docker engine testcontainers finds (DOCKER_HOST,
// ~/.testcontainers.properties, the default socket).
func newClient(ctx context.Context) (*testcontainers.DockerClient, error) {
	setEnv()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("docker engine: %w", err)
	}
	return cli, nil
}

// Check reports why no Docker engine answers, or nil when one does. It waits
// at most 5 seconds.
func Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("docker engine: ping: %w", err)
	}
	return nil
}

// Available reports whether a Docker engine answers: the default provider is
// docker where one does, else local.
func Available(ctx context.Context) bool { return Check(ctx) == nil }

// slogPrintf adapts a slog.Logger to testcontainers' Printf logger, at debug
// level (testcontainers narrates every container step).
type slogPrintf struct{ l *slog.Logger }

func (s slogPrintf) Printf(format string, args ...any) {
	s.l.Debug(fmt.Sprintf(format, args...), "from", "testcontainers")
}
