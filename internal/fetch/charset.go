package fetch

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// metaScanBytes bounds the search for a <meta> charset. x/net/html/charset
// looks at the first 1,024 bytes only, as the HTML standard's prescan does;
// pages with long heads (inline scripts, dozens of link tags) declare their
// charset further down, and a wrong guess turns every accented letter into
// mojibake.
const metaScanBytes = 64 << 10

// ToUTF8 converts an HTML or text body to UTF-8 and returns it with the name
// of the encoding it was read as; a byte order mark is dropped. The
// encoding is chosen, first match wins, by:
//
//  1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE);
//  2. a Content-Type charset naming UTF-16 (or an XML declaration in
//     BOM-less UTF-16);
//  3. the validity of the whole body as UTF-8;
//  4. the charset in contentType;
//  5. the encoding in an XML declaration (XHTML pages);
//  6. a <meta charset> or <meta http-equiv="Content-Type"> in the first
//     64 KiB;
//  7. Windows-1252.
//
// The BOM comes before the header, as in the HTML standard: it is in the
// bytes themselves and cannot be wrong, while the header is often a
// server-wide default. UTF-8 validity comes before the header and the
// declarations because mislabelled pages (UTF-8 served as ISO-8859-1 by a
// server default, or templates that copied a meta tag) are common, whereas
// text in a legacy encoding that happens to be valid UTF-8 with non-ASCII
// in it is practically nonexistent, and ASCII-only text reads the same in
// every candidate. UTF-16 is the exception, because UTF-16 text in the
// ASCII range is valid UTF-8 byte for byte, so a UTF-16 label is believed
// first. A declared UTF-8 that is not valid becomes Windows-1252, the usual
// encoding of such pages; ISO-8859-1 is read as Windows-1252 too, as
// browsers do.
//
// Do not use it on XML feeds: the feed parser honours the XML declaration's
// encoding itself, and converting first decodes the text twice.
func ToUTF8(body []byte, contentType string) ([]byte, string, error) {
	enc, name := detect(body, contentType)
	if name == "utf-8" {
		return bytes.TrimPrefix(body, []byte(utf8BOM)), name, nil
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, name, fmt.Errorf("decode body as %s: %w", name, err)
	}
	return bytes.TrimPrefix(out, []byte(utf8BOM)), name, nil
}

// detect chooses body's encoding in the order ToUTF8 documents. A UTF-8
// result needs no decoder and returns a nil one.
func detect(body []byte, contentType string) (encoding.Encoding, string) {
	switch {
	case bytes.HasPrefix(body, []byte(utf8BOM)):
		return nil, "utf-8"
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		// The BOM-honouring decoder drops the BOM itself.
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le"
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be"
	}
	header := headerCharset(contentType)
	if strings.HasPrefix(header, "utf-16") {
		if enc, name := lookup(header); enc != nil {
			return enc, name
		}
	}
	if bytes.HasPrefix(body, []byte("<\x00?\x00x\x00")) {
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le"
	}
	if bytes.HasPrefix(body, []byte("\x00<\x00?\x00x")) {
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be"
	}
	if utf8.Valid(body) {
		return nil, "utf-8"
	}
	for _, label := range []string{header, XMLEncoding(body), metaCharset(body)} {
		enc, name := lookup(label)
		switch {
		case enc == nil:
			continue
		case name == "utf-8" || strings.HasPrefix(name, "utf-16"):
			// A UTF-8 label on a body that is not valid UTF-8 is wrong;
			// an ASCII declaration in a UTF-16 body is impossible (the
			// UTF-16 cases were handled above).
			return charmap.Windows1252, "windows-1252"
		}
		return enc, name
	}
	return charmap.Windows1252, "windows-1252"
}

// lookup resolves an encoding label as the HTML standard does ("latin1" is
// Windows-1252); unknown and empty labels give nil.
func lookup(label string) (encoding.Encoding, string) {
	if label == "" {
		return nil, ""
	}
	enc, name := charset.Lookup(label)
	if enc == nil {
		return nil, ""
	}
	return enc, name
}

// headerCharset is the lower-cased charset parameter of a Content-Type.
func headerCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(params["charset"]))
}

// XMLEncoding returns the encoding named in an XML declaration at the start
// of b (after an optional UTF-8 BOM and whitespace), or "".
func XMLEncoding(b []byte) string {
	b = bytes.TrimLeft(bytes.TrimPrefix(b, []byte(utf8BOM)), " \t\r\n")
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(b[:min(len(b), 512)], []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(b[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	rest, ok := strings.CutPrefix(rest, "=")
	if !ok {
		return ""
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	val, _, ok := strings.Cut(rest[1:], rest[:1])
	if !ok {
		return ""
	}
	return strings.TrimSpace(val)
}

// metaCharset returns the charset declared by the first <meta charset> or
// <meta http-equiv="Content-Type" content="...; charset=..."> before <body>
// in the first metaScanBytes of b, or "". Tokenizing works on any
// ASCII-compatible encoding, which is all a meta tag can declare.
func metaCharset(b []byte) string {
	z := xhtml.NewTokenizer(bytes.NewReader(b[:min(len(b), metaScanBytes)]))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return ""
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Body:
				return ""
			case atom.Meta:
				if !hasAttr {
					continue
				}
				var cs, equiv, content string
				for {
					k, v, more := z.TagAttr()
					switch strings.ToLower(string(k)) {
					case "charset":
						cs = string(v)
					case "http-equiv":
						equiv = string(v)
					case "content":
						content = string(v)
					}
					if !more {
						break
					}
				}
				if cs = strings.TrimSpace(cs); cs != "" {
					return strings.ToLower(cs)
				}
				if strings.EqualFold(strings.TrimSpace(equiv), "content-type") {
					if cs := headerCharset(content); cs != "" {
						return cs
					}
				}
			}
		}
	}
}

const utf8BOM = "\xef\xbb\xbf"
