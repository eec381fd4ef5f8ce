package report

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"sort"

	"github.com/kraftbench/kraftbench/cluster"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plots names the plot files written, by base name (without extension);
// each exists as .png and .svg.
type Plots struct {
	Latency    map[[2]string]string // (workload, op)
	Throughput map[string]string    // workload
	Phases     string               // startup phases, "" when none
	// Sections holds the plots of workloads with a section of their own
	// (see sections.go), by workload.
	Sections map[string][]string
}

// Files lists every file written, sorted.
func (p Plots) Files() []string {
	var bases []string
	for _, b := range p.Latency {
		bases = append(bases, b)
	}
	for _, b := range p.Throughput {
		bases = append(bases, b)
	}
	if p.Phases != "" {
		bases = append(bases, p.Phases)
	}
	for _, bs := range p.Sections {
		bases = append(bases, bs...)
	}
	var out []string
	for _, b := range bases {
		out = append(out, b+".png", b+".svg")
	}
	sort.Strings(out)
	return out
}

// plotFormats are the formats every plot is written in.
var plotFormats = []string{"png", "svg"}

// Okabe-Ito colours, told apart with colour-blindness too.
var modeColors = map[cluster.Mode]color.Color{
	cluster.ModeZK:    color.RGBA{R: 213, G: 94, B: 0, A: 255},
	cluster.ModeKRaft: color.RGBA{R: 0, G: 114, B: 178, A: 255},
}

// seriesColor is the series' mode colour, or for a KRaft series of another
// Kafka version Okabe-Ito's sky blue, so KRaft 3.9 and 4.1 are told apart.
func seriesColor(s *Series) color.Color {
	if s.Version != cluster.DefaultKafkaVersion {
		return color.RGBA{R: 86, G: 180, B: 233, A: 255}
	}
	return modeColor(s.Mode)
}

func modeColor(mode cluster.Mode) color.Color {
	if c, ok := modeColors[mode]; ok {
		return c
	}
	return color.RGBA{R: 86, G: 86, B: 86, A: 255}
}

// saveGrid draws plots in a grid of cols columns into dir/base.png and
// dir/base.svg.
func saveGrid(dir, base string, plots []*plot.Plot, cols int, tileW, tileH vg.Length) error {
	rows := (len(plots) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for i, p := range plots {
		grid[i/cols][i%cols] = p
	}
	w, h := tileW*vg.Length(cols), tileH*vg.Length(rows)
	for _, format := range plotFormats {
		var c vg.CanvasWriterTo
		switch format {
		case "png":
			c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))}
		case "svg":
			c = vgsvg.New(w, h)
		}
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
			PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		canvases := plot.Align(grid, tiles, draw.New(c))
		for i := range grid {
			for j, p := range grid[i] {
				if p != nil {
					p.Draw(canvases[i][j])
				}
			}
		}
		if err := writeCanvas(filepath.Join(dir, base+"."+format), c); err != nil {
			return err
		}
	}
	return nil
}

func writeCanvas(path string, c vg.CanvasWriterTo) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("plot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}

// WritePlots renders every plot of the report into dir.
func WritePlots(dir string, ws []*Workload) (Plots, error) {
	p := Plots{Latency: map[[2]string]string{}, Throughput: map[string]string{}, Sections: map[string][]string{}}
	for _, w := range ws {
		if s, ok := sections[w.Name]; ok && s.plots != nil {
			bases, err := s.plots(dir, w)
			if err != nil {
				return p, err
			}
			p.Sections[w.Name] = bases
		}
		for _, op := range w.Ops {
			if !plotsLatency(op) {
				continue
			}
			base := "latency-" + fileName(w.Name) + "-" + fileName(op.Name)
			if err := saveGrid(dir, base, []*plot.Plot{latencyPlot(op)}, 1, 16*vg.Centimeter, 10*vg.Centimeter); err != nil {
				return p, err
			}
			p.Latency[[2]string{w.Name, op.Name}] = base
		}
		if panels := throughputPanels(w); len(panels) > 0 {
			base := "throughput-" + fileName(w.Name)
			cols := min(3, len(panels))
			if err := saveGrid(dir, base, panels, cols, 6*vg.Centimeter, 6*vg.Centimeter); err != nil {
				return p, err
			}
			p.Throughput[w.Name] = base
		}
		if w.Name == "startup" {
			if ph := phasesPlot(w); ph != nil {
				if err := saveGrid(dir, "startup-phases", []*plot.Plot{ph}, 1, 16*vg.Centimeter, 10*vg.Centimeter); err != nil {
					return p, err
				}
				p.Phases = "startup-phases"
			}
		}
	}
	return p, nil
}
