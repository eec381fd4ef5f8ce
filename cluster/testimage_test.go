package cluster

// testImage returns an image with live brokers 0..live-1, broker 9 fenced,
// and a topic "exists" with two partitions.
func testImage(live int) *Image {
	img := NewImage("test-cluster")
	img.ControllerID = 0
	for id := int32(0); id < int32(live); id++ {
		img.Brokers[id] = &Broker{ID: id, Epoch: 10 + int64(id),
			Endpoints: []Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9092 + id}}}
	}
	img.Brokers[9] = &Broker{ID: 9, Fenced: true, Endpoints: []Endpoint{{Host: "h9", Port: 1}}}
	img.Topics["exists"] = &Topic{Name: "exists", ID: TopicID{1}, Partitions: []Partition{
		{ID: 0, Replicas: []int32{0, 1}, ISR: []int32{0, 1}, Leader: 0, LeaderEpoch: 2},
		{ID: 1, Replicas: []int32{1, 0}, ISR: []int32{1}, Leader: 1},
	}}
	return img
}
