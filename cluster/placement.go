package cluster

import (
	"math/rand/v2"
	"slices"
)

// AssignReplicas is Kafka's rack-unaware replica assignment
// (AdminUtils.assignReplicasToBrokersRackUnaware): partition p's first replica
// is broker (p + start) mod n, and the followers are spread by a shift that
// grows by one every n partitions, so leaders and followers both spread evenly.
//
// start and the initial shift are drawn from rng, so one seed gives one
// placement. brokers need not be sorted; rf must be between 1 and len(brokers).
func AssignReplicas(brokers []int32, partitions int32, rf int16, rng *rand.Rand) [][]int32 {
	ids := slices.Clone(brokers)
	slices.Sort(ids)
	n := len(ids)
	start := rng.IntN(n)
	shift := rng.IntN(n)
	return assignRackUnaware(ids, partitions, int(rf), start, shift)
}

// assignRackUnaware is the deterministic core of AssignReplicas, with Kafka's
// fixedStartIndex/nextReplicaShift made explicit so tests can pin them.
func assignRackUnaware(ids []int32, partitions int32, rf, start, shift int) [][]int32 {
	n := len(ids)
	out := make([][]int32, partitions)
	for p := 0; p < int(partitions); p++ {
		if p > 0 && p%n == 0 {
			shift++
		}
		first := (p + start) % n
		reps := make([]int32, 0, rf)
		reps = append(reps, ids[first])
		for j := 0; j < rf-1; j++ {
			reps = append(reps, ids[replicaIndex(first, shift, j, n)])
		}
		out[p] = reps
	}
	return out
}

func replicaIndex(first, secondShift, j, n int) int {
	shift := 1 + (secondShift+j)%(n-1)
	return (first + shift) % n
}
