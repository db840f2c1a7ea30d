package extract

import (
	"strings"
	"sync"
	"testing"
)

func TestExtractNumberForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		text  string
		value float64
		high  float64
		unit  string
		qual  Qualifier
	}{
		{"grouped digits", "Officials counted 291,000 children in the backlog.", "291,000", 291000, 0, "children", Exact},
		{"ungrouped digits", "The agency processed 448000 cases last year.", "448000", 448000, 0, "cases", Exact},
		{"decimal million", "There were 4.8 million encounters at the border.", "4.8 million", 4.8e6, 0, "encounters", Exact},
		{"million no decimals", "Agents logged 7 million entries.", "7 million", 7e6, 0, "entries", Exact},
		{"dollars billion", "The program cost $2.5 billion over the decade.", "$2.5 billion", 2.5e9, 0, "usd", Exact},
		{"dollars suffix M", "The fund reached $1.2M in pledges.", "$1.2M", 1.2e6, 0, "usd", Exact},
		{"dollars bn", "A $3bn contract was signed.", "$3bn", 3e9, 0, "usd", Exact},
		{"dollars word", "It paid 40 million dollars to contractors.", "40 million", 4e7, 0, "usd", Exact},
		{"K suffix", "Shelters held 85K beds.", "85K", 85000, 0, "beds", Exact},
		{"k suffix", "A backlog of 30k files remains.", "30k", 30000, 0, "files", Exact},
		{"M suffix", "Border crossings hit 1.2M in a year.", "1.2M", 1.2e6, 0, "", Exact},
		{"thin space grouping", "Officials counted 291\u2009000 children.", "291\u2009000", 291000, 0, "children", Exact},
		{"narrow nbsp grouping", "Officials counted 32\u202f000 children.", "32\u202f000", 32000, 0, "children", Exact},
		{"word number", "Inspectors found five children at the site.", "five", 5, 0, "children", Exact},
		{"word twelve", "Twelve families were reunited on Monday.", "Twelve", 12, 0, "families", Exact},
		{"hyphenated word number", "Agents visited twenty-five shelters.", "twenty-five", 25, 0, "shelters", Exact},
		{"two dozen", "Two dozen agents were reassigned.", "Two dozen", 24, 0, "agents", Exact},
		{"a dozen", "A dozen sponsors refused to answer.", "A dozen", 12, 0, "sponsors", Exact},
		{"hundreds in words", "The shelter has three hundred and fifty beds.", "three hundred and fifty", 350, 0, "beds", Exact},
		{"a million words", "Nearly a million people applied.", "a million", 1e6, 0, "people", Nearly},
		{"half a million", "Half a million forms were filed.", "Half a million", 5e5, 0, "forms", Exact},
		{"one and a half million", "One and a half million visas were issued.", "One and a half million", 1.5e6, 0, "visas", Exact},
		{"two-thirds", "That is two-thirds of the children who arrived.", "two-thirds", 0.6667, 0, "fraction", Exact},
		{"two thirds spaced", "Two thirds of the sponsors were relatives.", "Two thirds", 0.6667, 0, "fraction", Exact},
		{"a quarter of", "A quarter of all cases were closed.", "A quarter", 0.25, 0, "fraction", Exact},
		{"three-quarters", "Three-quarters of respondents agreed.", "Three-quarters", 0.75, 0, "fraction", Exact},
		{"half of", "Half of the sponsors did not respond.", "Half", 0.5, 0, "fraction", Exact},
		{"more than half", "More than half were released within a week.", "half", 0.5, 0, "fraction", Over},
		{"one in five", "One in five children had no lawyer.", "One in five", 0.2, 0, "fraction", Exact},
		{"digits one in", "About 1 in 4 sponsors were relatives.", "1 in 4", 0.25, 0, "fraction", Approx},
		{"nine out of 10", "Nine out of 10 cases ended in removal.", "Nine out of 10", 0.9, 0, "fraction", Exact},
		{"slash share", "Roughly 2/3 of the cases were closed.", "2/3", 0.6667, 0, "fraction", Approx},
		{"percent sign", "Some 65% of respondents agreed.", "65%", 65, 0, "percent", Approx},
		{"percent word", "Only 57 percent had a hearing.", "57 percent", 57, 0, "percent", Exact},
		{"per cent", "The rate fell by 12 per cent this year.", "12 per cent", 12, 0, "percent", Exact},
		{"decimal percent", "Approval rose to 3.5% in March.", "3.5%", 3.5, 0, "percent", Exact},
		{"word percent", "Five percent were deported.", "Five percent", 5, 0, "percent", Exact},
		{"percentage points", "The gap widened by 3.5 percentage points.", "3.5 percentage points", 3.5, 0, "percentage_points", Exact},
		{"range between", "Between 30,000 and 40,000 children are affected.", "30,000 and 40,000", 30000, 40000, "children", Exact},
		{"range hyphen", "It affects 30,000-40,000 children.", "30,000-40,000", 30000, 40000, "children", Exact},
		{"range en dash", "It affects 30,000\u201340,000 children.", "30,000\u201340,000", 30000, 40000, "children", Exact},
		{"range to", "It affects 30,000 to 40,000 children.", "30,000 to 40,000", 30000, 40000, "children", Exact},
		{"range shared scale", "It affects 4 to 5 million people.", "4 to 5 million", 4e6, 5e6, "people", Exact},
		{"range percent", "Rates of 30-40% were seen.", "30-40%", 30, 40, "percent", Exact},
		{"plain count no noun", "In 2020, only 15,128 were apprehended and released.", "15,128", 15128, 0, "", Exact},
		{"fold is a multiplier", "The backlog saw a 10-fold increase.", "10-fold", 10, 0, "times", Exact},
		{"plus sign", "The tally is 30,000+ children.", "30,000+", 30000, 0, "children", Over},
		{"zero", "There were 0 complaints.", "0", 0, 0, "complaints", Exact},
		{"acronym plural unit", "ICE did not serve 291,000 UCs with notices.", "291,000", 291000, 0, "ucs", Exact},
		{"adjectives skipped", "More than 448,000 unaccompanied migrant children arrived.", "448,000", 448000, 0, "children", Over},
		{"of the noun", "Some 300 of the sponsors were relatives.", "300", 300, 0, "sponsors", Approx},
		{"single count noun", "Only 1 child was found.", "1", 1, 0, "child", Exact},
		{"em dash after number", "The total stands at over 320,000\u2014a number that alarms.", "320,000", 320000, 0, "", Over},
		{"wrapped qualifier", "The report found that more than\n291,000 children had no court date.", "291,000", 291000, 0, "children", Over},
	}
	e := shippedExtractor(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			figs := e.Extract(tc.in)
			checkOffsets(t, tc.in, figs)
			f := find(t, figs, tc.text)
			if !approxEqual(f.Value, tc.value) || !approxEqual(f.High, tc.high) {
				t.Errorf("value = %v..%v, want %v..%v", f.Value, f.High, tc.value, tc.high)
			}
			if f.Unit != tc.unit {
				t.Errorf("unit = %q, want %q", f.Unit, tc.unit)
			}
			if f.Qualifier != tc.qual {
				t.Errorf("qualifier = %q (%q), want %q", f.Qualifier, f.QualifierText, tc.qual)
			}
			if f.Kind != "" {
				t.Errorf("kind = %q, want a figure", f.Kind)
			}
		})
	}
}

