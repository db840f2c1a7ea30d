package fetch

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
)

// ToUTF8 converts an HTML or text body to UTF-8, using in order a byte order
// mark, the validity of the whole body as UTF-8, the charset in contentType,
// and the <meta> charset in the first 1,024 bytes, falling back to
// Windows-1252; a byte order mark is dropped. It returns the body and the name of the encoding it was read
// as. Do not use it on XML feeds: the feed parser honours the XML
// declaration's encoding itself, and converting first decodes the text twice.
func ToUTF8(body []byte, contentType string) ([]byte, string, error) {
	switch {
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		// UTF-16 with a BOM can be valid UTF-8 byte-wise when it is ASCII
		// text, so the BOM must be checked first.
	case utf8.Valid(body):
		// charset.DetermineEncoding looks at the first 1,024 bytes only and
		// guesses Windows-1252 for a page whose first non-ASCII rune comes
		// later; a body that is valid UTF-8 throughout is UTF-8.
		return bytes.TrimPrefix(body, []byte(utf8BOM)), "utf-8", nil
	}
	enc, name, _ := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" {
		// Declared UTF-8 but invalid: the usual culprit is Windows-1252 text
		// behind a template that claims UTF-8.
		enc, name = charmap.Windows1252, "windows-1252"
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, name, fmt.Errorf("decode body as %s: %w", name, err)
	}
	return bytes.TrimPrefix(out, []byte(utf8BOM)), name, nil
}

const utf8BOM = "\xef\xbb\xbf"
