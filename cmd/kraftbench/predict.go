package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kraftbench/kraftbench/metrics"
	"github.com/kraftbench/kraftbench/metrics/predict"
	"github.com/kraftbench/kraftbench/metrics/report"
)

// confluent are Confluent's published figures at 2 million partitions
// (ZooKeeper mode, KRaft mode, seconds) and the step of ours that stands
// for each; printed beside the predictions at that count.
var confluent = []struct {
	what, step string
	zk, kraft  float64
}{
	{"controlled shutdown", string(metrics.ScaleControlledShutdown), 135, 32},
	{"recovery from an uncontrolled shutdown", string(metrics.ScaleFailover), 503, 37},
}

func newPredictCmd() *cobra.Command {
	var (
		dir        string
		partitions int
		brokers    int
		level      float64
	)
	cmd := &cobra.Command{
		Use:   "predict",
		Short: "Predict each scale step's time at a partition count, from a scale sweep's results",
		Long: `Fit, per mode, Kafka version and step of the scale sweep (make bench-scale),
t(n) = a + b·n — a fixed cost (detection timeouts, the election, the first
write) and a cost per partition — to the results under --results, and print
each step's predicted time at --partitions with a prediction interval.

The fit weighs every point by its relative error (weights 1/t²), keeps both
costs at zero or above, and gives the interval of a weighted regression at
--level (with as many parameters as points there is none, and it says so).
Then the model is checked where it can be: each curve's largest measured
count is held out, predicted from the smaller ones, and the error printed.
At 2,000,000 partitions Confluent's published figures are printed beside.

The model knows what the sweep measured and no more: one broker count (any
other --brokers is refused), kraftbench's Go nodes on the machine that ran
the sweep, no data plane. A line through a few points says where the curve
points; the held-out errors say how far to trust it.

Examples:
  kraftbench predict --partitions 2000000 --brokers 3
  kraftbench predict --results results/scale --partitions 500000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if partitions < 1 {
				return fmt.Errorf("--partitions %d: want at least 1", partitions)
			}
			if level <= 0 || level >= 1 {
				return fmt.Errorf("--level %v: want a confidence between 0 and 1, e.g. 0.95", level)
			}
			runs, err := report.Load(dir, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			var rs []*metrics.Result
			for _, r := range runs {
				rs = append(rs, r.Result)
			}
			sweep := predict.FromResults(rs)
			if len(sweep) == 0 {
				return fmt.Errorf("%s: no scale sweep results (workload scale, from make bench-scale)", dir)
			}
			if have := sweep.Brokers(); !slices.Contains(have, brokers) {
				return fmt.Errorf("--brokers %d: the sweep under %s measured %v brokers only, and the model has no per-broker cost to carry to another count", brokers, dir, have)
			}
			return printPredictions(cmd.OutOrStdout(), sweep, partitions, brokers, level)
		},
	}
	cmd.Flags().StringVar(&dir, "results", "results/scale", "folder of the scale sweep's result files")
	cmd.Flags().IntVar(&partitions, "partitions", 2_000_000, "partition count to predict at")
	cmd.Flags().IntVar(&brokers, "brokers", 3, "broker count to predict for (only a count the sweep measured)")
	cmd.Flags().Float64Var(&level, "level", 0.95, "confidence of the prediction intervals")
	return cmd
}

func printPredictions(out io.Writer, sweep predict.Sweep, partitions, brokers int, level float64) error {
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "Predicted at %d partitions, %d brokers (%.0f%% prediction intervals):\n\n", partitions, brokers, level*100)
	fmt.Fprintln(tw, "series\tstep\tmeasured at\tfixed\tper 1k partitions\tpredicted\tinterval")
	predicted := map[predict.Key]float64{}
	for _, k := range sweep.Keys() {
		if k.Brokers != brokers {
			continue
		}
		ps := sweep[k]
		f, err := predict.FitPoints(ps)
		if errors.Is(err, predict.ErrTooFewPoints) {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\tnot fitted: %v\n", k.Series(), k.Step, counts(ps), err)
			continue
		}
		if err != nil {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\tnot fitted: %v\n", k.Series(), k.Step, counts(ps), err)
			continue
		}
		p := f.Predict(partitions, level)
		predicted[k] = p.Seconds
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.Series(), k.Step, counts(ps), sec(f.Fixed), sec(f.PerPartition*1000),
			sec(p.Seconds), interval(p))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if partitions == 2_000_000 {
		fmt.Fprintf(out, "\nConfluent's figures at 2,000,000 partitions beside the model's:\n\n")
		tw = tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "Confluent's\tour step\ttheirs ZK\ttheirs KRaft\ttheirs ZK/KRaft\tpredicted ZK\tpredicted KRaft\tpredicted ZK/KRaft")
		for _, c := range confluent {
			var zk, kr float64
			for k, v := range predicted {
				if k.Step == c.step && k.Version == "3.9" {
					switch k.Mode {
					case "zk":
						zk = v
					case "kraft":
						kr = v
					}
				}
			}
			ratio := "-"
			if zk > 0 && kr > 0 {
				ratio = fmt.Sprintf("%.3gx", zk/kr)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.3gx\t%s\t%s\t%s\n", c.what, c.step, sec(c.zk), sec(c.kraft), c.zk/c.kraft, secOr(zk), secOr(kr), ratio)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	held := sweep.Validate(level)
	if len(held) == 0 {
		fmt.Fprintf(out, "\nNo curve has three counts or more: nothing to hold out, so the model is unchecked.\n")
		return nil
	}
	fmt.Fprintf(out, "\nHeld out: each curve fitted without its largest count, predicted there:\n\n")
	tw = tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "series\tstep\tfitted on\tat\tpredicted\tmeasured\terror")
	for _, h := range held {
		if h.Key.Brokers != brokers {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%d\t%s\t%s\t%+.0f%%\n", h.Key.Series(), h.Key.Step, h.Fitted, h.Prediction.Partitions,
			sec(h.Prediction.Seconds), sec(h.Measured), h.Error()*100)
	}
	return tw.Flush()
}

func counts(ps []predict.Point) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ","
		}
		s += shortCount(p.Partitions)
	}
	return s
}

func shortCount(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func sec(s float64) string {
	switch {
	case s >= 100:
		return fmt.Sprintf("%.0fs", s)
	case s >= 1:
		return fmt.Sprintf("%.3gs", s)
	case s >= 0.001:
		return fmt.Sprintf("%.3gms", s*1000)
	case s == 0:
		return "0"
	}
	return fmt.Sprintf("%.3gµs", s*1e6)
}

func secOr(s float64) string {
	if s <= 0 {
		return "-"
	}
	return sec(s)
}

func interval(p predict.Prediction) string {
	if !p.HasInterval {
		return fmt.Sprintf("none (%d points, %d parameters)", p.Fit.Points, p.Fit.Params)
	}
	return fmt.Sprintf("[%s, %s]", sec(p.Lo), sec(p.Hi))
}