func TestExtractQualifiers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		text     string
		qual     Qualifier
		qualText string
	}{
		{"more than", "ICE lost track of more than 320,000 children.", "320,000", Over, "more than"},
		{"over", "HHS lost contact with over 85,000 children.", "85,000", Over, "over"},
		{"above", "Claims rose above 1,000 this month.", "1,000", Over, "above"},
		{"exceeding", "Costs exceeding $4 million were flagged.", "$4 million", Over, "exceeding"},
		{"upwards of", "Upwards of 3,000 sponsors were vetted.", "3,000", Over, "Upwards of"},
		{"in excess of", "The state spent in excess of $90 million.", "$90 million", Over, "in excess of"},
		{"well over", "Well over 1,000 cases were reopened.", "1,000", Over, "Well over"},
		{"just over", "Just over 2,000 were released.", "2,000", Over, "Just over"},
		{"fewer than", "Fewer than 200 sponsors responded.", "200", Under, "Fewer than"},
		{"less than", "Less than 5% were represented.", "5%", Under, "Less than"},
		{"under", "The shelter has under 400 beds.", "400", Under, "under"},
		{"below", "Turnout fell below 50 percent.", "50 percent", Under, "below"},
		{"nearly", "Nearly 300,000 children may be missing.", "300,000", Nearly, "Nearly"},
		{"almost", "Almost 60,000 were placed with sponsors.", "60,000", Nearly, "Almost"},
		{"close to", "Close to 10,000 calls went unanswered.", "10,000", Nearly, "Close to"},
		{"just under", "Just under 1,000 sponsors were relatives.", "1,000", Nearly, "Just under"},
		{"just shy of", "The count came in just shy of 5,000.", "5,000", Nearly, "just shy of"},
		{"about", "About 14 percent were told to leave.", "14 percent", Approx, "About"},
		{"approximately", "In fiscal year 2019, approximately 68,000 people were released.", "68,000", Approx, "approximately"},
		{"roughly", "Not counting the roughly 1.3 million who evaded capture.", "1.3 million", Approx, "roughly"},
		{"around", "Around 900 were placed in foster care.", "900", Approx, "Around"},
		{"some", "Some 30,000 people attended.", "30,000", Approx, "Some"},
		{"an estimated", "An estimated 12,000 children are affected.", "12,000", Approx, "An estimated"},
		{"estimated", "The agency estimated 12,000 children are affected.", "12,000", Approx, "estimated"},
		{"up to", "Officials lost track of up to 300,000 kids.", "300,000", UpTo, "up to"},
		{"as many as", "As many as 20,000 may have been missed.", "20,000", UpTo, "As many as"},
		{"no more than", "No more than 50 agents were assigned.", "50", UpTo, "No more than"},
		{"at least", "At least 4,000 children were working.", "4,000", AtLeast, "At least"},
		{"no fewer than", "No fewer than 40 shelters closed.", "40", AtLeast, "No fewer than"},
		{"or more suffix", "Sponsors with 3 or more children were checked.", "3", AtLeast, "or more"},
		{"or so suffix", "It took 200 or so agents.", "200", Approx, "or so"},
		{"stacked fillers", "More than an estimated 30,000 children were released.", "30,000", Over, "More than"},
		{"a total of is exact", "A total of 2,500 cases were reviewed.", "2,500", Exact, ""},
		{"only is exact", "Only 15,128 were apprehended.", "15,128", Exact, ""},
		{"additional is exact", "An additional 32,000 children failed to appear.", "32,000", Exact, ""},
		{"some of the is exact", "Some of the 30,000 children were found.", "30,000", Exact, ""},
		{"over the past is no qualifier", "Over the past year, 1,200 children were placed.", "1,200", Exact, ""},
		{"preposition about", "Questions About 85,000 Lost Children", "85,000", Exact, ""},
		{"preposition over", "Lawmakers clashed over 300 disputed cases.", "300", Exact, ""},
		{"under the law", "Under the 2019 law, 700 sponsors were vetted.", "700", Exact, ""},
		{"qualifier across words", "Agents logged more than 4.8 million encounters.", "4.8 million", Over, "more than"},
		{"tilde", "It cost ~$40 million.", "$40 million", Approx, "~"},
	}
	e := shippedExtractor(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			figs := e.Extract(tc.in)
			checkOffsets(t, tc.in, figs)
			f := find(t, figs, tc.text)
			if f.Qualifier != tc.qual || f.QualifierText != tc.qualText {
				t.Errorf("qualifier = %q %q, want %q %q", f.Qualifier, f.QualifierText, tc.qual, tc.qualText)
			}
		})
	}
}

