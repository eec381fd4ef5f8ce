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
	return assignRackUnaware(ids, 0, partitions, int(rf), start, shift)
}

// AssignAddedReplicas places partitions existing..existing+add-1 of a topic
// that grows, as Kafka 3.9's AdminZkClient.createNewPartitionsAssignment
// does (core/src/main/scala/kafka/zk/AdminZkClient.scala:253-284): the
// fixed start index (and first shift) is the position, among the sorted
// brokers, of the first broker whose id is at least partition 0's first
// replica, and placement continues from partition id existing, so the new
// partitions follow the pattern of the old ones.
func AssignAddedReplicas(brokers []int32, firstOfPartition0 int32, existing, add int32, rf int16) [][]int32 {
	ids := slices.Clone(brokers)
	slices.Sort(ids)
	start := max(0, slices.IndexFunc(ids, func(id int32) bool { return id >= firstOfPartition0 }))
	return assignRackUnaware(ids, existing, add, int(rf), start, start)[existing:]
}

// assignRackUnaware is the deterministic core of AssignReplicas, with Kafka's
// fixedStartIndex/nextReplicaShift made explicit so tests can pin them.
// Partitions before from are left nil; from > 0 starts the pattern there
// (startPartitionId).
func assignRackUnaware(ids []int32, from, partitions int32, rf, start, shift int) [][]int32 {
	n := len(ids)
	out := make([][]int32, from+partitions)
	for p := int(from); p < int(from+partitions); p++ {
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
