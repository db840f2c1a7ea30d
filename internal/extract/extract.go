// Package extract turns text into figures: every number a document states,
// in whatever form it is written ("291,000", "4.8 million", "85K",
// "two-thirds", "57 percent", "between 30,000 and 40,000"), with its
// qualifier ("more than" → over), the noun it counts, the sentence it stands
// in, byte offsets into the original text, and the metric it reports
// according to configured rules.
//
// Numbers that are not figures (years, dates, times, ages, durations,
// document numbers, codes, URLs, handles, phone numbers, addresses, scraping
// debris) are recognised and left out of Extract; ExtractAll returns them too,
// with Kind set.
//
// The package does no I/O. An Extractor is immutable and safe for concurrent use.
package extract

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
)

// Qualifier says how a figure relates to the quantity it describes.
type Qualifier string

// Qualifier values.
const (
	Exact   Qualifier = "exact"
	Over    Qualifier = "over"     // more than, over, above, exceeding, upwards of
	Under   Qualifier = "under"    // fewer than, less than, under, below
	Nearly  Qualifier = "nearly"   // nearly, almost, close to, just under
	Approx  Qualifier = "approx"   // about, approximately, roughly, around, some, an estimated
	UpTo    Qualifier = "up_to"    // up to, as many as
	AtLeast Qualifier = "at_least" // at least, no fewer than
)

// Kind values of the non-figures ExtractAll returns.
const (
	KindYear      = "year"       // "2019", "FY2023", "2019-2023", "1990s"
	KindDate      = "date"       // "August 20, 2024", "May 2024", "8/20/2024"
	KindTime      = "time"       // "10:30 a.m.", "2024-08-20T12:00Z"
	KindAge       = "age"        // "Veronica Marquez, 36,", "a 16-year-old"
	KindDuration  = "duration"   // "over the past five years", "three years later"
	KindOrdinal   = "ordinal"    // "1st", "third"
	KindDocNumber = "doc_number" // "OIG-24-46", "Section 2", "H.R. 2"
	KindCode      = "code"       // "RVM10", "COVID-19", "24/7"
	KindURL       = "url"
	KindHandle    = "handle" // "@ackocher"
	KindPhone     = "phone"
	KindAddress   = "address"  // "1600 Pennsylvania Avenue"
	KindDebris    = "debris"   // "img_1234.jpg", "data-id=998877", "1724276320"
	KindChrome    = "chrome"   // page furniture: "id is 1", "2 Comments", a "1." list marker
	KindCompound  = "compound" // a compound adjective: "an 18-page report"
)

// Special units. A rule matches figures in these units only when it lists
// the unit in Units: a share is never mistaken for a count.
const (
	UnitPercent  = "percent"
	UnitUSD      = "usd"
	UnitFraction = "fraction" // "two-thirds", "a quarter", "one in five"
	UnitGBP      = "gbp"      // "£80m"
	UnitEUR      = "eur"      // "€2.5bn"
	UnitJPY      = "jpy"      // "¥300k"
	UnitTimes    = "times"    // a multiplier: "3-fold", "four times", "twice"
)

// Figure is one number found in text.
type Figure struct {
	Value         float64   `json:"value"`          // 291000; 4800000 for "4.8 million"; 65 for "65%"; 0.6667 for "two-thirds"
	High          float64   `json:"high,omitempty"` // upper bound of a range ("between 30,000 and 40,000": Value 30000, High 40000)
	Unit          string    `json:"unit"`           // "percent", "usd", "fraction", else the counted noun in lower case ("children") or ""
	Qualifier     Qualifier `json:"qualifier"`
	QualifierText string    `json:"qualifier_text,omitempty"` // the qualifier as written: "more than"
	Metric        string    `json:"metric"`                   // metric id from the rules, "" when none
	Ambiguous     []string  `json:"ambiguous,omitempty"`      // when rules tie: every tied metric id, Metric left ""
	Text          string    `json:"text"`                     // the number as written, exactly input[Start:End]
	Start         int       `json:"start"`                    // byte offsets into the input string
	End           int       `json:"end"`
	Sentence      string    `json:"sentence"`        // the sentence it stands in, cleaned
	SentenceStart int       `json:"sentence_start"`  // byte offset of the sentence in the input
	Frame         *Frame    `json:"frame,omitempty"` // the phrase the figure is read from; nil for non-figures
	Kind          string    `json:"kind,omitempty"`  // "" for a figure; a Kind* constant for non-figures from ExtractAll

	tier     int8 // the evidence tier its metric came from (tierNone without)
	headline bool // stated in the document's first sentence
}