func TestExtractAllNonFigures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		text  string
		kind  string
		value float64
	}{
		{"year", "In 2019, the agency changed its policy.", "2019", KindYear, 2019},
		{"fiscal year prefix", "Spending in FY2023 rose sharply.", "FY2023", KindYear, 0},
		{"fiscal years range words", "In fiscal years 2019 to 2023, arrivals rose.", "2023", KindYear, 2023},
		{"year range", "The 2019-2023 period saw record arrivals.", "2019-2023", KindYear, 2019},
		{"year range en dash", "The 2019\u20132023 audit is out.", "2019\u20132023", KindYear, 2019},
		{"decade", "Arrivals were low in the 1990s.", "1990s", KindYear, 1990},
		{"mid year", "By mid-2024 the queue had doubled.", "mid-2024", KindYear, 0},
		{"year under law", "Under the 2019 law, sponsors must register.", "2019", KindYear, 2019},
		{"full date", "On August 20, 2024, the alert was issued.", "August 20, 2024", KindDate, 20},
		{"month year", "As of May 2024, the data were final.", "May 2024", KindDate, 2024},
		{"abbreviated month", "The memo dated Aug. 20 was leaked.", "Aug. 20", KindDate, 20},
		{"day month", "The hearing on 20 August went ahead.", "20 August", KindDate, 20},
		{"slash date", "Filed 8/20/2024 with the court.", "8/20/2024", KindDate, 0},
		{"iso date", "Published 2024-08-20 on the site.", "2024-08-20", KindDate, 0},
		{"clock time", "The briefing starts at 10:30 a.m. on Monday.", "10:30 a.m.", KindTime, 0},
		{"hour pm", "Polls close at 8 p.m. local time.", "8 p.m.", KindTime, 8},
		{"timestamp", "Updated 2024-08-20T12:00Z by staff.", "2024-08-20T12:00Z", KindTime, 0},
		{"age in commas", "Veronica Marquez, 36, comforts her son.", "36", KindAge, 36},
		{"age young child", "Her son Mariano, 5, waits.", "5", KindAge, 5},
		{"year-old compound", "A 16-year-old was detained.", "16-year-old", KindAge, 16},
		{"years old", "The boy, who is 14 years old, was released.", "14 years old", KindAge, 14},
		{"aged", "Children aged 12 to 17 were interviewed.", "12 to 17", KindAge, 12},
		{"under eighteen", "It applies to children under 18 who arrive alone.", "18", KindAge, 18},
		{"word age compound", "A five-year-old girl was found.", "five-year-old", KindAge, 5},
		{"duration past", "Over the past five years, policy shifted.", "five years", KindDuration, 5},
		{"duration later", "Three years later, the case was closed.", "Three years", KindDuration, 3},
		{"duration digits", "In the past 5 years, rules changed.", "5 years", KindDuration, 5},
		{"duration compound", "A five-year plan was adopted.", "five-year", KindDuration, 5},
		{"report number", "The alert, OIG-24-46, was issued.", "OIG-24-46", KindDocNumber, 0},
		{"gao number", "See GAO-25-107840 for details.", "GAO-25-107840", KindDocNumber, 0},
		{"section", "ORR Policy Guide: Section 2", "2", KindDocNumber, 2},
		{"house bill", "The House passed H.R. 2 last year.", "2", KindDocNumber, 2},
		{"title", "Expulsions under Title 42 ended.", "42", KindDocNumber, 42},
		{"code", "Use code RVM10 at checkout.", "RVM10", KindCode, 0},
		{"covid", "COVID-19 slowed processing.", "COVID-19", KindCode, 0},
		{"url", "Read it at https://www.oig.dhs.gov/reports/2024/oig-24-46.pdf today.", "https://www.oig.dhs.gov/reports/2024/oig-24-46.pdf", KindURL, 0},
		{"url glued to sentence", "for all of their locations.https://t.co/was0wj9U6p", "https://t.co/was0wj9U6p", KindURL, 0},
		{"handle", "Posted by (@ackocher) on the site.", "@ackocher", KindHandle, 0},
		{"phone parens", "Call (202) 555-0143 for help.", "(202) 555-0143", KindPhone, 0},
		{"phone dashes", "Call 202-555-0143 for help.", "202-555-0143", KindPhone, 0},
		{"phone spaced", "Call +1 202 555 0143 for help.", "1 202 555 0143", KindPhone, 0},
		{"street address", "Protesters gathered at 1600 Pennsylvania Avenue on Friday.", "1600 Pennsylvania Avenue", KindAddress, 1600},
		{"suite", "The office is in Suite 300 downstairs.", "300", KindAddress, 300},
		{"zip", "Write to Washington, DC 20528 by mail.", "20528", KindAddress, 20528},
		{"ordinal digits", "It was the 1st audit of its kind.", "1st", KindOrdinal, 1},
		{"ordinal word", "It was the third report this year.", "third", KindOrdinal, 3},
		{"image id", "Caption img_1234.jpg shows the border.", "img_1234.jpg", KindDebris, 0},
		{"data attribute", "Scraped data-id=998877 from the page.", "data-id=998877", KindDebris, 0},
		{"timestamp debris", "1724276320 495 Senior Republicans are investigating", "1724276320", KindDebris, 0},
		{"number next to debris", "1724276320 495 Senior Republicans are investigating", "495", KindDebris, 495},
		{"footnote", "The agency lost track of children.12 Officials disagreed.", "12", KindDebris, 12},
	}
	e := shippedExtractor(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			all := e.ExtractAll(tc.in)
			checkOffsets(t, tc.in, all)
			f := find(t, all, tc.text)
			if f.Kind != tc.kind {
				t.Errorf("kind = %q, want %q", f.Kind, tc.kind)
			}
			if tc.value != 0 && !approxEqual(f.Value, tc.value) {
				t.Errorf("value = %v, want %v", f.Value, tc.value)
			}
			for _, g := range e.Extract(tc.in) {
				if g.Start < f.End && f.Start < g.End {
					t.Errorf("Extract returned %q (%v) inside non-figure %q", g.Text, g.Value, f.Text)
				}
			}
		})
	}
}

