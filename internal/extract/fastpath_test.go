package extract

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"html"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The tests in this file hold each shortcut taken for speed to the plain
// code it replaces, on every text the package is tested with: a fast path
// that changes a result fails here, not in a score three packages away.

// fastPathTexts returns the texts fast paths are compared on: the
// benchmark article, the fuzz seeds and hand-picked edge cases, and the
// labelled corpus when it is present.
func fastPathTexts(t *testing.T) map[string]string {
	t.Helper()
	texts := map[string]string{
		"bench article":      benchArticle,
		"empty":              "",
		"capitals only":      "ICE HHS DHS OIG ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		"around the letters": "@AZ[`az{ \x40\x41\x5a\x5b\x60\x61\x7a\x7b",
		"utf-8 and capitals": "ÀÉÎ Ünited Çity \u2019S ZÜRICH Æ \xc3\x81Z\xe2\x80\x99A",
		"entities":           "&amp;#8217; &mdash; &ldquo;Quoted&rdquo; &#8217;s &#x2014; &nbsp;291&nbsp;000 &bogus; &#99999999;",
		"invalid utf-8":      "\xff\xfe\x80ABC\xc0Z",
	}
	for i, s := range []string{
		"More than 291,000 children never received a notice to appear.", "between 30,000 and 40,000",
		"$2.5 billion", "85K", "1.2M", "two-thirds", "one in five", "half a million", "Veronica Marquez, 36,",
		"OIG-24-46-Aug24", "H.R. 2", "(202) 555-0143", "https://t.co/x1y2", "@handle", "10:30 a.m.",
		"August 20, 2024", "FY2023 2019-2023", "291\u2009000", "\u00e2\u20ac\u2122", "\u00c2\u00a0", "U.S.",
	} {
		texts["seed "+string(rune('a'+i))] = s
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		b := make([]byte, 1+r.IntN(1300))
		for j := range b {
			b[j] = byte(r.IntN(256))
		}
		texts["random "+string(rune('a'+i))] = string(b)
	}
	if dir := corpusDir(); dir != "" {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
		for _, p := range paths {
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			texts[filepath.Base(p)] = string(raw)
		}
	}
	return texts
}

// lowerByByte is asciiLower as plainly as it can be written.
func lowerByByte(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestASCIILowerMatchesByteLoop(t *testing.T) {
	t.Parallel()
	texts := fastPathTexts(t)
	// Every byte value at every offset of an eight-byte word, and runs
	// that end inside one.
	for c := range 256 {
		for off := range 17 {
			b := []byte("xxxxxxxxxxxxxxxxxxxxxxxx")
			b[off] = byte(c)
			texts["byte "+string(rune(c))+" at "+string(rune('a'+off))] = string(b[:off+1+c%7])
		}
	}
	for name, s := range texts {
		if got, want := asciiLower(s), lowerByByte(s); got != want {
			t.Errorf("%s: asciiLower differs from the byte loop:\n got %q\nwant %q", name, got, want)
		}
	}
}

func TestTextAndLowerMatchesTwoCopies(t *testing.T) {
	t.Parallel()
	for name, s := range fastPathTexts(t) {
		text, lower := textAndLower([]byte(s))
		if text != s || lower != lowerByByte(s) {
			t.Errorf("%s: textAndLower = %q, %q; want %q, %q", name, text, lower, s, lowerByByte(s))
		}
	}
}

func TestCommonEntityMatchesHTML(t *testing.T) {
	t.Parallel()
	var raws []string
	for _, name := range []string{
		"amp", "quot", "apos", "lt", "gt", "nbsp", "mdash", "ndash", "lsquo", "rsquo", "ldquo", "rdquo", "hellip",
		"middot", "bull", "AMP", "Amp", "eacute", "copy", "x", "ampx", "#", "#x", "#X", "#;", "#a", "#x1g", "#12a",
		"#xffffffff", "#99999999", "#00000065", "#0000000065",
	} {
		raws = append(raws, "&"+name+";")
	}
	for x := 0; x <= 0x110010; x++ {
		if x > 0x3000 && x%251 != 0 && !(0xD7F0 <= x && x <= 0xE010) && x < 0x10FFF0 {
			continue // all of the low planes, the edges, and a sample between
		}
		raws = append(raws, fmt.Sprintf("&#%d;", x), fmt.Sprintf("&#x%x;", x), fmt.Sprintf("&#X%X;", x), fmt.Sprintf("&#0%d;", x))
	}
	fast := 0
	for _, raw := range raws {
		r, ok := commonEntity(raw)
		if !ok {
			continue
		}
		fast++
		if got, want := string(r), html.UnescapeString(raw); got != want {
			t.Errorf("commonEntity(%q) = %q, html says %q", raw, got, want)
		}
	}
	// The fast path must be taken for what news text is made of.
	for _, raw := range []string{"&#8217;", "&#x2014;", "&mdash;", "&rsquo;", "&amp;", "&nbsp;"} {
		if _, ok := commonEntity(raw); !ok {
			t.Errorf("commonEntity(%q) left to html", raw)
		}
	}
	if fast < 1000 {
		t.Errorf("only %d references took the fast path", fast)
	}
}

// sentencesByToken is sentences as it was before tokenize listed the
// tokens that may start one: every token is asked.
func (d *doc) sentencesByToken() []span {
	var out []span
	start := 0
	for k := 1; k < len(d.toks); k++ {
		t := d.toks[k]
		may := t.nl > 0 || t.sp && d.toks[k-1].kind == tkPunct
		if may && d.breakBefore(k) || k-start >= maxSentenceTokens {
			out = append(out, span{start, k})
			start = k
		}
	}
	if start < len(d.toks) {
		out = append(out, span{start, len(d.toks)})
	}
	return out
}

func TestSentencesFromBreaksMatchEveryToken(t *testing.T) {
	t.Parallel()
	texts := fastPathTexts(t)
	// Long runs without a break, to reach the bound on a sentence's tokens.
	texts["no punctuation"] = strings.Repeat("word 12 ", 450)
	for _, n := range []int{199, 200, 201, 399, 400, 401} {
		texts["words: "+strconv.Itoa(n)] = strings.Repeat("w ", n)
	}
	texts["bound then break"] = strings.Repeat("w ", 199) + ". The " + strings.Repeat("x ", 401) + "\n\nEnd. " + strings.Repeat("y ", 200)
	for name, s := range texts {
		var d doc
		d.c, _ = newCleaned(s, nil, nil)
		d.toks, d.breaks = tokenize(d.c.text, d.c.lower, nil, nil)
		if len(d.toks) == 0 {
			continue
		}
		if got, want := d.sentences(nil, d.breaks), d.sentencesByToken(); !slices.Equal(got, want) {
			t.Errorf("%s: sentences\n got %v\nwant %v", name, got, want)
		}
	}
}

// TestFramePrefiltersMatchAskingEveryToken holds buildFrames' inline tests
// of which tokens may lead a period or a reference cue to periodAt and
// referenceAt asked of every token, sentence by sentence.
func TestFramePrefiltersMatchAskingEveryToken(t *testing.T) {
	t.Parallel()
	e, err := New(loadRules(t))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for name, text := range fastPathTexts(t) {
		d := &doc{e: e, ctxFor: -1}
		d.c, _ = newCleaned(text, nil, nil)
		d.w = words{lower: d.c.lower}
		d.toks, d.breaks = tokenize(d.c.text, d.c.lower, nil, nil)
		if len(d.toks) == 0 {
			continue
		}
		for _, s := range d.sentences(nil, d.breaks) {
			d.sa, d.sb = s.a, s.b
			items := d.scanSentence(nil)
			if !slices.ContainsFunc(items, func(it item) bool { return it.kind == "" }) {
				continue
			}
			d.prepareTerms(s)
			d.buildFrames(s, items)
			var periods, refs []tspan
			pEnd := s.a
			for k := s.a; k < s.b; k++ {
				if k >= pEnd {
					if p := d.periodAt(k, s.b, items); !p.empty() {
						periods, pEnd = append(periods, p), p.b
					}
				}
				if d.toks[k].kind == tkWord {
					if c := d.referenceAt(k); !c.empty() {
						refs = append(refs, c)
					}
				}
			}
			if !slices.Equal(d.periods, periods) || !slices.Equal(d.refs, refs) {
				t.Errorf("%s: sentence %v: periods %v refs %v; asking every token: %v %v", name, s, d.periods, d.refs, periods, refs)
			}
			checked += len(periods) + len(refs)
		}
	}
	if checked == 0 {
		t.Error("no period or reference found in any text")
	}
}

// TestPlainWordEndsAsChunkEnd holds tokenize's reading of plain words to
// chunkEnd: wherever a run of letters ends at a plainWordEnd byte (or the
// text's end), chunkEnd started there ends there too, with a word.
func TestPlainWordEndsAsChunkEnd(t *testing.T) {
	t.Parallel()
	texts := fastPathTexts(t)
	for _, c := range []byte(" \n\r\t,;)\"!?") {
		for _, w := range []string{"a", "US", "word", "http", "www", "e", "com"} {
			texts["word then "+string(c)+" "+w] = w + string(c) + "1" + w + string(c) + "a" + w + string(c)
		}
	}
	fired := 0
	for name, text := range texts {
		c, _ := newCleaned(text, nil, nil)
		for i := 0; i < len(c.text); i++ {
			if !isLetter(c.text[i]) {
				continue
			}
			j := i + 1
			for j < len(c.text) && isLetter(c.text[j]) {
				j++
			}
			if j < len(c.text) && !plainWordEnd(c.text[j]) {
				continue
			}
			fired++
			if end, kind := chunkEnd(c.text, c.lower, i); end != j || kind != tkWord {
				t.Errorf("%s: at %d %q: chunkEnd reads to %d kind %d, the plain-word path to %d", name, i, c.text[i:j], end, kind, j)
			}
		}
	}
	if fired == 0 {
		t.Error("the plain-word path never applied")
	}
}

// TestPeriodPairAdmitsEveryLead reads the words periodAt accepts as a
// period's lead from the source (periodPrep's and monthWord's cases, the
// words periodAt compares lead with), so that a word added there and not
// to periodPair fails here.
func TestPeriodPairAdmitsEveryLead(t *testing.T) {
	t.Parallel()
	leads := append(caseWords(t, "frame.go", "periodPrep"), caseWords(t, "lexicon.go", "monthWord")...)
	// The words periodAt compares its lead with.
	f, err := parser.ParseFile(gotoken.NewFileSet(), "frame.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if fd, ok := n.(*ast.FuncDecl); ok && fd.Name.Name != "periodAt" {
			return false
		}
		if be, ok := n.(*ast.BinaryExpr); ok && be.Op == gotoken.EQL {
			if id, ok := be.X.(*ast.Ident); ok && id.Name == "lead" {
				if lit, ok := be.Y.(*ast.BasicLit); ok {
					w, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					leads = append(leads, w)
				}
			}
		}
		return true
	})
	if len(leads) < 30 {
		t.Fatalf("found only %d lead words in the source: %v", len(leads), leads)
	}
	for _, w := range leads {
		if len(w) >= 2 && !periodPair(w[0], w[1]) {
			t.Errorf("periodPair turns away the lead word %q", w)
		}
	}
}

// TestMultiplierWordPrefilter holds mayMultiply, scanSentence's inline
// test before the multiplier lookup, to the lookup: on every word of the
// fast-path texts and on the multipliers themselves, a word the lookup
// reads must pass it.
func TestMultiplierWordPrefilter(t *testing.T) {
	t.Parallel()
	ws := []string{"twice", "thrice", "twofold", "two-fold", "tenfold", "threefold", "hundredfold", "manifold", "fold", "folds"}
	for _, text := range fastPathTexts(t) {
		c, _ := newCleaned(text, nil, nil)
		toks, _ := tokenize(c.text, c.lower, nil, nil)
		for _, tk := range toks {
			ws = append(ws, c.lower[tk.s:tk.e])
		}
	}
	hits, turned := 0, 0
	for _, w := range ws {
		_, ok := multiplierWordLong(w)
		if ok && !mayMultiply(w) {
			t.Errorf("mayMultiply turns away the multiplier %q", w)
		}
		if ok {
			hits++
		}
		if !mayMultiply(w) {
			turned++
		}
	}
	if hits < 5 || turned == 0 {
		t.Errorf("%d multipliers recognised, %d words turned away", hits, turned)
	}
}

// caseWords returns the string cases of function fn in file, unquoted.
func caseWords(t *testing.T, file, fn string) []string {
	t.Helper()
	f, err := parser.ParseFile(gotoken.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Name.Name != fn {
			continue
		}
		ast.Inspect(fd, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
						w, err := strconv.Unquote(lit.Value)
						if err != nil {
							t.Fatal(err)
						}
						out = append(out, w)
					}
				}
			}
			return true
		})
	}
	if len(out) == 0 {
		t.Fatalf("no cases of %s in %s", fn, file)
	}
	return out
}

// TestNumberPairAdmitsEveryNumberWord reads numberWordStart's words from
// the source and requires numberPair to admit each, alone and before a
// hyphen; and on every word of the fast-path texts, that numberPair admits
// whatever numberWordStart accepts.
func TestNumberPairAdmitsEveryNumberWord(t *testing.T) {
	t.Parallel()
	for _, w := range caseWords(t, "lexicon.go", "numberWordStart") {
		if !numberPair(w) || !numberPair(w+"-fold") {
			t.Errorf("numberPair turns away the number word %q", w)
		}
	}
	for name, text := range fastPathTexts(t) {
		c, _ := newCleaned(text, nil, nil)
		toks, _ := tokenize(c.text, c.lower, nil, nil)
		for _, tk := range toks {
			if lw := c.lower[tk.s:tk.e]; tk.kind == tkWord && numberWordStart(firstSub(lw)) && !numberPair(lw) {
				t.Errorf("%s: numberPair turns away %q", name, lw)
			}
		}
	}
}

// TestURLPrefixTestImpliedByURLAt holds tokenize's test of the two letters
// before urlAt to urlAt itself, at every offset of the fast-path texts.
func TestURLPrefixTestImpliedByURLAt(t *testing.T) {
	t.Parallel()
	texts := fastPathTexts(t)
	texts["urls"] = "http://a.b HTTPS://X.Y www.example.org WWW.EXAMPLE.ORG hhttp://x wwww.x ht tp www.a"
	urls := 0
	for name, text := range texts {
		c, _ := newCleaned(text, nil, nil)
		for i := range len(c.text) {
			ch, n := c.text[i], len(c.text)
			pre := ch|0x20 == 'h' && i+1 < n && c.lower[i+1] == 't' || ch|0x20 == 'w' && i+1 < n && c.lower[i+1] == 'w'
			if urlAt(c.lower, i) {
				urls++
				if !pre {
					t.Errorf("%s: a URL at %d that the prefix test turns away: %q", name, i, c.text[i:min(n, i+12)])
				}
			}
		}
	}
	if urls == 0 {
		t.Error("no URL in any text")
	}
}

// TestPlainRunEndMatchesByteLoop holds plainRunEnd's eight-byte reads to
// a byte loop, from every offset of the fast-path texts and of words with
// '&' or a high byte at each position.
func TestPlainRunEndMatchesByteLoop(t *testing.T) {
	t.Parallel()
	texts := fastPathTexts(t)
	for pos := range 20 {
		for _, c := range []byte{'&', 0x80, 0xff, '%', '\'', 0x7f, 0x26 ^ 0x80} {
			b := []byte("abcdefghijklmnopqrstuvwxyz")
			b[pos] = c
			texts["byte "+strconv.Itoa(int(c))+" at "+strconv.Itoa(pos)] = string(b)
		}
	}
	for name, s := range texts {
		// The byte loop's answer from every offset, in one pass backwards.
		next := make([]int, len(s)+1)
		next[len(s)] = len(s)
		for i := len(s) - 1; i >= 0; i-- {
			if next[i] = next[i+1]; s[i] >= 0x80 || s[i] == '&' {
				next[i] = i
			}
		}
		for i := 0; i <= len(s); i++ {
			if got, want := plainRunEnd(s, i), next[i]; got != want {
				t.Fatalf("%s: plainRunEnd from %d = %d, the byte loop says %d", name, i, got, want)
			}
		}
	}
}

// TestPlainTokensAreOneWord holds tokenize's plain mark, which lets
// splitTerms take a token as one word without looking at its bytes, to
// what split finds in it.
func TestPlainTokensAreOneWord(t *testing.T) {
	t.Parallel()
	plain := 0
	for name, text := range fastPathTexts(t) {
		c, _ := newCleaned(text, nil, nil)
		toks, _ := tokenize(c.text, c.lower, nil, nil)
		for _, tk := range toks {
			if !tk.plain {
				continue
			}
			plain++
			src := words{lower: c.lower}
			tt := src.split(int(tk.s), int(tk.e), nil, ttok{})
			want := appendTtok(nil, &ttok{}, tk.s, tk.e)
			if tk.kind != tkWord || !slices.Equal(tt, want) || len(src.alt) != 0 {
				t.Errorf("%s: token %q is marked plain, split finds %v", name, c.text[tk.s:tk.e], tt)
			}
		}
	}
	if plain == 0 {
		t.Error("no token marked plain")
	}
}

// TestSortOnlyWhenOutOfOrder holds run's skipping of the stable sort when
// the figures are already in order to the sort itself: the figures in the
// order they were produced (which explaining keeps), sorted stably, are
// what Extract and ExtractAll return.
func TestSortOnlyWhenOutOfOrder(t *testing.T) {
	t.Parallel()
	e, err := New(loadRules(t))
	if err != nil {
		t.Fatal(err)
	}
	unsorted := 0
	for name, text := range fastPathTexts(t) {
		for _, all := range []bool{false, true} {
			var ex []Explanation
			produced := e.run(text, all, &ex, nil)
			want := slices.Clone(produced)
			slices.SortStableFunc(want, func(a, b Figure) int { return cmp.Compare(a.Start, b.Start) })
			if !slices.IsSortedFunc(produced, func(a, b Figure) int { return cmp.Compare(a.Start, b.Start) }) {
				unsorted++
			}
			got := e.run(text, all, nil, nil)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s (all %v): figures differ from the stably sorted production order", name, all)
			}
		}
	}
	t.Logf("%d of the texts' figure lists needed sorting", unsorted)
}

// collapseByByte is needsCollapse as a byte loop.
func collapseByByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' && (c != ' ' || i+1 < len(s) && s[i+1] == ' ') {
			return true
		}
	}
	return false
}

// TestNeedsCollapseMatchesByteLoop holds needsCollapse's eight-byte reads
// to the byte loop: on every window of up to 24 bytes of the fast-path
// texts, on the texts whole, and on a pair of spaces and each control
// byte at every position of a line.
func TestNeedsCollapseMatchesByteLoop(t *testing.T) {
	t.Parallel()
	texts := fastPathTexts(t)
	line := "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ"
	for pos := range len(line) - 1 {
		b := []byte(line)
		b[pos], b[pos+1] = ' ', ' '
		texts["two spaces at "+strconv.Itoa(pos)] = string(b)
		for _, c := range []byte{0, '\t', '\n', '\r', 0x1f, ' ', '!', 0xa0, 0xe0, 0x80} {
			b := []byte(line)
			b[pos] = c
			texts["byte "+strconv.Itoa(int(c))+" at "+strconv.Itoa(pos)] = string(b)
		}
	}
	for name, s := range texts {
		if got, want := needsCollapse(s), collapseByByte(s); got != want {
			t.Errorf("%s: needsCollapse = %v, the byte loop says %v", name, got, want)
		}
		for i := range len(s) {
			for n := 0; n <= 24 && i+n <= len(s); n++ {
				if w := s[i : i+n]; needsCollapse(w) != collapseByByte(w) {
					t.Fatalf("%s: needsCollapse(%q) = %v, the byte loop says %v", name, w, needsCollapse(w), collapseByByte(w))
				}
			}
		}
	}
}

// TestWordTableMatchesMap holds findTerms' table of first words to the map
// it is built from, for the rules of the shipped config and the examples:
// every key, and every word and stem of the fast-path texts.
func TestWordTableMatchesMap(t *testing.T) {
	t.Parallel()
	var probes []string
	for _, text := range fastPathTexts(t) {
		c, _ := newCleaned(text, nil, nil)
		for _, w := range wordSpans(c.lower, 0, len(c.lower), nil) {
			raw := rawWord(c.lower, w)
			probes = append(probes, raw, stem(raw))
		}
	}
	probes = append(probes, negWord, "a", "zz", "not")
	for _, config := range []string{shippedConfig, "../../config/examples/improper_payments.yaml", "../../config/examples/border_encounters.yaml"} {
		e := configExtractor(t, config)
		first := map[string][]int32{} // what New lays out as firstTab
		for id, tm := range e.terms {
			first[tm.words[0]] = append(first[tm.words[0]], int32(id))
		}
		found := 0
		for w, ids := range first {
			if got := e.firstTab.lookup(w); !slices.Equal(got, ids) {
				t.Errorf("%s: lookup(%q) = %v, the map says %v", config, w, got, ids)
			}
			found++
		}
		for _, w := range probes {
			if w == "" {
				continue
			}
			if got, want := e.firstTab.lookup(w), first[w]; !slices.Equal(got, want) {
				t.Errorf("%s: lookup(%q) = %v, the map says %v", config, w, got, want)
			}
		}
		if found == 0 {
			t.Errorf("%s: no first words", config)
		}
	}
	// A table with no words answers nothing.
	empty := newWordTable(nil)
	if got := empty.lookup("word"); got != nil {
		t.Errorf("empty table: lookup = %v", got)
	}
}
