package extract

import "strings"

// Rule terms and sentences are compared as normalised word forms, so that a
// user writes a term once: case is folded, plurals and verb endings are cut
// ("transfers", "transferred", "transferring" all meet "transfer"), dotted
// abbreviations lose their dots ("U.S." is "US"), and negation is one word
// ("not", "never", "no", "cannot", "n't" and "yet to" are all negWord), with
// the auxiliaries around it dropped: "did not appear", "didn't appear" and
// "never appeared" are all the same two words, negWord + "appear".

// negWord is the normalised form of every negation.
const negWord = "\x00not"

// stem reduces a lower-case word to the form terms and sentences are
// compared in. It is crude on purpose and applied to both sides, so only
// consistency matters: "notices" and "notice" meet at "notic", "studies"
// and "study" at "stud". It returns a prefix of w and never allocates.
func stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	switch w[len(w)-1] {
	case 's', 'd', 'g', 'e', 'y':
	case 'n':
		if w == "children" {
			return "child"
		}
		return w
	default:
		return w // no ending to cut: most words
	}
	// Plural nouns and third-person verbs.
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3]
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "ches"),
		strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "zzes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case w[len(w)-1] == 's':
		w = w[:len(w)-1]
	}
	// Past tense and participles.
	switch {
	case strings.HasSuffix(w, "ied") && len(w) > 4:
		return w[:len(w)-3]
	case strings.HasSuffix(w, "ed") && len(w) > 4:
		w = undouble(w[:len(w)-2])
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		w = undouble(w[:len(w)-3])
	}
	if len(w) > 3 && (w[len(w)-1] == 'e' || w[len(w)-1] == 'y') {
		w = w[:len(w)-1]
	}
	return w
}

// undouble drops a doubled final consonant: "referr" → "refer".
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] {
		switch w[n-1] {
		case 'l', 's', 'z', 'e', 'o':
			return w
		}
		return w[:n-1]
	}
	return w
}

// negator reports whether a lower-case word negates what follows. prev is
// the word before it, which tells "n't" (split as "didn" "t") from a
// stray "t".
func negator(w, prev string) bool {
	switch w {
	case "not", "never", "no", "cannot", "nor":
		return true
	case "t":
		return strings.HasSuffix(prev, "n")
	}
	return false
}

// auxBeforeNeg is dropped before a negation: "did not", "could not",
// "didn't" ("didn" "t") all become negWord alone.
func auxBeforeNeg(w string) bool {
	switch w {
	case "do", "does", "did", "didn", "doesn", "don", "can", "could", "couldn", "would", "wouldn", "will",
		"won", "was", "wasn", "were", "weren", "is", "isn", "are", "aren", "has", "hasn", "have", "haven",
		"had", "hadn", "should", "shouldn", "may", "might", "must", "mustn", "ain":
		return true
	}
	return false
}

// skipAfterNeg is dropped after a negation: "not been served", "not yet
// scheduled", "no longer accounted for" are negWord + the verb.
func skipAfterNeg(w string) bool {
	switch w {
	case "be", "been", "being", "yet", "ever", "even", "have", "has", "had", "always", "once", "currently",
		"also", "longer", "properly", "formally", "officially", "get", "got", "gotten", "getting":
		return true
	}
	return false
}

// How a ttok holds its normal form, without a pointer (sentences' words
// are many and are not worth the garbage collector's attention).
const (
	normStem uint8 = iota // the first nlen bytes of the word (its stem); nlen -1 until asked for
	normNeg               // negWord
	normSkip              // "": matching skips the word
	normAlt               // words.alt[nlen]: an abbreviation with its dots removed
)

// words is where ttoks' text lives: the lower-case text and the few
// normal forms that are not part of it.
type words struct {
	lower string
	alt   []string
}

func (w *words) raw(t *ttok) string {
	if t.code == normAlt {
		return w.alt[t.nlen]
	}
	return w.lower[t.s:t.e]
}