func TestExtractVagueQuantitiesAreNotFigures(t *testing.T) {
	t.Parallel()
	e := shippedExtractor(t)
	for _, in := range []string{
		"Tens of thousands of migrant children are missing their court hearings.",
		"ICE lost track of up to several hundred thousand children.",
		"Thousands of sponsors were never vetted.",
		"Hundreds of cases remain open, and dozens more are pending.",
		"One federal whistleblower spoke on condition of anonymity.",
		"A number of children remain unaccounted for.",
		"Millions of dollars were spent.",
		"In the first half of 2024, sponsors were vetted.",
	} {
		if figs := e.Extract(in); len(figs) != 0 {
			t.Errorf("%q: got figures %+v", in, figs)
		}
	}
}

func TestExtractSentences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		text     string
		sentence string
	}{
		{"title abbreviation", "Rep. Smith said 300 children were missing. Dr. Jones disagreed.", "300",
			"Rep. Smith said 300 children were missing."},
		{"country abbreviation mid sentence", "The U.S. government lost track of 500 children. Officials said so.", "500",
			"The U.S. government lost track of 500 children."},
		{"country abbreviation ends sentence", "It happened in the U.S. The agency said 40 cases were open.", "40",
			"The agency said 40 cases were open."},
		{"month abbreviation", "A Jan. 5 memo listed 300 cases. It was leaked.", "300", "A Jan. 5 memo listed 300 cases."},
		{"initials", "Inspector General Joseph V. Cuffari cited 32,000 children. He urged action.", "32,000",
			"Inspector General Joseph V. Cuffari cited 32,000 children."},
		{"headline line", "Feds Lost Track of 30K Kids\nThe inspector general said more on Tuesday.", "30K", "Feds Lost Track of 30K Kids"},
		{"bullet list", "At a Glance\n- 291,000 children lacked notices\n- 32,000 missed court", "32,000", "- 32,000 missed court"},
		{"quotes", "\u201cWe found 12 cases,\u201d she said. \u201cThere are more.\u201d", "12", "\"We found 12 cases,\" she said."},
		{"question", "Where are the 85,000 children? Nobody knows.", "85,000", "Where are the 85,000 children?"},
		{"wrapped prose joins", "The report found that more than\n291,000 children had no date.", "291,000",
			"The report found that more than 291,000 children had no date."},
		{"blank line ends", "Up to 300 kids\n\nthe rest stayed.", "300", "Up to 300 kids"},
		{"tweet attribution", "\u201cICE has lost 32,000 kids.\u201d\n\u2014 Jane Doe (@jdoe) August 20, 2024", "32,000",
			"\"ICE has lost 32,000 kids.\""},
		{"decimal is not a stop", "Crossings hit 1.2 million. Then they fell.", "1.2 million", "Crossings hit 1.2 million."},
	}
	e := shippedExtractor(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			figs := e.Extract(tc.in)
			checkOffsets(t, tc.in, figs)
			f := find(t, figs, tc.text)
			if f.Sentence != tc.sentence {
				t.Errorf("sentence = %q, want %q", f.Sentence, tc.sentence)
			}
			firstWord := strings.Fields(strings.Trim(tc.sentence, "\"- "))[0]
			if !strings.HasPrefix(strings.TrimLeft(tc.in[f.SentenceStart:], "\"\u201c- "), firstWord) {
				t.Errorf("sentence start %d points at %q, want %q", f.SentenceStart, tc.in[f.SentenceStart:], firstWord)
			}
		})
	}
}

