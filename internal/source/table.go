package source

import (
	"strings"
	"unicode"
)

// Bounds on what a table's spans may claim: colspan and rowspan as browsers
// clamp them are far larger than any data table needs, and a grid of
// rows × columns is built from them.
const (
	maxSpan      = 100
	maxGridCells = 1 << 18 // a 5,000-row, 10-column table has 50,000
)

// tableBuild collects one table's rows while it is read.
type tableBuild struct {
	parent *textBuf // where the table's text goes
	rows   []*rowBuild
	row    *rowBuild  // open row, nil between rows
	cell   *cellBuild // open cell
	inHead bool       // inside <thead>
}

type rowBuild struct {
	cells []*cellBuild
	head  bool // in <thead>
}

type cellBuild struct {
	text             textBuf
	th               bool
	rowspan, colspan int
}

func (t *tableBuild) startRow() {
	t.row = &rowBuild{head: t.inHead}
	t.rows = append(t.rows, t.row)
}

func (t *tableBuild) endRow() {
	t.endCell()
	t.row = nil
}

func (t *tableBuild) startCell(th bool) {
	t.endCell()
	if t.row == nil {
		t.startRow() // a cell without <tr>
	}
	t.cell = &cellBuild{th: th, rowspan: 1, colspan: 1}
	t.cell.text.flat = true
	t.row.cells = append(t.row.cells, t.cell)
}

func (t *tableBuild) endCell() { t.cell = nil }

// setSpan records the cell's rowspan or colspan attribute.
func setSpan(c *cellBuild, key, val string) {
	n := 0
	for _, r := range strings.TrimSpace(val) {
		if r < '0' || r > '9' {
			break
		}
		n = min(n*10+int(r-'0'), maxSpan)
	}
	n = max(n, 1)
	switch key {
	case "rowspan":
		c.rowspan = n
	case "colspan":
		c.colspan = n
	}
}

// renderTable returns the lines a table reads as.
//
// A table with a header (the rows of its <thead>, else its leading rows of
// <th> cells only) gives one line per body cell: "column header | row
// label | cell", so that "Southwest border encounters | October 2024 |
// 106,321" keeps what the figure counts and the period it is for. The
// header of a column under a multi-row header is its headers joined;
// rowspan and colspan are laid out on a grid, so a spanning header or row
// label applies to every cell under or beside it, and a spanning cell is
// read once. The row label is the row's leading <th> cells, else its first
// cell. Cells that hold only a placeholder ("-", "n/a": future months) are
// left out, and so is a column header repeated inside its cell (responsive
// markup that labels each cell for small screens).
//
// A table without a header gives one line per row, its cells separated
// by " | ".
func renderTable(rows []*rowBuild) []string {
	head := headerRows(rows)
	if head == 0 || head == len(rows) {
		return plainRows(rows)
	}
	grid, ok := layout(rows)
	if !ok {
		return plainRows(rows)
	}
	cols := 0
	for _, r := range grid {
		cols = max(cols, len(r))
	}
	headers := make([]string, cols)
	for j := range cols {
		var parts []string
		var last *cellBuild
		for i := range head {
			if c := at(grid, i, j); c != nil && c != last {
				last = c
				if s := cellString(c); s != "" && (len(parts) == 0 || parts[len(parts)-1] != s) {
					parts = append(parts, s)
				}
			}
		}
		headers[j] = strings.Join(parts, " ")
	}
	var lines []string
	for i := head; i < len(grid); i++ {
		lines = append(lines, bodyRow(grid, i, headers)...)
	}
	return lines
}

