package admin

import (
	"context"
	"fmt"

	"github.com/kraftbench/kraftbench/cluster"
	"github.com/kraftbench/kraftbench/cluster/front"
)

var _ cluster.PartitionAdmin = (*Client)(nil)

// CreatePartitions implements cluster.PartitionAdmin. kadm's
// CreatePartitions takes one count for every topic and no assignment, so
// the request is built here (front.CreatePartitionsRequestFor); franz-go
// sends it to the controller and retries NOT_CONTROLLER.
func (c *Client) CreatePartitions(ctx context.Context, specs []cluster.PartitionsSpec, validateOnly bool) ([]cluster.TopicResult, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	resp, err := front.CreatePartitionsRequestFor(specs, validateOnly, c.timeoutMillis).RequestWith(ctx, c.cl)
	if err != nil {
		return nil, fmt.Errorf("create partitions: %w", err)
	}
	return front.PartitionsResultsFrom(resp), nil
}