func TestExtractHygiene(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		text     string
		value    float64
		qual     Qualifier
		sentence string
	}{
		{"nbsp entity in qualifier", "ICE lost track of more&nbsp;than 291,000 children.", "291,000", 291000, Over,
			"ICE lost track of more than 291,000 children."},
		{"numeric entity apostrophe", "ICE&#8217;s count: 32,000 children.", "32,000", 32000, Exact, "ICE's count: 32,000 children."},
		{"amp entity", "HHS &amp; ICE lost 85,000 children.", "85,000", 85000, Exact, "HHS & ICE lost 85,000 children."},
		{"double escaped entity", "ICE&amp;#8217;s tally: 40 cases.", "40", 40, Exact, "ICE's tally: 40 cases."},
		{"nbsp inside number", "Officials counted 291&nbsp;000 children.", "291&nbsp;000", 291000, Exact, "Officials counted 291000 children."},
		{"raw nbsp between words", "more\u00a0than\u00a032,000 children", "32,000", 32000, Over, "more than 32,000 children"},
		{"smart quotes", "\u201cNearly 300,000 children,\u201d she said.", "300,000", 300000, Nearly, "\"Nearly 300,000 children,\" she said."},
		{"soft hyphen in word", "more than 32,000 unac\u00adcompanied children", "32,000", 32000, Over, "more than 32,000 unaccompanied children"},
		{"soft hyphen in number", "Officials counted 32,\u00ad000 children.", "32,\u00ad000", 32000, Exact, "Officials counted 32,000 children."},
		{"mojibake apostrophe", "ICE\u00e2\u20ac\u2122s count of 85,000 children", "85,000", 85000, Exact, "ICE's count of 85,000 children"},
		{"mojibake accent", "Caf\u00c3\u00a9 owners counted 12 workers.", "12", 12, Exact, "Caf\u00e9 owners counted 12 workers."},
		{"lone mojibake apostrophe", "Mayorkas\u00e2 testimony cited 4,000 cases.", "4,000", 4000, Exact, "Mayorkas' testimony cited 4,000 cases."},
		{"mojibake nbsp", "more\u00c2\u00a0than 5,000 cases", "5,000", 5000, Over, "more than 5,000 cases"},
		{"mojibake quotes", "\u00e2\u20ac\u0153About 900 children\u00e2\u20ac\u009d were found.", "900", 900, Approx, "\"About 900 children\" were found."},
		{"zero width space", "more than\u200b 32,000 children", "32,000", 32000, Over, "more than 32,000 children"},
		{"windows line endings", "Headline with 300 kids\r\nThe body text.", "300", 300, Exact, "Headline with 300 kids"},
		{"invalid utf8 byte", "Caf\xe9 owners counted 12 workers.", "12", 12, Exact, "Caf\u00e9 owners counted 12 workers."},
	}
	e := shippedExtractor(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			figs := e.Extract(tc.in)
			checkOffsets(t, tc.in, figs)
			f := find(t, figs, tc.text)
			if !approxEqual(f.Value, tc.value) || f.Qualifier != tc.qual {
				t.Errorf("got %v %q, want %v %q", f.Value, f.Qualifier, tc.value, tc.qual)
			}
			if f.Sentence != tc.sentence {
				t.Errorf("sentence = %q, want %q", f.Sentence, tc.sentence)
			}
		})
	}
}

