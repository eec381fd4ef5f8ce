// Command build makes the container images of the docker provider (`make
// images`): kraftbench/node and kraftbench/zookeeper, each tagged with the hash
// of its inputs, skipping what exists with the current hash. It prints what it
// did and how long it took, and the image references on the last two lines.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/kraftbench/kraftbench/cluster/docker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "images: "+format+"\n", args...) }
	if err := docker.Check(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "images: %v\n", err)
		os.Exit(1)
	}
	imgs, err := docker.EnsureImages(ctx, logf)
	logf("took %s", time.Since(start).Round(100*time.Millisecond))
	if imgs.Node != "" {
		fmt.Printf("node=%s\n", imgs.Node)
	}
	if imgs.ZooKeeper != "" {
		fmt.Printf("zookeeper=%s\n", imgs.ZooKeeper)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "images: %v\n", err)
		os.Exit(1)
	}
}
