package report

// SeedDocument is the seed's path in the shared design folder.
const SeedDocument = "seed/000_6700528c39a61423.md"

// seedClaims are the seed document's quantitative claims, quoted from its
// section 7 (性能对比分析, "performance comparison"). None states how it was
// measured beyond the startup test's cluster size.
var seedClaims = []Claim{
	{
		Title:       "Startup 45% faster",
		Short:       "提升幅度: 45% 更快 (110秒 → 60秒)",
		Quote:       "测试环境: 3节点集群，100个主题，1000个分区 … ZooKeeper模式启动 … 总计: 110秒 … KRaft模式启动 … 总计: 60秒 … 提升幅度: 45% 更快 ⚡",
		Where:       "§7.1 启动性能对比, lines 668-688",
		Translation: "Test environment: 3-node cluster, 100 topics, 1000 partitions. ZooKeeper-mode startup: 110 s in total; KRaft-mode startup: 60 s in total. Improvement: 45% faster.",
		Claimed:     0.55,
		Workload:    "startup", Op: "startup", Metric: metricP50,
		Caveats: []string{
			"Our startup is a cold restart of every node (and, in ZooKeeper mode, the ZooKeeper ensemble) holding existing metadata, timed from the first process started until a controller is active, every broker is registered and unfenced and every broker serves the same metadata; readiness is polled every 50 ms.",
			"Our brokers and controllers are kraftbench's own Go processes, not the JVM: JVM start-up, class loading and partition log recovery, which dominate the seed's 30-45 s phases, are not in our figures. ZooKeeper itself is the real Apache ZooKeeper on the JVM, so ZooKeeper mode pays its start-up and KRaft mode does not.",
			"The seed's cluster had 100 topics and 1000 partitions; compare with the startup params in the configuration table below.",
		},
	},
	{
		Title:       "Metadata latency 75% lower",
		Short:       "元数据操作延迟 50-100ms → 10-20ms, 75% ↓",
		Quote:       "| 🕐 **元数据操作延迟** | `50-100ms` | `10-20ms` | `75% ↓` |",
		Where:       "§7.2 核心性能指标 table, line 698",
		Translation: "Metadata operation latency: ZooKeeper mode 50-100 ms, KRaft mode 10-20 ms, 75% lower.",
		Claimed:     0.25,
		Workload:    "propagation", Op: "propagation", Metric: metricP50,
		Caveats: []string{
			"The seed does not define \"metadata operation latency\". We take the time from a CreateTopics acknowledgement until the last broker serves the new topic with a leader for every partition (op propagation), the metadata path where the two designs differ (ZooKeeper-mode pushes UpdateMetadata from the controller; KRaft brokers fetch the metadata log).",
			"Resolution is one broker poll interval plus one Metadata round trip (see the propagation notes); on loopback both are well under a millisecond to a few milliseconds, so small absolute differences are within it.",
			"Loopback or one-host containers: no network latency between nodes, which both designs would pay.",
		},
	},
	{
		Title:       "Topic creation 4x faster",
		Short:       "主题创建速度 5个/秒 → 20个/秒, 300% ↑",
		Quote:       "| 📊 **主题创建速度** | `5个/秒` | `20个/秒` | `300% ↑` |",
		Where:       "§7.2 核心性能指标 table, line 699",
		Translation: "Topic creation speed: ZooKeeper mode 5 per second, KRaft mode 20 per second, 300% higher (4x).",
		Claimed:     0.25,
		Workload:    "topics", Op: "create", Metric: metricThroughput,
		Caveats: []string{
			"The seed gives no partition count, replication factor, batch size or concurrency; ours are in the configuration table below. With one closed-loop client, throughput is the inverse of latency; with several it also measures the controller's concurrency.",
			"A CreateTopics answer counts as done when every partition has a leader in the brokers' caches (ZooKeeper mode, as Kafka's DelayedCreatePartitions) or when the topic's records commit (KRaft mode, as Kafka): each mode's own definition of done, as a client sees it.",
		},
	},
	{
		Title:       "Failover 70% faster",
		Short:       "故障恢复时间 30-60秒 → 10-15秒, 70% ↓",
		Quote:       "| 🔄 **故障恢复时间** | `30-60秒` | `10-15秒` | `70% ↓` |",
		Where:       "§7.2 核心性能指标 table, line 700",
		Translation: "Failure recovery time: ZooKeeper mode 30-60 s, KRaft mode 10-15 s, 70% lower.",
		Claimed:     0.3,
		Workload:    "failover", Metric: metricFailover,
		Caveats: []string{
			"The seed does not say which failure it recovers from, nor what recovered means. We take the worst one for a control plane, kill -9 of the active controller, under Kafka's default timeouts, and call it recovered when a new controller is active, every partition the lost node led has a live leader on every surviving broker, and clients' writes succeed again (the largest of those three times). Other faults and the tuned profile are in the failover section.",
			"Kafka's defaults alone set much of it: a crashed ZooKeeper-mode controller is noticed when its ZooKeeper session expires (zookeeper.session.timeout.ms = 18000), a KRaft leader when a follower's fetch times out (controller.quorum.fetch.timeout.ms = 2000; hashicorp/raft randomises it to 2-4 s here, see kraftmode/doc.go). In ZooKeeper mode the controller is also a broker, so its partitions move at the same moment; in KRaft mode with separate controllers no partition leadership is lost.",
			"Our nodes are kraftbench's own Go processes: no JVM, no partition logs to recover, no data to re-replicate. What remains is the control plane's own detection, election and metadata reload.",
		},
	},
	{
		Title:       "15-25% fewer resources",
		Short:       "内存使用 减少15%, 网络开销 减少25%",
		Quote:       "| 💾 **内存使用** | `基准值` | `减少15%` | `15% ↓` | / | 🌐 **网络开销** | `基准值` | `减少25%` | `25% ↓` |; 节省: 15% CPU资源 … 节省: 15% 内存资源 … 节省: 20% 磁盘I/O … 节省: 25% 网络带宽",
		Where:       "§7.2 table, lines 701-702; §7.4 资源使用效率, lines 733-751",
		Translation: "Memory use: baseline vs 15% less; network overhead: baseline vs 25% less. Savings: 15% CPU, 15% memory, 20% disk I/O, 25% network bandwidth.",
		Claimed:     0.8,
		Workload:    "topics", Metric: metricResources,
		Unmeasured: "these results carry no per-node resource usage",
		Caveats: []string{
			"kraftbench's brokers and controllers are its own Go processes (kbnode), while ZooKeeper is the real Apache ZooKeeper on a JVM, and the seed's claim is about Kafka's JVM brokers and controllers. So the verdict compares only like-for-like parts: the nodes of each mode (ZooKeeper mode's brokers, each controller-eligible as in Kafka, against KRaft's brokers and controller quorum), all Go. The ZooKeeper ensemble, a JVM with no KRaft counterpart, is reported on its own as the cost of running a second system. What cannot be concluded here: how much memory or CPU a Kafka cluster saves, since neither a Go quorum nor a Go broker stands for Kafka's JVMs, and a JVM's resident memory follows its heap settings more than its work.",
			"Judged on two figures, each a total over the nodes of the cluster between the first and last usage sample of the workload: CPU (user+system) per successful operation, and memory as the sum of each process's peak RSS. CPU is taken per operation because a faster mode does more operations in the same window; the operations counted are every op's successful samples except `floor` (measured apart), `metadata` and `propagation_broker` (parts of one propagation sample) and `phase_*` (parts of one startup sample). The claim asserts both, so its verdict is the weaker of the two figures' verdicts. KRaft mode has more nodes (its controllers are processes of their own), which do the work ZooKeeper does in ZooKeeper mode.",
			"The verdict comes from one workload: `topics` when it has resource figures in both modes, else the first that has, by name; the same figures in other workloads are listed beside it. Network bytes (the seed's 25%) are in the workload resource tables where the provider measures them, but not in the verdict; disk I/O is not measured.",
			"§7.4's savings are differences of utilisation bars (CPU 85% vs 70%, memory 90% vs 75%): percentage points, not relative reductions (15 points of 85% is 18%).",
		},
	},
}
