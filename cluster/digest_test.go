package cluster

import "testing"

func TestDigestStable(t *testing.T) {
	a, b := testImage(3), testImage(3)
	if a.Digest() != b.Digest() || a.Digest() != a.Clone().Digest() {
		t.Fatal("equal images digest differently")
	}
	// What a Metadata answer does not carry does not count.
	b.Offset, b.ControllerID, b.ClusterID = 99, 2, "other"
	b.Brokers[0] = &Broker{ID: 0, Epoch: 77, Endpoints: []Endpoint{{Listener: "OTHER", Host: "127.0.0.1", Port: 9092}}}
	b.Brokers[9] = &Broker{ID: 9, Fenced: true, Endpoints: []Endpoint{{Host: "elsewhere", Port: 2}}}
	t1 := b.Topics["exists"].Clone()
	t1.Configs = map[string]string{"retention.ms": "1"}
	t1.Partitions[0].ISR = []int32{1, 0} // ISR order
	b.Topics["exists"] = t1
	if a.Digest() != b.Digest() {
		t.Fatal("digest depends on fields a Metadata answer does not carry")
	}
}

func TestDigestSensitive(t *testing.T) {
	base := testImage(3).Digest()
	changes := map[string]func(img *Image){
		"leader":        func(img *Image) { img.Topics["exists"].Partitions[0].Leader = 1 },
		"leader epoch":  func(img *Image) { img.Topics["exists"].Partitions[0].LeaderEpoch++ },
		"replica order": func(img *Image) { img.Topics["exists"].Partitions[0].Replicas = []int32{1, 0} },
		"isr member":    func(img *Image) { img.Topics["exists"].Partitions[0].ISR = []int32{0} },
		"topic id":      func(img *Image) { img.Topics["exists"].ID = TopicID{7} },
		"topic name": func(img *Image) {
			t := img.Topics["exists"]
			delete(img.Topics, "exists")
			t.Name = "x"
			img.Topics["x"] = t
		},
		"extra topic":    func(img *Image) { img.Topics["more"] = &Topic{Name: "more"} },
		"partition gone": func(img *Image) { img.Topics["exists"].Partitions = img.Topics["exists"].Partitions[:1] },
		"broker host":    func(img *Image) { img.Brokers[1].Endpoints[0].Host = "other" },
		"broker port":    func(img *Image) { img.Brokers[1].Endpoints[0].Port++ },
		"broker rack":    func(img *Image) { img.Brokers[1].Rack = "r1" },
		"broker fenced":  func(img *Image) { img.Brokers[2].Fenced = true },
		"broker added":   func(img *Image) { img.Brokers[5] = &Broker{ID: 5} },
	}
	for name, change := range changes {
		img := testImage(3) // fresh values: mutating them is safe here
		change(img)
		if img.Digest() == base {
			t.Errorf("%s: digest unchanged", name)
		}
	}
}

// TestDigestNonLiveLeader: a leader that is not a live broker is what a
// Metadata answer reports as no leader, so the digest sees it as NoLeader.
func TestDigestNonLiveLeader(t *testing.T) {
	a, b := testImage(3), testImage(3)
	a.Topics["exists"].Partitions[1].Leader = 9 // fenced
	b.Topics["exists"].Partitions[1].Leader = NoLeader
	if a.Digest() != b.Digest() {
		t.Fatal("a fenced leader and no leader digest differently")
	}
}
