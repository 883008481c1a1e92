// Package svgplot is embrec's chart writer (embrec plot): line charts as
// SVG with no fonts or image libraries linked in.
package svgplot