// Extractor finds figures in text and assigns them metrics by its rules.
type Extractor struct {
	rules     []compiledRule
	terms     []term
	firstTab  wordTable    // term indices by their first word, for findTerms
	firstMask [256]uint64  // bit min(len,63) set for each first word, by its first byte: a cheap pre-filter
	lastMask  [256]uint64  // the same by its last byte
	firstPair [1024]uint64 // bit b0<<8|b1 set when a term's first word starts with those two bytes
	firstByte [256]bool    // some term's first word is this one byte
	scratch   sync.Pool    // *doc buffers reused across calls
}

// Extract returns the figures in text, in order of Start. Safe for concurrent use.
func (e *Extractor) Extract(text string) []Figure { return e.run(text, false, nil, nil) }

// ExtractAll also returns the non-figures it recognised (years, dates, ...)
// with Kind set, all in order of Start.
func (e *Extractor) ExtractAll(text string) []Figure { return e.run(text, true, nil, nil) }

func (e *Extractor) runExplain(text string, ex *[]Explanation) {
	figs := e.run(text, false, ex, nil)
	// Explanations were recorded before documents-wide propagation; give
	// them the final figures, in the same order.
	for i := range *ex {
		if i < len(figs) {
			(*ex)[i].Figure = figs[i]
		}
	}
}

