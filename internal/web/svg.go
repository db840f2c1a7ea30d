package web

import (
	"html"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/figwatch/watcher/internal/store"
)

// Chart geometry and colours. The colours are attributes rather than CSS
// so that the SVG reads the same when saved on its own.
const (
	minChartW = 160
	minChartH = 60

	chartCharW  = 6 // width budget per label character at font-size 10
	chartRight  = 10
	chartTop    = 8
	chartBottom = 20
	chartInset  = 6

	colourOfficial = "#1f6feb"
	colourPress    = "#e8590c"
	colourAxis     = "#8c959f"
	colourGrid     = "#d0d7de"
	colourText     = "#57606a"

	// tooltipQuote caps the quote in a point's tooltip.
	tooltipQuote = 200
)

// RenderSVG draws a metric's history as an inline SVG chart of w×h pixels
// (at least 160×60): official observations as a step line, since an
// official figure stands until the next one replaces it, with a hollow
// marker where each was stated; press claims as filled dots of another
// colour (a stated range as a bar). The y axis is labelled with the lowest
// and highest values, the x axis with the first and last dates, and every
// marker carries a <title> tooltip with value, date, source and quote.
//
// Points are placed by publication time (observation time when the
// document had none), whatever the order of history. All text is escaped,
// so the result is safe to embed in a page; the output depends only on the
// arguments.
func RenderSVG(history []store.Observation, w, h int) template.HTML {
	w = max(w, minChartW)
	h = max(h, minChartH)
	byTime := func(a, b store.Observation) int { return observationTime(a).Compare(observationTime(b)) }
	pts := history
	if !slices.IsSortedFunc(pts, byTime) { // as the store reads them, mostly
		pts = slices.Clone(history)
		slices.SortStableFunc(pts, byTime)
	}

	var official, press int
	for _, o := range pts {
		if o.Authority == "official" {
			official++
		} else {
			press++
		}
	}

	var b strings.Builder
	b.Grow(1024 + 384*len(pts)) // a marker and its tooltip: ~300 bytes
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="`)
	b.WriteString(strconv.Itoa(w))
	b.WriteString(`" height="`)
	b.WriteString(strconv.Itoa(h))
	b.WriteString(`" viewBox="0 0 `)
	b.WriteString(strconv.Itoa(w))
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(h))
	b.WriteString(`" role="img" font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="10" aria-label="`)
	if len(pts) == 0 {
		b.WriteString(`No observations yet">`)
		b.WriteString(`<text x="` + coord(float64(w)/2) + `" y="` + coord(float64(h)/2+3) + `" text-anchor="middle" fill="` + colourText + `">no observations yet</text></svg>`)
		return template.HTML(b.String())
	}
	first, last := observationTime(pts[0]), observationTime(pts[len(pts)-1])
	firstDate, lastDate := first.Format("2006-01-02"), last.Format("2006-01-02")
	b.WriteString(strconv.Itoa(official) + " official and " + strconv.Itoa(press) + " press observations, " + firstDate)
	if lastDate != firstDate {
		b.WriteString(" to " + lastDate)
	}
	b.WriteString(`">`)

	unit := ""
	vmin, vmax := math.Inf(1), math.Inf(-1)
	for _, o := range pts {
		if unit == "" {
			unit = o.Unit
		}
		vmin, vmax = min(vmin, o.Value), max(vmax, o.Value)
		if isRange(o) {
			vmax = max(vmax, o.High)
		}
	}
	minLabel, maxLabel := formatAmount(vmin, unit, false), formatAmount(vmax, unit, false)

	// The plot area leaves room for the longer value label on the left
	// and the dates below.
	left := float64(chartCharW*max(utf8.RuneCountInString(minLabel), utf8.RuneCountInString(maxLabel)) + 10)
	right := float64(w - chartRight)
	top, bottom := float64(chartTop), float64(h-chartBottom)

	// Pad the value range so that markers at the extremes are not cut by
	// the frame; a flat history gets a band around its one value.
	pad := (vmax - vmin) * 0.08
	if pad == 0 {
		pad = math.Abs(vmax) * 0.1
		if pad == 0 {
			pad = 1
		}
	}
	lo, hi := vmin-pad, vmax+pad
	y := func(v float64) float64 { return bottom - (v-lo)/(hi-lo)*(bottom-top) }
	// Markers are inset from the frame so that the first and last are not
	// drawn over the axis or cut at the edge.
	xl, xr := left+chartInset, right-chartInset
	span := last.Sub(first).Seconds()
	x := func(o store.Observation) float64 {
		if span <= 0 {
			return (xl + xr) / 2
		}
		return xl + observationTime(o).Sub(first).Seconds()/span*(xr-xl)
	}

	// Frame: gridlines at the extremes, axes, labels.
	b.WriteString(`<g class="axes">`)
	gridline(&b, left, right, y(vmax))
	if vmin != vmax {
		gridline(&b, left, right, y(vmin))
	}
	b.WriteString(`<path d="M` + coord(left) + ` ` + coord(top) + `V` + coord(bottom) + `H` + coord(right) + `" fill="none" stroke="` + colourAxis + `"/>`)
	label(&b, left-4, y(vmax)+3.5, "end", maxLabel)
	if vmin != vmax {
		label(&b, left-4, y(vmin)+3.5, "end", minLabel)
	}
	switch {
	case span <= 0:
		label(&b, (xl+xr)/2, float64(h-6), "middle", firstDate)
	case lastDate == firstDate:
		label(&b, xl, float64(h-6), "start", firstDate)
	default:
		label(&b, xl, float64(h-6), "start", firstDate)
		label(&b, xr, float64(h-6), "end", lastDate)
	}
	b.WriteString(`</g>`)

	if official > 0 {
		// The step line: each official figure holds until the next, and
		// the latest holds to the right edge.
		b.WriteString(`<path class="official" d="`)
		n := 0
		for _, o := range pts {
			if o.Authority != "official" {
				continue
			}
			if n == 0 {
				b.WriteString("M" + coord(x(o)) + " " + coord(y(o.Value)))
			} else {
				b.WriteString("H" + coord(x(o)) + "V" + coord(y(o.Value)))
			}
			n++
		}
		b.WriteString("H" + coord(right) + `" fill="none" stroke="` + colourOfficial + `" stroke-width="2" stroke-linejoin="round"/>`)
		// The markers' paint is the group's, said once: a chart of the
		// 250 observations a status carries has as many markers.
		b.WriteString(`<g class="official-points" fill="#fff" stroke="` + colourOfficial + `" stroke-width="1.5">`)
		for _, o := range pts {
			if o.Authority == "official" {
				marker(&b, o, x(o), y(o.Value), y(o.High), `3`, colourOfficial)
			}
		}
		b.WriteString(`</g>`)
	}
	if press > 0 {
		b.WriteString(`<g class="press-points" fill="` + colourPress + `" fill-opacity="0.85" stroke="#fff" stroke-width="1">`)
		for _, o := range pts {
			if o.Authority != "official" {
				marker(&b, o, x(o), y(o.Value), y(o.High), `3.5`, colourPress)
			}
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// coord writes a coordinate to a tenth of a pixel, which keeps the markup
// short and the output stable across platforms.
func coord(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

func gridline(b *strings.Builder, x1, x2, y float64) {
	b.WriteString(`<path d="M` + coord(x1) + ` ` + coord(y) + `H` + coord(x2) + `" stroke="` + colourGrid + `" stroke-dasharray="3 3"/>`)
}

func label(b *strings.Builder, x, y float64, anchor, text string) {
	b.WriteString(`<text x="` + coord(x) + `" y="` + coord(y) + `" text-anchor="` + anchor + `" fill="` + colourText + `">`)
	b.WriteString(html.EscapeString(text))
	b.WriteString(`</text>`)
}

// marker draws one observation: a circle of radius r, painted by its
// group, (and a bar up to its upper bound for a range) grouped with its
// tooltip, so hovering either shows it.
func marker(b *strings.Builder, o store.Observation, x, y, yHigh float64, r, colour string) {
	b.WriteString(`<g><title>`)
	b.WriteString(html.EscapeString(tooltip(o)))
	b.WriteString(`</title>`)
	// Written piece by piece: a chart has a marker per observation, and
	// concatenating each element first was a fifth of the page's cost.
	cx, cy := coord(x), coord(y)
	if isRange(o) {
		for _, s := range [...]string{`<path d="M`, cx, ` `, cy, `V`, coord(yHigh), `" stroke="`, colour, `" stroke-width="2"/>`} {
			b.WriteString(s)
		}
	}
	for _, s := range [...]string{`<circle cx="`, cx, `" cy="`, cy, `" r="`, r, `"/></g>`} {
		b.WriteString(s)
	}
}

// oneLine is strings.Join(strings.Fields(s), " "): s itself, without a
// copy, when it is one line already, as most quotes are (a chart has a
// tooltip per observation).
func oneLine(s string) string {
	clean := len(s) > 0 && s[0] != ' ' && s[len(s)-1] != ' '
	for i := 0; clean && i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			clean = c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' && !(c == ' ' && i+1 < len(s) && s[i+1] == ' ')
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		clean = !unicode.IsSpace(r)
		i += size
	}
	if clean {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// tooltip is a marker's text: "official · over 291,000 jobs · 2024-05-03 ·
// bls-jobs — “The economy added …”".
func tooltip(o store.Observation) string {
	authority := o.Authority
	if authority == "" {
		authority = "press"
	}
	value := formatObservationValue(o)
	if q := observationQualifier(o); q != "" {
		value = q + " " + value
	}
	parts := []string{authority, value, observationTime(o).Format("2006-01-02")}
	if o.Source != "" {
		parts = append(parts, o.Source)
	}
	s := strings.Join(parts, " · ")
	if o.Quote != "" {
		s += " — “" + truncate(oneLine(o.Quote), tooltipQuote) + "”"
	}
	return s
}
