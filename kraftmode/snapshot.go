package kraftmode

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/twmb/franz-go/pkg/kbin"
)

// A snapshot is the image written as the records that rebuild it, as Kafka's
// metadata snapshots are: a header (version, offset, cluster id), then
// length-prefixed record batches of at most snapshotBatchRecords records
// (RegisterBrokerRecords, then per topic its TopicRecord, ConfigRecords and
// PartitionRecords), then a zero length. Restoring replays the batches onto an
// empty image, the same code path as replaying the log.

const (
	snapshotVersion      = 1
	snapshotBatchRecords = 4096
)

// writeSnapshot writes st's image to w.
func writeSnapshot(w io.Writer, st *metaState) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	hdr := []byte{snapshotVersion}
	hdr = kbin.AppendInt64(hdr, st.img.Offset)
	hdr = kbin.AppendString(hdr, st.img.ClusterID)
	if _, err := bw.Write(hdr); err != nil {
		return fmt.Errorf("write snapshot header: %w", err)
	}
	var pending []Record
	flush := func(force bool) error {
		if len(pending) == 0 || (!force && len(pending) < snapshotBatchRecords) {
			return nil
		}
		err := writeChunk(bw, encodeBatch(pending))
		pending = pending[:0]
		return err
	}
	for _, id := range st.img.BrokerIDs() {
		pending = append(pending, brokerRecord(st.img.Brokers[id], st.incarnations[id]))
	}
	if st.migration != MigrationNone {
		pending = append(pending, &ZkMigrationStateRecord{State: st.migration})
	}
	for _, name := range st.img.TopicNames() {
		pending = append(pending, topicRecords(st.img.Topics[name])...)
		if err := flush(false); err != nil {
			return err
		}
	}
	if err := flush(true); err != nil {
		return err
	}
	if err := writeChunk(bw, nil); err != nil {
		return err
	}
	return bw.Flush()
}

func writeChunk(w io.Writer, b []byte) error {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	if _, err := w.Write(n[:]); err != nil {
		return fmt.Errorf("write snapshot chunk: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write snapshot chunk: %w", err)
	}
	return nil
}

// maxSnapshotChunk bounds one batch of a snapshot, against corrupt lengths.
const maxSnapshotChunk = 256 << 20

// readSnapshot rebuilds a state from a snapshot written by writeSnapshot.
// It returns the number of records replayed.
func readSnapshot(r io.Reader) (*metaState, int, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var head [9]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return nil, 0, fmt.Errorf("read snapshot header: %w", err)
	}
	if head[0] != snapshotVersion {
		return nil, 0, fmt.Errorf("snapshot version %d is not %d", head[0], snapshotVersion)
	}
	offset := int64(binary.BigEndian.Uint64(head[1:]))
	var l [2]byte
	if _, err := io.ReadFull(br, l[:]); err != nil {
		return nil, 0, fmt.Errorf("read snapshot header: %w", err)
	}
	cid := make([]byte, int16(binary.BigEndian.Uint16(l[:])))
	if _, err := io.ReadFull(br, cid); err != nil {
		return nil, 0, fmt.Errorf("read snapshot header: %w", err)
	}
	st := newMetaState(string(cid))
	a := newApplier(st, false)
	n := 0
	for {
		chunk, err := readChunk(br)
		if err != nil {
			return nil, 0, err
		}
		if chunk == nil {
			break
		}
		recs, err := decodeBatch(chunk)
		if err != nil {
			return nil, 0, fmt.Errorf("snapshot: %w", err)
		}
		if err := a.apply(offset, recs); err != nil {
			return nil, 0, fmt.Errorf("snapshot: %w", err)
		}
		n += len(recs)
	}
	st.img.Offset = offset
	return st, n, nil
}

func readChunk(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, fmt.Errorf("read snapshot chunk: %w", err)
	}
	size := binary.BigEndian.Uint32(n[:])
	if size == 0 {
		return nil, nil
	}
	if size > maxSnapshotChunk {
		return nil, fmt.Errorf("read snapshot chunk: %w: %d bytes", errCorrupt, size)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("read snapshot chunk: %w", err)
	}
	return b, nil
}
