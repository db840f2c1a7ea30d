package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/figwatch/watcher/internal/buildinfo"
	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/fetch"
)

// Many official sites send neither ETag nor Last-Modified, or ignore the
// conditional request, and answer 200 with the same bytes at every poll;
// a PDF is then run through pdftotext, a page through the HTML parser and
// every figure through the extractor, to find that nothing changed. A
// poll whose body has the digest of the last one read whole is handled as
// a 304 instead: no document is read, due revisits still are, and the
// source's documents count as listed as they do after a 304 (retention
// goes by the last whole read). The digest covers the source's settings,
// the settings all sources are read with and the watcher version too, so
// that new rules or a new extractor read the same page again.

// readWith is the digest of the settings every source is read and diffed
// with (the metrics' rules, the fiscal year, the time zone, the feed and
// follow caps) and of the watcher version; nil (no short cut) when they
// cannot be encoded. A source's own settings are added per poll
// (contentHash): encoding the whole config of 10,000 sources at every
// start would cost 50 ms.
func readWith(cfg *config.Config) []byte {
	raw, err := json.Marshal(struct {
		Metrics             []config.Metric
		FiscalYearStart     time.Month
		Timezone            string
		MaxItems, MaxFollow int
	}{cfg.Metrics, cfg.FiscalYearStart, cfg.Timezone, cfg.Fetch.MaxItems, cfg.Fetch.MaxFollow})
	if err != nil {
		return nil
	}
	h := sha256.New()
	h.Write([]byte(buildinfo.Version()))
	h.Write([]byte{0})
	h.Write(raw)
	return h.Sum(nil)
}

// contentHash is the digest of src's 200 body read under rt, or "" when
// there is none to compare (a 304, no digest of the settings).
func contentHash(rt *runtime, src config.Source, resp *fetch.Response) string {
	if rt == nil || rt.readWith == nil || resp == nil || resp.NotModified || resp.Status != http.StatusOK {
		return ""
	}
	own, err := json.Marshal(src)
	if err != nil {
		return ""
	}
	h := sha256.New()
	h.Write(rt.readWith)
	h.Write(own)
	h.Write([]byte{0})
	h.Write([]byte(resp.URL))
	h.Write([]byte{0})
	h.Write(resp.Body)
	return hex.EncodeToString(h.Sum(nil))
}

// asNotModified is resp as a 304: its validators kept (a server may have
// sent new ones with the same bytes), its body dropped.
func asNotModified(resp *fetch.Response) *fetch.Response {
	r := *resp
	r.NotModified, r.Body = true, nil
	return &r
}