func (w *words) norm(t *ttok) string {
	switch t.code {
	case normStem:
		if t.nlen < 0 { // computed once, when first asked for
			t.nlen = int16(len(stem(w.lower[t.s:t.e])))
		}
		return w.lower[t.s : t.s+int32(t.nlen)]
	case normNeg:
		return negWord
	case normSkip:
		return ""
	}
	return w.alt[t.nlen]
}

// normalise sets the normal form of a run of words tt: stems, negations
// folded to negWord, auxiliaries around a negation skipped. It is the
// single definition used for rule terms and for sentences.
func (src *words) normalise(tt []ttok) {
	// Only a negation or "yet" changes a word's form (normaliseRun's cases
	// all start from one); most runs have neither and are left as split
	// made them, stems computed on demand.
	for i := range tt {
		if w := src.raw(&tt[i]); len(w) <= len("cannot") && mayNegate(w) {
			src.normaliseRun(tt)
			return
		}
	}
}

// mayNegate reports the words normaliseRun's cases start from: the
// negators ("t" whatever precedes it) and "yet".
func mayNegate(w string) bool {
	return w == "t" || w == "yet" || negator(w, "")
}

// normaliseRun is normalise for a run that holds a negation or "yet".
func (src *words) normaliseRun(tt []ttok) {
	prevRaw := ""
	for i := range tt {
		t := &tt[i]
		w := src.raw(t)
		if len(w) > 7 {
			// No negation or auxiliary is this long: the common case.
			prevRaw = w
			continue
		}
		next := ""
		if i+1 < len(tt) {
			next = src.raw(&tt[i+1])
		}
		switch {
		case negator(w, prevRaw):
			t.code = normNeg
		case w == "yet" && next == "to":
			t.code = normNeg // "have yet to be scheduled"
		case w == "to" && prevRaw == "yet":
			t.code = normSkip
		case i > 0 && (tt[i-1].code == normNeg || tt[i-1].code == normSkip && i > 1 && tt[i-2].code == normNeg) && skipAfterNeg(w):
			t.code = normSkip
		case (negator(next, w) || next == "yet" && i+2 < len(tt) && src.raw(&tt[i+2]) == "to") && auxBeforeNeg(w):
			t.code = normSkip
		}
		prevRaw = w
	}
}

// wordSpans splits lower-case text [from,to) into words: runs of letters and
// digits. A dotted abbreviation of single letters ("u.s", "d.c") is one
// word, reported with dotted set so the caller can drop the dots.
func wordSpans(lw string, from, to int, out []wspan) []wspan {
	for i := from; i < to; {
		ok, size := wordByteAt(lw, i)
		if !ok {
			i += size
			continue
		}
		j := i
		for j < to {
			ok, sz := wordByteAt(lw, j)
			if !ok {
				break
			}
			j += sz
		}
		// "u.s" and "u.s." as one word.
		if j-i == 1 && j+1 < to && lw[j] == '.' && isLower(lw[j+1]) && (j+2 >= to || !isAlnum(lw[j+2])) {
			k := j
			for k+1 < to && lw[k] == '.' && isLower(lw[k+1]) && (k+2 >= to || !isAlnum(lw[k+2])) {
				k += 2
			}
			out = append(out, wspan{s: int32(i), e: int32(k), dotted: true})
			i = k
			continue
		}
		out = append(out, wspan{s: int32(i), e: int32(j)})
		i = j
	}
	return out
}

type wspan struct {
	s, e   int32
	dotted bool
}

func wordByteAt(lw string, i int) (bool, int) {
	if c := lw[i]; c < 0x80 {
		return isAlnum(c), 1
	}
	return letterAt(lw, i)
}

// rawWord returns the word of span w, dots removed from abbreviations.
func rawWord(lw string, w wspan) string {
	s := lw[w.s:w.e]
	if !w.dotted {
		return s
	}
	return strings.ReplaceAll(s, ".", "")
}
