package extract

import (
	"fmt"
	"io"
	"strings"
)

// Frame is the phrase a figure is read from (see frame.go for how it is
// found). Offsets are bytes into the input, like Figure's.
type Frame struct {
	Text        string   `json:"text"`                // the figure's own phrase; every text here is as written in the input
	Start       int      `json:"start"`               // offsets of Text
	End         int      `json:"end"`                 //
	Noun        string   `json:"noun,omitempty"`      // the counted noun phrase: "encounters between ports of entry"
	Predicate   string   `json:"predicate,omitempty"` // what happened to it: "were not served notices to appear"
	Negated     bool     `json:"negated,omitempty"`   // the predicate is negated
	Modifiers   []string `json:"modifiers,omitempty"` // names narrowing it: "Medicare", "Border Patrol"
	Attached    []string `json:"attached,omitempty"`  // phrases it explains or is explained by
	Reference   string   `json:"reference,omitempty"` // words pointing to an earlier noun: "of these"
	Period      string   `json:"period,omitempty"`    // when: "in fiscal year 2023", "since mid-May"
	PeriodStart int      `json:"period_start,omitempty"`
	PeriodEnd   int      `json:"period_end,omitempty"`
}

// spanText returns the text of tokens t as written in the input, like
// Figure.Text, with its offsets: the frame's parts are substrings of the
// input, never copies.
func (d *doc) spanText(t tspan) (string, int, int) {
	if t.empty() {
		return "", 0, 0
	}
	start, end := d.c.origStart(int(d.toks[t.a].s)), d.c.origEnd(int(d.toks[t.b-1].e))
	return d.c.orig[start:end], start, end
}

// fillFrame renders the frame of figure i of the current sentence into fr.
// Its lists (Modifiers, Attached) are appended to strs and returned as
// ranges of it: the caller cuts them from one block for the whole call.
func (d *doc) fillFrame(fr *Frame, s span, items []item, i int, strs *[]string) frameLists {
	f := &d.frames[i]
	it := &items[i]
	fr.Text, fr.Start, fr.End = d.spanText(f.own)
	// The counted noun phrase: the words after the number up to a verb or
	// preposition, with a partitive "of the …" kept.
	j := it.tb
	ne := j
	if d.wordAt(j) == "of" {
		ne = j + 1
		switch d.wordAt(ne) {
		case "the", "these", "those", "their", "all", "them":
			ne++
		}
	}
	ne = min(d.nounEnd(ne), f.own.b)
	// "encounters between ports of entry": a noun's own prepositional phrase.
	if w := d.wordAt(ne); ne > j && (w == "between" || w == "at" || w == "along" || w == "of") {
		e := ne + 1
		for e < f.own.b && d.wordAt(e) != "" && !unitStop(d.wordAt(e)) || e < f.own.b && (d.wordAt(e) == "of" || d.wordAt(e) == "the") {
			e++
		}
		if e > ne+1 {
			ne = e
		}
	}
	if ne > j {
		fr.Noun, _, _ = d.spanText(tspan{j, ne})
	}
	pred := tspan{ne, f.own.b}
	if pred.empty() || d.segBreak(pred.a) {
		pred = tspan{f.own.a, figStart(it)}
	}
	fr.Predicate, _, _ = d.spanText(pred)
	// The words of the predicate were normalised for matching: a negation
	// among them is negWord.
	if a, b := d.ttSpan(s, pred); a < b {
		for _, t := range d.tt[a:b] {
			if t.code == normNeg {
				fr.Negated = true
				break
			}
		}
	}
	if fr.Predicate == fr.Text {
		fr.Predicate = ""
	}
	var rbuf [4]tspan
	ranges := append(append(rbuf[:0], f.own), f.heads[:f.nheads]...)
	from := len(*strs)
	for _, nm := range d.names {
		for _, r := range ranges {
			if r.a <= nm.a && nm.b <= r.b && !(it.ta < nm.b && nm.a < it.tb) {
				m, _, _ := d.spanText(nm)
				*strs = append(*strs, m)
				break
			}
		}
	}
	var ls frameLists
	ls.mod = [2]int32{int32(from), int32(len(*strs))}
	from = len(*strs)
	for _, h := range f.heads[:f.nheads] {
		t, _, _ := d.spanText(h)
		*strs = append(*strs, t)
	}
	ls.att = [2]int32{int32(from), int32(len(*strs))}
	fr.Reference, _, _ = d.spanText(f.ref)
period:
	for _, r := range ranges {
		for _, p := range d.periods {
			if r.a <= p.a && p.b <= r.b {
				fr.Period, fr.PeriodStart, fr.PeriodEnd = d.spanText(p)
				break period
			}
		}
	}
	return ls
}

// frameLists are where a Frame's lists lie in the call's string block.
type frameLists struct{ mod, att [2]int32 }