func TestExtractNilAndEmpty(t *testing.T) {
	t.Parallel()
	var e *Extractor
	if got := e.Extract("More than 300 children."); len(got) != 1 || got[0].Metric != "" {
		t.Fatalf("nil extractor: %+v", got)
	}
	for _, in := range []string{"", " \n\t", "\u00a0", "&amp;", "..."} {
		if got := shippedExtractor(t).ExtractAll(in); len(got) != 0 {
			t.Errorf("%q: %+v", in, got)
		}
	}
}

func TestExtractConcurrentUse(t *testing.T) {
	t.Parallel()
	e := shippedExtractor(t)
	in := benchArticle
	want := e.Extract(in)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				got := e.Extract(in)
				if len(got) != len(want) {
					t.Errorf("concurrent extract: %d figures, want %d", len(got), len(want))
					return
				}
				for i := range got {
					if got[i].Start != want[i].Start || got[i].Metric != want[i].Metric {
						t.Errorf("concurrent extract differs at %d: %+v vs %+v", i, got[i], want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestExtractHostileInputStaysLinear guards against quadratic work on pages
// without punctuation: a long run of rule terms and numbers in one
// "sentence". It counts the extractor's steps at two sizes rather than
// timing them, so a busy machine cannot fail it.
func TestExtractHostileInputStaysLinear(t *testing.T) {
	t.Parallel()
	e := shippedExtractor(t)
	steps := func(reps int) int {
		in := strings.Repeat("missing 300 lost track of 400 ", reps)
		var work int
		figs := e.run(in, false, nil, &work)
		if len(figs) != 2*reps {
			t.Fatalf("%d repetitions: got %d figures, want %d", reps, len(figs), 2*reps)
		}
		checkOffsets(t, in, figs)
		return work
	}
	small, large := steps(2500), steps(10000) // 75 KB and 300 KB
	if small == 0 || float64(large)/float64(small) > 4*1.25 {
		t.Fatalf("work grew from %d to %d steps for 4 times the input: not linear", small, large)
	}
}

// TestExtractNumberFormsOfIssue12 holds the number forms issue #12 found
// missed, in the styles the extractor reads.
func TestExtractNumberFormsOfIssue12(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		text  string
		value float64
		high  float64
		unit  string
		qual  Qualifier
	}{
		{"wire: minus sign", "Net arrivals came to \u221210,000 in the quarter.", "\u221210,000", -10000, 0, "", Exact},
		{"table row: signed share", "Change on month | Oct 2024 | -2.4%", "-2.4%", -2.4, 0, UnitPercent, Exact},
		{"report prose: minus word", "The balance moved by minus 3.5 percent.", "minus 3.5 percent", -3.5, 0, UnitPercent, Exact},
		{"tabloid: pounds with m", "CLUB BLOWS \u00a380m ON STRIKER", "\u00a380m", 80e6, 0, UnitGBP, Exact},
		{"wire: euros with bn", "Brussels set aside \u20ac2.5bn for the fund.", "\u20ac2.5bn", 2.5e9, 0, UnitEUR, Exact},
		{"bullet: yen with k", "\u2022 Tokyo pledged \u00a5300k per family", "\u00a5300k", 300000, 0, UnitJPY, Exact},
		{"wire: m before a plural noun is million", "Officials counted 1.2m migrants last year.", "1.2m", 1.2e6, 0, "migrants", Exact},
		{"report prose: a quarter of a million", "A quarter of a million people were screened.", "A quarter of a million", 250000, 0, "people", Exact},
		{"tweet: a quarter of a trillion dollars", "\u201cThat's a quarter of a trillion dollars wasted\u201d \u2014 @budgetwatch", "a quarter of a trillion", 2.5e11, 0, UnitUSD, Exact},
		{"report prose: one-third", "One-third of the files lacked an address.", "One-third", 0.3333, 0, UnitFraction, Exact},
		{"wire: 1-in-3", "Polls show 1-in-3 voters undecided.", "1-in-3", 0.3333, 0, UnitFraction, Exact},
		{"tabloid: nine-in-10", "NINE-IN-10 SHELTERS FULL", "NINE-IN-10", 0.9, 0, UnitFraction, Exact},
		{"wire: range with a scale", "Estimates put the group at 30-35 million people.", "30-35 million", 30e6, 35e6, "people", Exact},
		{"report prose: range in percent", "Reopened cases made up 11 to 15 percent of the docket.", "11 to 15 percent", 11, 15, UnitPercent, Exact},
		{"wire: from over X to Y keeps the old value", "Spending rose from over $360M to $650M in two years.", "$360M", 360e6, 0, UnitUSD, Over},
		{"wire: from over X to Y keeps the new value", "Spending rose from over $360M to $650M in two years.", "$650M", 650e6, 0, UnitUSD, Exact},
		{"report prose: fold is a multiplier", "Requests rose threefold after the change.", "threefold", 3, 0, UnitTimes, Exact},
		{"wire: times is a multiplier", "Crossings were four times higher than in 2020.", "four", 4, 0, UnitTimes, Exact},
		{"tweet: twice is a multiplier", "\u201cTwice the cost, half the care\u201d @advocate", "Twice", 2, 0, UnitTimes, Exact},
		{"wire: topped is over", "Encounters topped 250,000 in December.", "250,000", 250000, 0, "", Over},
		{"headline: surpassed is over", "Backlog Surpassed 1 Million in May", "1 Million", 1e6, 0, "", Over},
		{"wire: passed is over", "Crossings passed 10,000 on Tuesday.", "10,000", 10000, 0, "", Over},
		{"report prose: exceeded is over", "Claims exceeded 12,000 by Friday.", "12,000", 12000, 0, "", Over},
		{"report prose: spread over is exact", "The damage was spread over 239 cases.", "239", 239, 0, "cases", Exact},
		{"scraped text: split thousands group", "The figure was 777, 381 people at the time.", "777, 381", 777381, 0, "people", Exact},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var e *Extractor
			figs := e.Extract(tc.in)
			checkOffsets(t, tc.in, figs)
			f := find(t, figs, tc.text)
			if !approxEqual(f.Value, tc.value) || f.High != tc.high || f.Unit != tc.unit || f.Qualifier != tc.qual {
				t.Errorf("got value %v high %v unit %q qualifier %q, want %v %v %q %q", f.Value, f.High, f.Unit, f.Qualifier, tc.value, tc.high, tc.unit, tc.qual)
			}
		})
	}
}

// TestExtractNonFiguresOfIssue12 holds compound adjectives and page chrome
// out of the figures.
func TestExtractNonFiguresOfIssue12(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, text, kind string
	}{
		{"report prose: page count adjective", "The agency released an 18-page report on Friday.", "18-page", KindCompound},
		{"wire: bed count adjective", "A 500-bed shelter opened in March.", "500-bed", KindCompound},
		{"wire: age adjective", "The case of a 5-year-old drew attention.", "5-year-old", KindAge},
		{"scraped page: record id", "handle is hein.gao/x and id is 1 raw text is:", "1", KindChrome},
		{"scraped page: comment counter", "Some story text.\n\n2 Comments on Budget Story", "2 Comments", KindChrome},
		{"scraped page: list marker", "Comments\n\n  1. \u201cThe government spent it all\u201d", "1.", KindChrome},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var e *Extractor
			for _, f := range e.Extract(tc.in) {
				if f.Text == tc.text {
					t.Fatalf("%q came back as a figure", tc.text)
				}
			}
			all := e.ExtractAll(tc.in)
			f := find(t, all, tc.text)
			if f.Kind != tc.kind {
				t.Errorf("kind = %q, want %q", f.Kind, tc.kind)
			}
		})
	}
}
