package extract

import "strings"

// The word lists below are switch statements rather than maps so that they
// are immutable and allocation-free to consult.

// cardinalWord returns the value of a number word below one hundred.
func cardinalWord(w string) (float64, bool) {
	switch w {
	case "zero":
		return 0, true
	case "one":
		return 1, true
	case "two":
		return 2, true
	case "three":
		return 3, true
	case "four":
		return 4, true
	case "five":
		return 5, true
	case "six":
		return 6, true
	case "seven":
		return 7, true
	case "eight":
		return 8, true
	case "nine":
		return 9, true
	case "ten":
		return 10, true
	case "eleven":
		return 11, true
	case "twelve":
		return 12, true
	case "thirteen":
		return 13, true
	case "fourteen":
		return 14, true
	case "fifteen":
		return 15, true
	case "sixteen":
		return 16, true
	case "seventeen":
		return 17, true
	case "eighteen":
		return 18, true
	case "nineteen":
		return 19, true
	case "twenty":
		return 20, true
	case "thirty":
		return 30, true
	case "forty":
		return 40, true
	case "fifty":
		return 50, true
	case "sixty":
		return 60, true
	case "seventy":
		return 70, true
	case "eighty":
		return 80, true
	case "ninety":
		return 90, true
	}
	return 0, false
}

// numberWordStart is a fast filter for words that can begin a number in
// words, a share or an ordinal.
func numberWordStart(w string) bool {
	if len(w) == 0 || len(w) > 10 || !numberLetter(w[0]) {
		return false
	}
	switch w {
	case "a", "an", "half", "dozen", "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
		"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
		"nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "first",
		"second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
		"twelfth", "twentieth", "thirtieth", "fiftieth", "hundredth", "thousandth", "hundreds", "thousands",
		"millions", "billions", "trillions", "dozens", "tens", "scores":
		return true
	}
	return false
}

// numberLetter reports whether a number word can start with byte c: the
// test numberWordStart begins with, which a caller asking it of every word
// makes first, inline.
func numberLetter(c byte) bool {
	return c-'a' < 26 && numberPairs[c-'a'] != 0
}

// numberPair reports whether the first two letters of lw's part before a
// hyphen can start a number word (numberWordStart): the test scanSentence
// makes of every word before the lookup. "the" passes, "of", "said" and
// "have" do not. lw starts with a lower-case letter.
func numberPair(lw string) bool {
	c0, c1 := lw[0]-'a', byte('-')
	if len(lw) > 1 {
		c1 = lw[1]
	}
	if c1 == '-' {
		return c0 == 0 // "a"
	}
	c1 -= 'a'
	return c0 < 26 && c1 < 26 && numberPairs[c0]&(1<<c1) != 0
}

// numberPairs holds, by a number word's first letter, the bits of the
// second letters that follow it. It is never written.
var numberPairs = [26]uint32{
	'a' - 'a': 1 << ('n' - 'a'),
	'b' - 'a': 1 << ('i' - 'a'),
	'd' - 'a': 1 << ('o' - 'a'),
	'e' - 'a': 1<<('i'-'a') | 1<<('l'-'a'),
	'f' - 'a': 1<<('i'-'a') | 1<<('o'-'a'),
	'h' - 'a': 1<<('a'-'a') | 1<<('u'-'a'),
	'm' - 'a': 1 << ('i' - 'a'),
	'n' - 'a': 1 << ('i' - 'a'),
	'o' - 'a': 1 << ('n' - 'a'),
	's' - 'a': 1<<('i'-'a') | 1<<('e'-'a') | 1<<('c'-'a'),
	't' - 'a': 1<<('w'-'a') | 1<<('h'-'a') | 1<<('e'-'a') | 1<<('r'-'a'),
	'z' - 'a': 1 << ('e' - 'a'),
}

// scaleWord returns the multiplier of "thousand", "million", "bn", ...
func scaleWord(w string) (exp int, ok bool) {
	switch w {
	case "thousand":
		return 3, true
	case "million", "mn", "mln":
		return 6, true
	case "billion", "bn", "bln":
		return 9, true
	case "trillion", "tn", "trn":
		return 12, true
	}
	return 0, false
}

// vagueMultiplier reports plural multipliers, which never state a figure:
// "thousands of", "tens of thousands", "hundreds".
func vagueMultiplier(w string) bool {
	switch w {
	case "hundreds", "thousands", "millions", "billions", "trillions", "dozens", "tens", "scores":
		return true
	}
	return false
}

