// Line charts as SVG: two axes with round ticks, one polyline per series
// and a legend. No fonts are embedded (the viewer renders the text).

package svgplot

import (
	"bufio"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// Series is one line: points (X[i], Y[i]); non-finite points are skipped.
type Series struct {
	Name string
	X, Y []float64
}

// Chart is a line chart of Width × Height pixels (0: 800 × 500).
type Chart struct {
	Title, XLabel, YLabel string
	Series                []Series
	Width, Height         int
}

// palette holds the series colours, reused in turn.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"}

// Margins around the plotting area, in pixels (the legend sits right).
const (
	marginLeft   = 72
	marginRight  = 200
	marginTop    = 36
	marginBottom = 48
)

// WriteSVG writes the chart. It fails when no series has a finite point.
func (c *Chart) WriteSVG(w io.Writer) error {
	W, H := c.Width, c.Height
	if W <= 0 || H <= 0 {
		W, H = 800, 500
	}
	x0, x1, y0, y1, ok := c.bounds()
	if !ok {
		return errors.New("svgplot: no finite point to draw")
	}
	xt, yt := Ticks(x0, x1, 6), Ticks(y0, y1, 6)
	x0, x1 = min(x0, xt[0]), max(x1, xt[len(xt)-1])
	y0, y1 = min(y0, yt[0]), max(y1, yt[len(yt)-1])
	pw, ph := float64(W-marginLeft-marginRight), float64(H-marginTop-marginBottom)
	px := func(x float64) float64 { return marginLeft + (x-x0)/(x1-x0)*pw }
	py := func(y float64) float64 { return marginTop + (1-(y-y0)/(y1-y0))*ph }

	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", W, H, W, H)
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="white"/>`+"\n", W, H)
	if c.Title != "" {
		fmt.Fprintf(b, `<text x="%d" y="22" text-anchor="middle" font-size="14">%s</text>`+"\n", marginLeft+int(pw)/2, html.EscapeString(c.Title))
	}
	for _, t := range xt {
		x := px(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x, marginTop, x, marginTop+ph)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, marginTop+ph+16, Label(t))
	}
	for _, t := range yt {
		y := py(t)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", marginLeft, y, marginLeft+pw, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", marginLeft-6, y+4, Label(t))
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%.1f" height="%.1f" fill="none" stroke="black"/>`+"\n", marginLeft, marginTop, pw, ph)
	fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", marginLeft+pw/2, H-8, html.EscapeString(c.XLabel))
	fmt.Fprintf(b, `<text transform="translate(16 %.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", marginTop+ph/2, html.EscapeString(c.YLabel))
	for i, s := range c.Series {
		col := palette[i%len(palette)]
		var pts []string
		var cx, cy float64 // the last point, drawn as a dot when it is the only one
		for j := range s.X {
			if j < len(s.Y) && finite(s.X[j]) && finite(s.Y[j]) {
				cx, cy = px(s.X[j]), py(s.Y[j])
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", cx, cy))
			}
		}
		if len(pts) == 1 {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`+"\n", cx, cy, col)
		} else if len(pts) > 1 {
			fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", col, strings.Join(pts, " "))
		}
		ly := marginTop + 8 + 18*i
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", marginLeft+pw+12, ly, marginLeft+pw+36, ly, col)
		fmt.Fprintf(b, `<text x="%.1f" y="%d">%s</text>`+"\n", marginLeft+pw+42, ly+4, html.EscapeString(s.Name))
	}
	b.WriteString("</svg>\n")
	return b.Flush()
}

// bounds returns the range of the finite points, widened where it is
// empty so that the axes have a length.
func (c *Chart) bounds() (x0, x1, y0, y1 float64, ok bool) {
	x0, y0 = math.Inf(1), math.Inf(1)
	x1, y1 = math.Inf(-1), math.Inf(-1)
	for _, s := range c.Series {
		for j := range s.X {
			if j < len(s.Y) && finite(s.X[j]) && finite(s.Y[j]) {
				x0, x1, y0, y1 = min(x0, s.X[j]), max(x1, s.X[j]), min(y0, s.Y[j]), max(y1, s.Y[j])
				ok = true
			}
		}
	}
	widen := func(lo, hi float64) (float64, float64) {
		if hi > lo {
			return lo, hi
		}
		d := math.Max(math.Abs(lo)*0.1, 1e-9)
		return lo - d, hi + d
	}
	x0, x1 = widen(x0, x1)
	y0, y1 = widen(y0, y1)
	return x0, x1, y0, y1, ok
}

// Ticks returns about n round values (1, 2 or 5 times a power of ten
// apart) that cover [lo, hi], lo < hi, the first <= lo and the last >= hi.
func Ticks(lo, hi float64, n int) []float64 {
	raw := (hi - lo) / float64(max(n-1, 1))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	first := math.Floor(lo/step) * step
	var t []float64
	for k := 0; ; k++ {
		v := first + float64(k)*step
		t = append(t, v)
		if v >= hi-step*1e-9 {
			return t
		}
	}
}

// Label formats a tick value briefly ("0.05", "2000", "1e-05").
func Label(v float64) string {
	if math.Abs(v) < 1e-12 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
