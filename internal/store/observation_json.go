// The observation record's encoder.

package store

import (
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendObservation appends the record of o (in its compact form, see
// compactObservation) to dst: byte for byte what encode made of it with
// encoding/json, which a test and a fuzzer check, without reflection.
//
// Why by hand: a stored figure is written up to four times (its record
// and the current-value, period and first-value indexes), and encoding/
// json's reflection was 3-4% of a cold cycle with follow_links, where a
// cycle stores hundreds of thousands of them (issue #16).
func appendObservation(dst []byte, o observationJSON) ([]byte, error) {
	dst = append(dst, versionPrefix...)
	dst = append(dst, `,"metric":`...)
	dst = appendJSONString(dst, o.Metric)
	dst = append(dst, `,"value":`...)
	var err error
	if dst, err = appendJSONFloat(dst, o.Value); err != nil {
		return nil, err
	}
	if o.High != 0 {
		dst = append(dst, `,"high":`...)
		if dst, err = appendJSONFloat(dst, o.High); err != nil {
			return nil, err
		}
	}
	str := func(key, v string) {
		if v != "" {
			dst = append(dst, key...)
			dst = appendJSONString(dst, v)
		}
	}
	str(`,"unit":`, o.Unit)
	str(`,"qualifier":`, o.Qualifier)
	str(`,"qualifier_text":`, o.QualifierText)
	str(`,"text":`, o.Text)
	str(`,"quote":`, o.Quote)
	if o.QuoteMark != [2]int{} {
		dst = append(dst, `,"quote_mark":[`...)
		dst = strconv.AppendInt(dst, int64(o.QuoteMark[0]), 10)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, int64(o.QuoteMark[1]), 10)
		dst = append(dst, ']')
	}
	if o.Page != 0 {
		dst = append(dst, `,"page":`...)
		dst = strconv.AppendInt(dst, int64(o.Page), 10)
	}
	str(`,"source":`, o.Source)
	str(`,"source_name":`, o.SourceName)
	str(`,"outlet":`, o.Outlet)
	str(`,"authority":`, o.Authority)
	str(`,"doc_id":`, o.DocID)
	str(`,"url":`, o.URL)
	str(`,"title":`, o.Title)
	if !o.Published.IsZero() {
		dst = append(dst, `,"published":`...)
		if dst, err = appendJSONTime(dst, o.Published); err != nil {
			return nil, err
		}
	}
	dst = append(dst, `,"observed":`...)
	if dst, err = appendJSONTime(dst, o.Observed); err != nil {
		return nil, err
	}
	if !o.Period.IsZero() {
		dst = append(dst, `,"period":`...)
		if dst, err = appendPeriod(dst, o.Period); err != nil {
			return nil, err
		}
	}
	if !o.AsOf.IsZero() {
		dst = append(dst, `,"as_of":`...)
		if dst, err = appendJSONTime(dst, o.AsOf); err != nil {
			return nil, err
		}
	}
	if o.Conflict {
		dst = append(dst, `,"conflict":true`...)
	}
	return append(dst, '}'), nil
}

// appendPeriod is Period.MarshalJSON, appending.
func appendPeriod(dst []byte, p Period) ([]byte, error) {
	if p.Key == "" && p.From == "document" {
		return append(dst, `"document"`...), nil
	}
	dst = append(dst, `{"kind":`...)
	dst = appendJSONString(dst, p.Kind)
	if s := wireDate(p.Start); s != "" {
		dst = append(dst, `,"start":`...)
		dst = appendJSONString(dst, s)
	}
	if s := wireDate(p.End); s != "" {
		dst = append(dst, `,"end":`...)
		dst = appendJSONString(dst, s)
	}
	dst = append(dst, `,"key":`...)
	dst = appendJSONString(dst, p.Key)
	if p.Label != "" {
		dst = append(dst, `,"label":`...)
		dst = appendJSONString(dst, p.Label)
	}
	if p.From != "" {
		dst = append(dst, `,"from":`...)
		dst = appendJSONString(dst, p.From)
	}
	return append(dst, '}'), nil
}

// appendJSONTime is time.Time's MarshalJSON, appending (and failing as it
// does on a year it cannot write).
func appendJSONTime(dst []byte, t time.Time) ([]byte, error) {
	dst = append(dst, '"')
	dst, err := t.AppendText(dst)
	if err != nil {
		return nil, err
	}
	return append(dst, '"'), nil
}

// appendJSONFloat writes f as encoding/json writes a float64.
func appendJSONFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errors.New("json: unsupported value: " + strconv.FormatFloat(f, 'g', -1, 64))
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 as e-9, as encoding/json writes it.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// appendJSONString writes s as encoding/json writes a string (HTML
// characters escaped, invalid UTF-8 replaced, U+2028 and U+2029 escaped);
// adapted from encoding/json's appendString.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