// denominatorWord returns the denominator a fraction word stands for.
func denominatorWord(w string) (d float64, plural bool, ok bool) {
	switch w {
	case "half":
		return 2, false, true
	case "halves":
		return 2, true, true
	case "third":
		return 3, false, true
	case "thirds":
		return 3, true, true
	case "quarter", "fourth":
		return 4, false, true
	case "quarters", "fourths":
		return 4, true, true
	case "fifth":
		return 5, false, true
	case "fifths":
		return 5, true, true
	case "sixth":
		return 6, false, true
	case "sixths":
		return 6, true, true
	case "eighth":
		return 8, false, true
	case "eighths":
		return 8, true, true
	case "tenth":
		return 10, false, true
	case "tenths":
		return 10, true, true
	}
	return 0, false, false
}

func ordinalWord(w string) (float64, bool) {
	switch w {
	case "first":
		return 1, true
	case "second":
		return 2, true
	case "third":
		return 3, true
	case "fourth":
		return 4, true
	case "fifth":
		return 5, true
	case "sixth":
		return 6, true
	case "seventh":
		return 7, true
	case "eighth":
		return 8, true
	case "ninth":
		return 9, true
	case "tenth":
		return 10, true
	case "eleventh":
		return 11, true
	case "twelfth":
		return 12, true
	case "twentieth":
		return 20, true
	case "thirtieth":
		return 30, true
	case "fiftieth":
		return 50, true
	case "hundredth":
		return 100, true
	case "thousandth":
		return 1000, true
	}
	return 0, false
}

// monthWord reports month names and their abbreviations; the caller checks
// capitalisation ("May" the month, not "may" the verb).
func monthWord(w string) bool {
	switch w {
	case "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
		"november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec":
		return true
	}
	return false
}

func timeUnitWord(w string) bool {
	switch w {
	case "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours", "minute", "minutes",
		"second", "seconds", "decade", "decades", "century", "centuries", "night", "nights", "yr", "yrs", "term", "terms":
		return true
	}
	return false
}

// durationBefore lists words that make "N years" a span of time, not a count.
func durationBefore(w string) bool {
	switch w {
	case "past", "last", "next", "first", "previous", "coming", "recent", "within", "for", "after",
		"in", "during", "final", "initial", "following", "preceding", "every", "each", "those":
		return true
	}
	return false
}

func durationAfter(w string) bool {
	switch w {
	case "ago", "later", "earlier", "prior", "before", "after", "since", "into", "apart", "long", "behind", "old":
		return true
	}
	return false
}

// docNumberWord lists words after which a number names a document or part
// of one: "Section 2", "H.R. 2", "Title 42", "page 12".
func docNumberWord(w string, capital bool) bool {
	switch w {
	case "section", "sec", "page", "pp", "§", "h.r", "h.res", "s.res", "s.j.res", "h.j.res", "h.con.res", "s.con.res":
		return true
	case "title", "article", "chapter", "rule", "part", "item", "figure", "fig", "table", "appendix", "exhibit",
		"vol", "volume", "issue", "form", "amendment", "resolution", "docket", "paragraph", "footnote", "clause",
		"schedule", "annex", "bill", "proposition", "prop", "measure", "law", "order", "directive", "memorandum",
		"no", "number", "act", "case", "version", "release", "edition", "episode", "season", "chart", "box", "note",
		"attachment", "enclosure", "tab", "p", "s", "report", "question", "step", "phase", "level", "category",
		"tier", "grade", "class", "district", "ward", "precinct", "gate", "terminal", "lot", "flight", "model":
		return capital
	}
	return false
}

func streetSuffix(w string) bool {
	switch w {
	case "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive", "dr", "way",
		"court", "ct", "place", "pl", "parkway", "pkwy", "highway", "hwy", "terrace", "ter", "circle", "cir",
		"square", "sq", "plaza", "trail", "trl", "alley", "pike", "turnpike", "expressway", "freeway":
		return true
	}
	return false
}

func addressBefore(w string) bool {
	switch w {
	case "suite", "ste", "apt", "apartment", "room", "rm", "floor", "fl", "unit", "route", "rte", "highway",
		"hwy", "interstate", "building", "bldg", "po", "p.o":
		return true
	}
	return false
}

// governsPreposition lists words after which "about", "over", "around" and
// "under" are prepositions, not qualifiers: "questions about 85,000 children".
func governsPreposition(w string) bool {
	switch w {
	case "question", "questions", "questioned", "concern", "concerns", "concerned", "worried", "worry", "worries",
		"ask", "asked", "asking", "asks", "talk", "talked", "talking", "talks", "spoke", "speak", "speaking",
		"know", "knew", "known", "learn", "learned", "information", "data", "details", "story", "stories", "news",
		"answers", "answer", "care", "cares", "cared", "debate", "debated", "complain", "complained", "complaints",
		"think", "thinking", "thought", "heard", "hear", "warned", "warning", "warnings", "wrote", "written",
		"article", "articles", "truth", "lied", "fight", "fought", "fighting", "argued", "arguing", "dispute",
		"disputes", "clash", "clashed", "outrage", "uproar", "anger", "alarm", "bring", "brought", "something",
		"nothing", "anything", "everything", "remarks", "comment", "comments", "testimony", "testified", "hearing",
		"briefed", "briefing", "inquiry", "probe", "investigation", "lawsuit", "sued", "rule", "ruled", "control",
		"authority", "jurisdiction", "power", "oversight", "custody", "win", "won", "victory", "lead":
		return true
	}
	return false
}

