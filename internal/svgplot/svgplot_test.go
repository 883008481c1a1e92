package svgplot

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
)

func TestTicksCoverRoundSteps(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		step   float64
	}{{0, 10000, 2000}, {0.0123, 0.0617, 0.01}, {-3, 7, 2}, {1e-5, 1e-3, 2e-4}} {
		ts := Ticks(c.lo, c.hi, 6)
		if ts[0] > c.lo || ts[len(ts)-1] < c.hi {
			t.Errorf("[%g, %g]: ticks %v do not cover it", c.lo, c.hi, ts)
		}
		for i := 1; i < len(ts); i++ {
			if d := ts[i] - ts[i-1]; math.Abs(d-c.step) > 1e-9*c.step {
				t.Errorf("[%g, %g]: ticks %v, want steps of %g", c.lo, c.hi, ts, c.step)
				break
			}
		}
	}
}

// TestWriteSVG: the output parses as XML and holds a polyline per series
// with two or more points, a dot for a single point, the legend's names
// escaped, and no coordinate outside the canvas.
func TestWriteSVG(t *testing.T) {
	c := Chart{Title: "loss", XLabel: "step", YLabel: "loss <nats>", Series: []Series{
		{Name: "run a & b", X: []float64{1, 2, 3, 4}, Y: []float64{9, 7, math.NaN(), 5}},
		{Name: "one point", X: []float64{3}, Y: []float64{6}},
	}}
	var buf bytes.Buffer
	if err := c.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	d := xml.NewDecoder(strings.NewReader(out))
	polylines, circles := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, out)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "polyline":
				polylines++
				for _, a := range se.Attr {
					if a.Name.Local == "points" && len(strings.Fields(a.Value)) != 3 {
						t.Errorf("polyline points %q: want the 3 finite points", a.Value)
					}
				}
			case "circle":
				circles++
			}
		}
	}
	if polylines != 1 || circles != 1 {
		t.Errorf("%d polylines and %d circles, want 1 and 1", polylines, circles)
	}
	if !strings.Contains(out, "run a &amp; b") || !strings.Contains(out, "loss &lt;nats&gt;") {
		t.Error("legend or label text not escaped")
	}
	if err := (&Chart{Series: []Series{{X: []float64{1}, Y: []float64{math.Inf(1)}}}}).WriteSVG(io.Discard); err == nil {
		t.Error("a chart without a finite point was drawn")
	}
}
