package safety

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kraftbench/kraftbench/cluster"
)

func imageWith(topics ...string) *cluster.Image {
	img := cluster.NewImage("fake")
	for _, t := range topics {
		img.Topics[t] = &cluster.Topic{Name: t}
	}
	return img
}

// Brokers that catch up converge; Converge waits for a second agreeing round
// and hands back the agreed image.
func TestConvergeWaitsForAgreement(t *testing.T) {
	f := newFakeAdmin(1)
	f.views = func(b int32, poll int) (*cluster.Image, error) {
		if b == 3 && poll < 4 { // broker 3 lags three polls
			return imageWith("a"), nil
		}
		return imageWith("a", "b"), nil
	}
	conv, err := Converge(context.Background(), f, []int32{1, 2, 3}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Digest != imageWith("a", "b").Digest() || conv.Rounds != 5 || len(conv.Image.Topics) != 2 ||
		conv.Took <= 0 || conv.At.IsZero() {
		t.Fatalf("%+v", conv)
	}
	if got := Topics(conv.Image); !got["a"] || !got["b"] || len(got) != 2 {
		t.Fatalf("topics %v", got)
	}
}

// Brokers that never agree: the error names each digest with its brokers,
// and the broker that did not answer.
func TestConvergeNamesDisagreeingBrokers(t *testing.T) {
	f := newFakeAdmin(1)
	f.views = func(b int32, _ int) (*cluster.Image, error) {
		switch b {
		case 3:
			return imageWith("a"), nil
		case 4:
			return nil, errors.New("connection refused")
		}
		return imageWith("a", "b"), nil
	}
	start := time.Now()
	_, err := Converge(context.Background(), f, []int32{1, 2, 3, 4}, 500*time.Millisecond)
	if err == nil {
		t.Fatal("converged with disagreeing brokers")
	}
	for _, want := range []string{
		"did not converge within 500ms",
		"digest " + imageWith("a", "b").Digest() + " served by brokers [1 2]",
		"digest " + imageWith("a").Digest() + " served by brokers [3]",
		"broker 4: connection refused",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("a 500ms convergence took %v", took)
	}
	if _, err := Converge(context.Background(), f, nil, time.Second); err == nil || !strings.Contains(err.Error(), "no brokers") {
		t.Errorf("no brokers: %v", err)
	}
	if _, err := Converge(context.Background(), f, []int32{1}, 0); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("zero timeout: %v", err)
	}
}