// qualifierFiller lists words that may stand between a qualifier and its
// number: "more than an estimated 30,000".
func qualifierFiller(w string) bool {
	switch w {
	case "a", "an", "estimated", "reported", "additional", "another", "further", "extra", "whopping",
		"staggering", "total", "only", "just", "mere", "record", "astonishing", "alarming", "projected":
		return true
	}
	return false
}

// unitStop lists words that end the search for a counted noun after a number.
func unitStop(w string) bool {
	switch w {
	case "who", "whom", "whose", "that", "which", "were", "was", "are", "is", "be", "been", "being", "have",
		"has", "had", "will", "would", "could", "can", "may", "might", "must", "should", "shall", "did", "do",
		"does", "not", "never", "also", "still", "now", "already", "just", "only", "in", "on", "at", "to", "from",
		"for", "with", "by", "and", "or", "but", "as", "than", "into", "since", "under", "over", "after", "before",
		"during", "per", "across", "through", "about", "while", "when", "where", "because", "if", "the", "a", "an",
		"this", "these", "those", "their", "its", "his", "her", "our", "your", "my", "there", "here", "more",
		"less", "fewer", "each", "every", "all", "both", "same", "other", "such", "so", "then", "too", "very",
		"according", "out", "up", "down", "off", "between", "among", "against", "without", "within", "including",
		"last", "ago", "later", "earlier":
		return true
	}
	return false
}

// irregularPlural lists plural nouns that do not end in "s", with their singular.
func irregularPlural(w string) (string, bool) {
	switch w {
	case "children":
		return "child", true
	case "people":
		return "person", true
	case "men":
		return "man", true
	case "women":
		return "woman", true
	case "police", "personnel", "staff", "cattle", "offspring", "deer", "sheep", "aircraft", "livestock":
		return w, true
	case "feet":
		return "foot", true
	case "teeth":
		return "tooth", true
	case "mice":
		return "mouse", true
	case "geese":
		return "goose", true
	case "criteria":
		return "criterion", true
	case "phenomena":
		return "phenomenon", true
	}
	return "", false
}

// pluralNoun reports whether w looks like a plural noun: the head of the
// noun phrase a count is about.
func pluralNoun(w string) bool {
	if _, ok := irregularPlural(w); ok {
		return true
	}
	n := len(w)
	if n < 3 || w[n-1] != 's' {
		return false
	}
	for _, suf := range [...]string{"ss", "us", "is", "ous", "'s", "ics"} {
		if strings.HasSuffix(w, suf) {
			return false
		}
	}
	switch w {
	case "was", "has", "its", "this", "yes", "always", "perhaps", "whereas", "thus", "unless", "across",
		"towards", "afterwards", "besides", "nevertheless", "plus", "minus", "does", "goes", "says", "comes",
		"remains", "includes", "means", "makes", "takes", "gets", "seems", "lacks", "needs", "wants", "ours",
		"yours", "theirs", "hers", "sometimes", "nowadays", "downwards", "upwards", "as", "us", "nearly",
		"news", "series", "species":
		return false
	}
	return true
}

// singular folds a counted noun to its singular for matching rule units.
func singular(w string) string {
	if s, ok := irregularPlural(w); ok {
		return s
	}
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 4 && (strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "xes")):
		return w[:n-2]
	case n > 2 && w[n-1] == 's' && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

// mayMultiply is multiplierWordLong's first test, which scanSentence
// makes inline for every word: the shortest multiplier has five letters, and
// each is "t…e" ("twice", "thrice") or "…ld" ("-fold").
func mayMultiply(w string) bool {
	n := len(w)
	return n >= len("twice") && (w[0] == 't' && w[n-1] == 'e' || w[n-2] == 'l' && w[n-1] == 'd')
}

// multiplierWordLong reads "twice", "threefold", "tenfold": a multiplier.
func multiplierWordLong(w string) (float64, bool) {
	switch w {
	case "twice":
		return 2, true
	case "thrice":
		return 3, true
	}
	if len(w) > 4 && strings.HasSuffix(w, "fold") && w != "manifold" {
		if v, ok := cardinalWord(w[:len(w)-4]); ok && v >= 2 {
			return v, true
		}
	}
	return 0, false
}