// run extracts. ex, when not nil, receives an explanation per figure;
// work, when not nil, the number of steps taken (tests hold it linear).
func (e *Extractor) run(text string, all bool, ex *[]Explanation, work *int) []Figure {
	if e == nil {
		e = &Extractor{}
	}
	d, _ := e.scratch.Get().(*doc)
	if d == nil {
		d = &doc{}
	}
	defer func() {
		d.c = cleaned{} // do not keep the caller's text alive in the pool
		d.w.lower = ""
		d.ex = nil
		e.scratch.Put(d)
	}()
	d.e, d.ex, d.ctxFor, d.work = e, ex, -1, 0
	if work != nil {
		defer func() { *work = d.work }()
	}
	d.c, d.buf = newCleaned(text, d.buf, d.edits)
	d.edits = d.c.edits
	d.w = words{lower: d.c.lower, alt: d.w.alt[:0]}
	d.toks, d.breaks = tokenize(d.c.text, d.c.lower, d.toks[:0], d.breaks[:0])
	if len(d.toks) == 0 {
		return nil
	}
	d.sents = d.sentences(d.sents[:0], d.breaks)
	// First pass: the items of every sentence, to know how many figures
	// leave. They and their frames are then written where they leave, in
	// blocks of the exact size: growing the result by appending allocated
	// three times as much, and gathering them in scratch first cost a copy
	// of each, with the garbage collector's barriers on every pointer.
	items, bounds := d.items[:0], d.bounds[:0]
	defer func() { d.items, d.bounds = items[:0], bounds[:0] }()
	nfig := 0
	for _, s := range d.sents {
		bounds = append(bounds, int32(len(items)))
		d.sa, d.sb = s.a, s.b
		d.work += s.b - s.a
		from := len(items)
		items = d.scanSentence(items)
		for i := from; i < len(items); i++ {
			if items[i].kind == "" {
				nfig++
			}
		}
	}
	bounds = append(bounds, int32(len(items)))
	n := nfig
	if all {
		n = len(items)
	}
	if n == 0 {
		return nil
	}
	res := make([]Figure, n)
	var frames []Frame
	if nfig > 0 {
		frames = make([]Frame, nfig)
	}
	d.listBuf, d.strBuf = d.listBuf[:0], d.strBuf[:0]
	defer func() { clear(d.strBuf) }() // do not keep the caller's text alive in the pool
	j, fj := 0, 0
	for si, s := range d.sents {
		its := items[bounds[si]:bounds[si+1]]
		figs := 0
		for i := range its {
			if its[i].kind == "" {
				figs++
			}
		}
		if figs == 0 && (!all || len(its) == 0) {
			continue
		}
		d.sa, d.sb = s.a, s.b
		if figs > 0 {
			d.prepareTerms(s)
			d.buildFrames(s, its)
		}
		sentence := d.sentenceText(s)
		sentStart := d.c.origStart(int(d.toks[s.a].s))
		for i := range its {
			it := &its[i]
			if it.kind != "" && !all {
				continue
			}
			f := &res[j]
			j++
			d.figure(f, it)
			f.Sentence, f.SentenceStart = sentence, sentStart
			f.tier, f.headline = tierNone, si == 0 && len(d.sents) > 1
			if it.kind == "" {
				var tier int
				f.Metric, f.Ambiguous, tier = d.assignMetric(s, si, its, i)
				f.tier = int8(tier)
				d.listBuf = append(d.listBuf, d.fillFrame(&frames[fj], s, its, i, &d.strBuf))
				f.Frame = &frames[fj]
				fj++
			}
		}
	}
	d.frameLists(frames)
	d.known = propagateMetrics(res, d.known)
	clear(d.known) // do not keep the caller's strings alive in the pool

	if ex != nil {
		return res // explanations are in this order
	}
	// Figures come out of the scan in order, all but a few; the sort moves
	// 192-byte structs through a comparison closure even when nothing is
	// out of place, so it runs only when something is.
	byStart := func(a, b Figure) int { return cmp.Compare(a.Start, b.Start) }
	if !slices.IsSortedFunc(res, byStart) {
		slices.SortStableFunc(res, byStart)
	}
	return res
}

// frameLists gives frames (in the order they were rendered) their lists,
// cut from one copy of the call's string block.
func (d *doc) frameLists(frames []Frame) {
	if len(d.strBuf) == 0 {
		return
	}
	strs := slices.Clone(d.strBuf)
	cut := func(r [2]int32) []string {
		if r[0] == r[1] {
			return nil
		}
		return strs[r[0]:r[1]:r[1]]
	}
	for j := range frames {
		frames[j].Modifiers, frames[j].Attached = cut(d.listBuf[j].mod), cut(d.listBuf[j].att)
	}
}

// figure writes item it into f, which is zero.
func (d *doc) figure(f *Figure, it *item) {
	cs, ce := int(d.toks[it.ta].s), int(d.toks[it.tb-1].e)
	start, end := d.c.origStart(cs), d.c.origEnd(ce)
	f.Value, f.Text, f.Start, f.End, f.Kind = it.value, d.c.orig[start:end], start, end, it.kind
	if it.kind != "" {
		return
	}
	f.High, f.Unit, f.Qualifier = it.high, it.unit, it.qual
	if it.qa < it.qb {
		f.QualifierText = collapseSpace(d.c.text[d.toks[it.qa].s:d.toks[it.qb-1].e])
	}
	if it.fraction {
		f.Value = roundShare(f.Value)
	}
}

// roundShare rounds a share to four places: "two-thirds" is 0.6667.
func roundShare(v float64) float64 {
	return float64(int64(v*10000+0.5)) / 10000
}

func (d *doc) sentenceText(s span) string {
	return collapseSpace(d.c.text[d.toks[s.a].s:d.toks[s.b-1].e])
}

// collapseSpace turns every run of whitespace into one space.
func collapseSpace(s string) string {
	if !needsCollapse(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteByte(c)
	}
	return b.String()
}

