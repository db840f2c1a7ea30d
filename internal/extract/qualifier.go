package extract

// Qualifiers: the words before a number that say how it relates to the
// quantity ("more than", "nearly", "at least", "topped"), and the
// prepositions that only look like one ("questions about 85,000").

// qualifierBefore finds the qualifier standing before token k, skipping
// fillers ("more than an estimated 30,000"). It returns Exact and qa == qb
// when there is none.
func (d *doc) qualifierBefore(k int) (Qualifier, int, int) {
	j := k - 1
	estimated := -1
	for fillers := 0; j >= d.sa && fillers <= 3; fillers++ {
		t := d.toks[j]
		if t.kind == tkPunct {
			if j == k-1 {
				switch d.text(j) {
				case "~":
					return Approx, j, j + 1
				case ">":
					return Over, j, j + 1
				case "<":
					return Under, j, j + 1
				case "\u2265":
					return AtLeast, j, j + 1
				case "\u2264":
					return UpTo, j, j + 1
				}
			}
			break
		}
		if t.kind != tkWord {
			break
		}
		if q, start := d.qualifierPhraseAt(j); q != "" {
			if q == Exact && d.low(j) != "between" {
				return Exact, k, k
			}
			return q, start, j + 1
		}
		w := d.low(j)
		// "an estimated 60,000" hedges; "agencies estimated a total of $236
		// billion" is a verb with its object and states the figure.
		if w == "estimated" && estimated < 0 && d.wordAt(j+1) != "a" {
			estimated = j
		}
		if w == "of" && d.wordAt(j-1) == "total" {
			j -= 2
			continue
		}
		if !qualifierFiller(w) {
			break
		}
		j--
	}
	if estimated >= 0 {
		start := estimated
		if d.wordAt(start-1) == "an" {
			start--
		}
		return Approx, start, estimated + 1
	}
	return Exact, k, k
}

// qualifierPhraseAt matches a qualifier phrase ending at token j and returns
// its first token. It returns Exact for a word that looks like a qualifier
// but is a preposition here ("questions about 85,000 children").
func (d *doc) qualifierPhraseAt(j int) (Qualifier, int) {
	w := d.low(j)
	p1, p2 := d.wordAt(j-1), d.wordAt(j-2)
	governed := func(start int) bool { return governsPreposition(d.wordAt(start - 1)) }
	switch w {
	case "than":
		switch p1 {
		case "more", "greater", "higher", "larger", "bigger":
			switch p2 {
			case "no", "not":
				return UpTo, j - 2
			case "slightly", "just", "well", "far", "much", "little", "somewhat":
				return Over, j - 2
			}
			return Over, j - 1
		case "fewer", "less", "lower", "smaller":
			switch p2 {
			case "no", "not":
				return AtLeast, j - 2
			case "just", "slightly":
				return Nearly, j - 2
			case "far", "well", "much":
				return Under, j - 2
			}
			return Under, j - 1
		}
	case "over", "above", "exceeding", "topping", "surpassing", "beyond", "topped", "tops", "top", "surpassed",
		"surpasses", "surpass", "passed", "passes", "pass", "passing", "exceeded", "exceeds", "exceed":
		start := j
		switch p1 {
		case "just", "slightly", "well", "far", "much":
			start = j - 1
		}
		if governed(start) {
			return Exact, 0
		}
		if w == "beyond" {
			return "", 0
		}
		switch p1 {
		case "spread", "spreads", "divided", "distributed", "split", "scattered", "stretched", "stretching", "spanning":
			return Exact, 0 // "spread over 239 cases" is a count, not a bound
		}
		return Over, start
	case "under", "below":
		switch p1 {
		case "just", "slightly":
			return Nearly, j - 1
		case "well", "far", "much":
			return Under, j - 1
		}
		if governed(j) {
			return Exact, 0
		}
		return Under, j
	case "nearly", "almost", "approaching", "practically", "virtually":
		if p1 == "very" {
			return Nearly, j - 1
		}
		return Nearly, j
	case "about", "approximately", "roughly", "around", "approx", "circa", "ca", "some", "maybe", "perhaps":
		if governed(j) {
			return Exact, 0
		}
		return Approx, j
	case "to":
		switch p1 {
		case "up":
			return UpTo, j - 1
		case "close", "closer", "nearer":
			if p2 == "very" {
				return Nearly, j - 2
			}
			return Nearly, j - 1
		}
	case "of":
		switch p1 {
		case "upward", "upwards", "north":
			return Over, j - 1
		case "excess":
			if p2 == "in" {
				return Over, j - 2
			}
		case "maximum":
			if p2 == "a" {
				return UpTo, j - 2
			}
			return UpTo, j - 1
		case "minimum":
			if p2 == "a" {
				return AtLeast, j - 2
			}
			return AtLeast, j - 1
		case "shy", "short":
			if p2 == "just" {
				return Nearly, j - 2
			}
			return Nearly, j - 1
		case "region", "order":
			if p2 == "the" {
				return Approx, j - 3
			}
		}
	case "as":
		if p2 == "as" {
			switch p1 {
			case "many", "much", "high":
				return UpTo, j - 2
			}
		}
	case "least":
		if p1 == "at" {
			return AtLeast, j - 1
		}
	case "most":
		if p1 == "at" {
			return UpTo, j - 1
		}
	case "between":
		return Exact, j
	}
	return "", 0
}
