package admin

import (
	"context"
	"fmt"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

var _ cluster.ReassignAdmin = (*Client)(nil)

// AlterPartitionReassignments implements cluster.ReassignAdmin: one
// AlterPartitionReassignments request (front.AlterPartitionReassignmentsRequestFor),
// which franz-go sends to the controller and retries on NOT_CONTROLLER, as
// kafka-reassign-partitions.sh's admin client does.
func (c *Client) AlterPartitionReassignments(ctx context.Context, specs []cluster.ReassignSpec) ([]cluster.PartitionResult, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	resp, err := front.AlterPartitionReassignmentsRequestFor(specs, c.timeoutMillis).RequestWith(ctx, c.cl)
	if err != nil {
		return nil, fmt.Errorf("alter partition reassignments: %w", err)
	}
	return front.ReassignResultsFrom(specs, resp), nil
}

// ListPartitionReassignments implements cluster.ReassignAdmin (nil which:
// every reassignment in progress). A top-level error is returned as a
// *cluster.Error with its Kafka code.
func (c *Client) ListPartitionReassignments(ctx context.Context, which []cluster.TopicPartitions) ([]cluster.Reassignment, error) {
	resp, err := front.ListPartitionReassignmentsRequestFor(which, c.timeoutMillis).RequestWith(ctx, c.cl)
	if err != nil {
		return nil, fmt.Errorf("list partition reassignments: %w", err)
	}
	return front.ReassignmentsFrom(resp)
}