// needsCollapse reports whether s holds whitespace other than single
// spaces: a control byte (line breaks and tabs among them) or two spaces
// in a row. Every sentence with a figure is asked, so it reads eight bytes
// at a time, the windows overlapping by one byte so that no pair of
// neighbours falls between two.
func needsCollapse(s string) bool {
	const low7 = 0x7f7f7f7f7f7f7f7f
	// zero has the high bit set in each byte of y that is zero, and only
	// there (no borrow runs between bytes).
	zero := func(y uint64) uint64 { return ^((y&low7 + low7) | y | low7) }
	i := 0
	for ; i+8 <= len(s); i += 7 {
		x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
		ctl := zero(x & 0xe0e0e0e0e0e0e0e0) // bytes below ' '
		sp := zero(x ^ 0x2020202020202020)  // spaces
		if ctl|sp&(sp>>8) != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c <= ' ' && (c != ' ' || i+1 < len(s) && s[i+1] == ' ') {
			return true
		}
	}
	return false
}

// propagateMetrics settles a figure restated elsewhere in the document
// (same value and unit; "$236 billion" and "an estimated $236 billion" are
// one figure): a figure without a metric, one that got its metric only from
// an antecedent, and a headline figure that got it from outside its own
// phrase take the metric that the confident statements of the same figure
// (own or attached phrase, outside the headline) agree on. Articles repeat
// their headline number in teasers, captions and "The $236 billion is …"
// sentences that do not name what it counts.
func propagateMetrics(figs []Figure, scratch []restated) []restated {
	known := scratch[:0]
	var big map[restatedKey]int // index into known, once there are many figures
	lookup := func(k restatedKey) int {
		if big != nil {
			if i, ok := big[k]; ok {
				return i
			}
			return -1
		}
		for i := range known {
			if known[i].key == k {
				return i
			}
		}
		return -1
	}
	for i := range figs {
		f := &figs[i]
		if f.Kind != "" || f.Metric == "" || !propagates(f.Unit) || f.tier > tierHead || f.headline {
			continue
		}
		k := restatedKey{f.Value, f.Unit}
		if j := lookup(k); j >= 0 {
			if known[j].metric != f.Metric {
				known[j].metric = ""
			}
			continue
		}
		known = append(known, restated{k, f.Metric})
		if big == nil && len(known) > 32 {
			// A linear search is cheaper for an article's handful of
			// figures; a map keeps a page of thousands linear.
			big = make(map[restatedKey]int, 64)
			for j := range known {
				big[known[j].key] = j
			}
		} else if big != nil {
			big[k] = len(known) - 1
		}
	}
	if len(known) == 0 {
		return known
	}
	for i := range figs {
		f := &figs[i]
		if f.Kind != "" || !propagates(f.Unit) {
			continue
		}
		weak := f.Metric == "" && len(f.Ambiguous) == 0 || f.tier == tierContext ||
			f.headline && f.tier > tierOwn
		if !weak {
			continue
		}
		if j := lookup(restatedKey{f.Value, f.Unit}); j >= 0 && known[j].metric != "" {
			f.Metric, f.Ambiguous = known[j].metric, nil
		}
	}
	return known
}

// restated is a figure value known to report a metric ("" when mentions
// disagree).
type restated struct {
	key    restatedKey
	metric string
}

type restatedKey struct {
	v    float64
	unit string
}

// propagates reports whether figures of this unit are distinctive enough
// to be recognised when restated: counts of a named noun and money, not
// bare numbers, shares or fractions.
func propagates(unit string) bool {
	switch unit {
	case UnitUSD, UnitGBP, UnitEUR, UnitJPY:
		return true
	}
	return unit != "" && !specialUnit(unit)
}

func specialUnit(u string) bool {
	switch u {
	case UnitPercent, UnitUSD, UnitFraction, UnitGBP, UnitEUR, UnitJPY, UnitTimes, "percentage_points":
		return true
	}
	return false
}