// bodyRow returns the lines of one body row of a table with headers.
func bodyRow(grid [][]*cellBuild, i int, headers []string) []string {
	row := grid[i]
	// The row label: its leading <th> cells, at least its first cell.
	labelCols := 1
	for labelCols < len(row) && row[labelCols] != nil && row[labelCols].th && row[0] != nil && row[0].th {
		labelCols++
	}
	var label []string
	var last *cellBuild
	for j := 0; j < labelCols && j < len(row); j++ {
		if c := row[j]; c != nil && c != last {
			last = c
			if s := cellString(c); s != "" {
				label = append(label, stripHeader(s, headers[j]))
			}
		}
	}
	rowLabel := strings.Join(label, " ")
	var lines []string
	for j := labelCols; j < len(row); j++ {
		c := row[j]
		if c == nil || c == row[j-1] || (i > 0 && j < len(grid[i-1]) && grid[i-1][j] == c) {
			continue // empty slot, or a spanning cell already read
		}
		s := stripHeader(cellString(c), headers[j])
		if placeholder(s) {
			continue
		}
		lines = append(lines, joinNonEmpty(headers[j], rowLabel, s))
	}
	if len(lines) == 0 && rowLabel != "" && len(row) == 1 {
		lines = append(lines, rowLabel)
	}
	return lines
}

// headerRows counts a table's header rows: those in <thead>, else the
// leading rows whose cells are all <th>.
func headerRows(rows []*rowBuild) int {
	n := 0
	for _, r := range rows {
		if !r.head {
			break
		}
		n++
	}
	if n > 0 {
		return n
	}
	for _, r := range rows {
		if len(r.cells) == 0 {
			break
		}
		for _, c := range r.cells {
			if !c.th {
				return n
			}
		}
		n++
	}
	return n
}

// layout places the cells on a grid by their spans, as browsers do: a
// cell takes the first slot of its row not taken by a cell spanning from
// above. ok is false for a grid over maxGridCells.
func layout(rows []*rowBuild) (grid [][]*cellBuild, ok bool) {
	grid = make([][]*cellBuild, len(rows))
	total := 0
	for i, r := range rows {
		j := 0
		for _, c := range r.cells {
			for j < len(grid[i]) && grid[i][j] != nil {
				j++
			}
			for di := 0; di < c.rowspan && i+di < len(rows); di++ {
				for dj := 0; dj < c.colspan; dj++ {
					row := grid[i+di]
					for len(row) <= j+dj {
						row = append(row, nil)
						if total++; total > maxGridCells {
							return nil, false
						}
					}
					row[j+dj] = c
					grid[i+di] = row
				}
			}
			j += c.colspan
		}
	}
	return grid, true
}

func at(grid [][]*cellBuild, i, j int) *cellBuild {
	if i < len(grid) && j < len(grid[i]) {
		return grid[i][j]
	}
	return nil
}

// plainRows reads a table without a header: a line per row.
func plainRows(rows []*rowBuild) []string {
	var lines []string
	for _, r := range rows {
		if len(r.cells) == 0 {
			continue
		}
		parts := make([]string, len(r.cells))
		for i, c := range r.cells {
			parts[i] = c.text.b.String()
		}
		if line := strings.Join(strings.Fields(strings.Join(parts, " | ")), " "); line != "" && line != "|" {
			lines = append(lines, line)
		}
	}
	return lines
}

// cellString is a cell's text, a phrase written twice ("October 2024
// October 2024", the label of responsive markup) read once.
func cellString(c *cellBuild) string {
	return undouble(c.text.b.String())
}

// undouble returns s's first half when s is one phrase twice, with a
// space between or, when the phrase has words (so that "1212" stays
// whole), without.
func undouble(s string) string {
	n := len(s)
	switch {
	case n >= 3 && n%2 == 1 && s[n/2] == ' ' && s[:n/2] == s[n/2+1:]:
		return s[:n/2]
	case n >= 4 && n%2 == 0 && s[:n/2] == s[n/2:] && strings.ContainsFunc(s[:n/2], unicode.IsLetter):
		return s[:n/2]
	}
	return s
}

// stripHeader removes a copy of the column header that opens a cell
// ("Referrals: 1,234" under "Referrals").
func stripHeader(s, header string) string {
	if header == "" || len(s) <= len(header) || !strings.HasPrefix(s, header) {
		return s
	}
	rest := s[len(header):]
	if rest[0] != ' ' && rest[0] != ':' {
		return s
	}
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
}

// placeholder reports a cell that holds no value: empty, a dash, "n/a".
func placeholder(s string) bool {
	switch strings.ToLower(s) {
	case "", "-", "–", "—", "--", "n/a", "na", "..", "…", "*", "†":
		return true
	}
	return false
}

func joinNonEmpty(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(p)
	}
	return b.String()
}
