package cluster

import "testing"

func TestParseKafkaVersion(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    KafkaVersion
		wantErr bool
	}{
		{"", Kafka39, false}, {"3.9", Kafka39, false}, {"4.1", Kafka41, false},
		{"4.0", "", true}, {"3.9.0", "", true}, {"latest", "", true},
	} {
		got, err := ParseKafkaVersion(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseKafkaVersion(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestKafkaVersionBehaviours(t *testing.T) {
	if !Kafka39.SupportsMode(ModeZK) || Kafka41.SupportsMode(ModeZK) || !Kafka41.SupportsMode(ModeKRaft) {
		t.Error("ZooKeeper mode must exist in 3.9 only; KRaft in both")
	}
	if Kafka39.PreVote() || !Kafka41.PreVote() {
		t.Error("pre-vote (KIP-996) arrived in 4.0")
	}
	if Kafka39.FastHighWatermark() || !Kafka41.FastHighWatermark() || KafkaVersion("").FastHighWatermark() {
		t.Error("fast high-watermark propagation (KAFKA-14145) arrived in 4.1; the default is 3.9")
	}
}
