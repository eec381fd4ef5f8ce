package cluster

import "context"

// Admin is what workloads drive: the client side of a cluster, spoken over the
// Kafka protocol (package cluster/admin implements it with franz-go's kadm),
// so the same workload runs against either mode or a real Kafka cluster.
//
// Concurrency: every method is safe for concurrent use. Calls are independent
// requests; two calls made concurrently may reach the cluster in either order.
// A call that returns has been answered: a CreateTopics that returns a success
// for a topic means the controller committed it (see Controller for what each
// mode waits for), not that every broker already serves it; use BrokerView to
// watch propagation.
//
// Errors: a non-nil error means the request as a whole failed (no answer,
// connection lost, ctx ended, or a whole-request Kafka error such as
// NOT_CONTROLLER after the client's retries); per-topic Kafka errors are
// returned in the TopicResult codes, never as the error.
type Admin interface {
	// CreateTopics creates the topics in one CreateTopics request and returns
	// one result per spec, in request order, with Kafka's error code and
	// message for each failure.
	CreateTopics(ctx context.Context, specs []TopicSpec) ([]TopicResult, error)
	// DeleteTopics deletes the named topics in one DeleteTopics request and
	// returns one result per name, in request order.
	DeleteTopics(ctx context.Context, names []string) ([]TopicResult, error)
	// Metadata returns the metadata of every topic as one broker (any)
	// answers it. The image holds exactly what a Metadata answer carries, so
	// its Digest equals the Digest of the image that broker served.
	Metadata(ctx context.Context) (*Image, error)
	// BrokerView asks the broker with the given id, and only that broker, for
	// the metadata it serves now. It is never routed elsewhere: comparing the
	// digests of every broker's view is how propagation is measured.
	BrokerView(ctx context.Context, brokerID int32) (*Image, error)
	// Close releases the client's connections. Calls after Close fail.
	Close()
}