// Explanation says why a figure got its metric: its frame and, for every
// metric with evidence, what matched, what vetoed, and the decision.
type Explanation struct {
	Figure   Figure           `json:"figure"`
	Metrics  []MetricEvidence `json:"metrics,omitempty"`
	Decision string           `json:"decision"` // one line, for a reporter
}

// MetricEvidence is one metric's case for a figure.
type MetricEvidence struct {
	Metric   string      `json:"metric"`
	Matched  []TermMatch `json:"matched,omitempty"` // any terms found, best first
	Vetoed   *TermMatch  `json:"vetoed,omitempty"`  // the none term that ruled it out
	Missing  string      `json:"missing,omitempty"` // an all term not found
	UnitOK   bool        `json:"unit_ok"`
	Eligible bool        `json:"eligible"`
	Where    string      `json:"where,omitempty"` // tier of the best match
	Distance int         `json:"distance"`        // words between the best match and the number
}

// TermMatch is one rule term found near a figure.
type TermMatch struct {
	Term  string `json:"term"`  // as written in the rule
	Text  string `json:"text"`  // as written in the document
	Where string `json:"where"` // "own phrase", "attached phrase", "clause", "sentence", "antecedent", "another figure's frame"
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Explain extracts like Extract and says, per figure, why it got its metric.
func (e *Extractor) Explain(text string) []Explanation {
	var out []Explanation
	e.runExplain(text, &out)
	return out
}

func (d *doc) ttMatch(tt []ttok, a, b int) (string, int, int) {
	if a >= b {
		return "", 0, 0
	}
	start, end := d.c.origStart(int(tt[a].s)), d.c.origEnd(int(tt[b-1].e))
	return collapseSpace(d.c.orig[start:end]), start, end
}

// explainFigure records the evidence behind figure i's metric.
func (d *doc) explainFigure(s span, items []item, i int, best []candidate, ctx bool, eligible func(int) bool, win candidate, winners int) {
	it := &items[i]
	f := &d.frames[i]
	ex := Explanation{}
	evs := make([]MetricEvidence, len(d.e.rules))
	for ri := range evs {
		evs[ri].Metric = d.e.rules[ri].id
	}
	add := func(tt []ttok, o occurrence, where string) {
		tm := &d.e.terms[o.term]
		m := TermMatch{Term: tm.src, Where: where}
		m.Text, m.Start, m.End = d.ttMatch(tt, int(o.a), int(o.b))
		evs[tm.rule].Matched = append(evs[tm.rule].Matched, m)
	}
	for _, o := range d.occ {
		if tier := d.tierOf(s, items, i, o); tier < 0 {
			add(d.tt, o, "another figure's frame")
		} else {
			add(d.tt, o, tierNames[tier])
		}
	}
	if ctx {
		for _, o := range d.cocc {
			add(d.ctt, o, tierNames[tierContext])
		}
	}
	var kept []MetricEvidence
	for ri := range evs {
		ev := &evs[ri]
		r := &d.e.rules[ri]
		if len(ev.Matched) == 0 {
			continue
		}
		c := best[ri]
		if c.ok {
			ev.Where, ev.Distance = tierNames[c.tier], c.dist
			// Best match first.
			for k, m := range ev.Matched {
				if m.Where == ev.Where {
					ev.Matched[0], ev.Matched[k] = ev.Matched[k], ev.Matched[0]
					break
				}
			}
		}
		ev.UnitOK = r.acceptsUnit(it.unit, it.special)
		if ai := d.allMissing(r, ctx); ai >= 0 {
			ev.Missing = r.allSrc[ai]
		}
		if ni, at := d.vetoIn(s, r, f); ni >= 0 {
			m := TermMatch{Term: r.noneSrc[ni]}
			end, _ := d.matchAt(d.tt, at, r.none[ni])
			m.Text, m.Start, m.End = d.ttMatch(d.tt, at, end)
			m.Where = "frame"
			ev.Vetoed = &m
		}
		ev.Eligible = eligible(ri)
		kept = append(kept, *ev)
	}
	ex.Metrics = kept
	ex.Decision = decision(kept, win, winners, d.e.rules)
	*d.ex = append(*d.ex, ex)
}

// decision says in one line why the winner won, or why there is none.
func decision(evs []MetricEvidence, win candidate, winners int, rules []compiledRule) string {
	if len(evs) == 0 {
		return "no metric: no rule term near this figure"
	}
	var el []MetricEvidence
	for _, ev := range evs {
		if ev.Eligible {
			el = append(el, ev)
		}
	}
	if len(el) == 0 {
		var why []string
		for _, ev := range evs {
			switch {
			case ev.Vetoed != nil:
				why = append(why, fmt.Sprintf("%s vetoed by %q", ev.Metric, ev.Vetoed.Term))
			case !ev.UnitOK:
				why = append(why, ev.Metric+": unit not admitted")
			case ev.Missing != "":
				why = append(why, fmt.Sprintf("%s lacks all-term %q", ev.Metric, ev.Missing))
			default:
				why = append(why, ev.Metric+": its terms belong to another figure")
			}
		}
		return "no metric: " + strings.Join(why, "; ")
	}
	if winners > 1 {
		var tied []string
		for _, ev := range el {
			if ev.Where == tierNames[win.tier] && ev.Distance == win.dist {
				tied = append(tied, fmt.Sprintf("%s (%q)", ev.Metric, ev.Matched[0].Term))
			}
		}
		return fmt.Sprintf("ambiguous: %s tie in the %s at distance %d; not guessed", strings.Join(tied, " and "), tierNames[win.tier], win.dist)
	}
	var w MetricEvidence
	for _, ev := range el {
		if ev.Where == tierNames[win.tier] && ev.Distance == win.dist {
			w = ev
			break
		}
	}
	line := fmt.Sprintf("%s: %q in the %s", w.Metric, w.Matched[0].Term, w.Where)
	switch w.Distance {
	case 0:
	case 1:
		line += ", next to the number"
	default:
		line += fmt.Sprintf(", %d words from the number", w.Distance)
	}
	var beat []string
	for _, ev := range evs {
		if ev.Metric == w.Metric {
			continue
		}
		switch {
		case ev.Vetoed != nil:
			beat = append(beat, fmt.Sprintf("%s vetoed by %q", ev.Metric, ev.Vetoed.Term))
		case !ev.UnitOK:
			beat = append(beat, ev.Metric+" does not admit the unit")
		case ev.Missing != "":
			beat = append(beat, fmt.Sprintf("%s lacks %q", ev.Metric, ev.Missing))
		case ev.Where == "":
			beat = append(beat, ev.Metric+"'s terms belong to another figure")
		case ev.Where != w.Where:
			beat = append(beat, fmt.Sprintf("%s only in the %s", ev.Metric, ev.Where))
		case ev.Distance != w.Distance:
			beat = append(beat, fmt.Sprintf("%s farther (%d words)", ev.Metric, ev.Distance))
		default:
			beat = append(beat, ev.Metric+" shorter term")
		}
	}
	if len(beat) > 0 {
		line += "; beats " + strings.Join(beat, "; ")
	}
	return line
}

// WriteExplanations renders explanations as text for a reporter writing
// rules.
func WriteExplanations(w io.Writer, exs []Explanation) error {
	var b strings.Builder
	for _, ex := range exs {
		f := ex.Figure
		num := f.Text
		if f.QualifierText != "" {
			num = f.QualifierText + " " + num
		}
		metric := f.Metric
		if metric == "" && len(f.Ambiguous) > 0 {
			metric = "ambiguous: " + strings.Join(f.Ambiguous, ", ")
		}
		if metric == "" {
			metric = "-"
		}
		fmt.Fprintf(&b, "%s  (%s %s)  → %s   @%d\n", num, f.Qualifier, f.Unit, metric, f.Start)
		fmt.Fprintf(&b, "  sentence:  %s\n", f.Sentence)
		if fr := f.Frame; fr != nil {
			fmt.Fprintf(&b, "  frame:     %s\n", fr.Text)
			if fr.Noun != "" {
				fmt.Fprintf(&b, "  counts:    %s\n", fr.Noun)
			}
			if fr.Predicate != "" {
				neg := ""
				if fr.Negated {
					neg = "  (negated)"
				}
				fmt.Fprintf(&b, "  predicate: %s%s\n", fr.Predicate, neg)
			}
			if len(fr.Modifiers) > 0 {
				fmt.Fprintf(&b, "  names:     %s\n", strings.Join(fr.Modifiers, ", "))
			}
			for _, a := range fr.Attached {
				fmt.Fprintf(&b, "  attached:  %s\n", a)
			}
			if fr.Reference != "" {
				fmt.Fprintf(&b, "  refers back: %q\n", fr.Reference)
			}
			if fr.Period != "" {
				fmt.Fprintf(&b, "  period:    %s\n", fr.Period)
			}
		}
		for _, ev := range ex.Metrics {
			state := "candidate"
			switch {
			case ev.Vetoed != nil:
				state = fmt.Sprintf("VETOED by none %q (%q in the frame)", ev.Vetoed.Term, ev.Vetoed.Text)
			case !ev.UnitOK:
				state = "unit not admitted"
			case ev.Missing != "":
				state = fmt.Sprintf("missing all-term %q", ev.Missing)
			case !ev.Eligible:
				state = "no usable match"
			}
			fmt.Fprintf(&b, "  %-24s %s\n", ev.Metric, state)
			for _, m := range ev.Matched {
				fmt.Fprintf(&b, "      %-22q %-26s %q @%d\n", m.Term, "in the "+m.Where, m.Text, m.Start)
			}
		}
		fmt.Fprintf(&b, "  decision:  %s\n\n", ex.Decision)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
