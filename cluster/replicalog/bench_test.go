package replicalog

import (
	"testing"
)

// BenchmarkCreate makes b.N replica logs in one directory (under TMPDIR),
// each with its partition.metadata written and fsynced as Kafka's
// PartitionMetadataFile.maybeFlush does: the file work a broker does per
// partition it hosts, which bounds creation at scale. Run it with TMPDIR on
// the filesystems to compare (scripts/scale-fs.sh for the 1M sweep's):
//
//	TMPDIR=/var/tmp/kraftbench-scale/tmp go test ./cluster/replicalog -run '^$' -bench Create -benchtime 20000x
func BenchmarkCreate(b *testing.B) {
	d, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	id := [16]byte{7}
	b.ResetTimer()
	for i := range b.N {
		if err := d.Create(Partition{Topic: "bench", ID: int32(i)}, id); err != nil {
			b.Fatal(err)
		}
	}
	if err := d.Close(); err != nil { // waits for every partition.metadata
		b.Fatal(err)
	}
}
