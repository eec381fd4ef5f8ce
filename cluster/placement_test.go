package cluster

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAssignRackUnawareMatchesKafka reproduces AdminUtilsTest.testReplicaAssignment
// (kafka.admin): brokers 0..4, 10 partitions, RF 3, fixed start index 0.
func TestAssignRackUnawareMatchesKafka(t *testing.T) {
	want := [][]int32{
		{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 0}, {4, 0, 1},
		{0, 2, 3}, {1, 3, 4}, {2, 4, 0}, {3, 0, 1}, {4, 1, 2},
	}
	got := assignRackUnaware([]int32{0, 1, 2, 3, 4}, 0, 10, 3, 0, 0)
	for p := range want {
		if !slices.Equal(got[p], want[p]) {
			t.Errorf("partition %d: %v, want %v", p, got[p], want[p])
		}
	}
}

func TestAssignReplicasProperties(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		n := 1 + rng.IntN(8)
		brokers := make([]int32, n)
		for i := range brokers {
			brokers[i] = int32(100 + 7*i) // sparse ids
		}
		rng.Shuffle(n, func(i, j int) { brokers[i], brokers[j] = brokers[j], brokers[i] })
		rf := int16(1 + rng.IntN(n))
		parts := int32(1 + rng.IntN(40))
		got := AssignReplicas(brokers, parts, rf, rand.New(rand.NewPCG(seed, 1)))
		again := AssignReplicas(slices.Sorted(slices.Values(brokers)), parts, rf, rand.New(rand.NewPCG(seed, 1)))
		leaders := map[int32]int{}
		for p, reps := range got {
			if len(reps) != int(rf) {
				t.Fatalf("seed %d: partition %d has %d replicas, want %d", seed, p, len(reps), rf)
			}
			seen := map[int32]bool{}
			for _, r := range reps {
				if seen[r] || !slices.Contains(brokers, r) {
					t.Fatalf("seed %d: partition %d replicas %v repeat or leave %v", seed, p, reps, brokers)
				}
				seen[r] = true
			}
			if !slices.Equal(reps, again[p]) {
				t.Fatalf("seed %d: not deterministic for one seed and broker set", seed)
			}
			leaders[reps[0]]++
		}
		lo, hi := int(parts), 0
		for _, b := range brokers {
			lo, hi = min(lo, leaders[b]), max(hi, leaders[b])
		}
		if hi-lo > 1 {
			t.Fatalf("seed %d: leaders %v uneven over %d brokers, %d partitions", seed, leaders, n, parts)
		}
	}
}

func TestAssignReplicasSpreadsFollowers(t *testing.T) {
	// With partitions a multiple of the broker count, every broker holds the
	// same number of replicas, whatever the start and shift.
	for start := 0; start < 5; start++ {
		for shift := 0; shift < 5; shift++ {
			count := map[int32]int{}
			for _, reps := range assignRackUnaware([]int32{0, 1, 2, 3, 4}, 0, 20, 3, start, shift) {
				for _, r := range reps {
					count[r]++
				}
			}
			for b := int32(0); b < 5; b++ {
				if count[b] != 12 {
					t.Fatalf("start %d shift %d: broker %d holds %d replicas, want 12", start, shift, b, count[b])
				}
			}
		}
	}
}
