package fetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
)

// notModifiedServer answers every request on a 127.0.0.1 listener with the
// same 304, keeping connections open.
func notModifiedServer(tb testing.TB, etag string) string {
	tb.Helper()
	return cannedServer(tb, []byte("HTTP/1.1 304 Not Modified\r\nETag: "+etag+
		"\r\nLast-Modified: Sat, 01 Mar 2025 12:00:00 GMT\r\nCache-Control: no-cache\r\n\r\n"))
}

// cannedServer answers every request on a 127.0.0.1 listener with answer,
// keeping connections open. It is written on bare TCP rather than with
// httptest so that a benchmark's allocation count is the client's:
// net/http's server would add its own per-request allocations.
func cannedServer(tb testing.TB, answer []byte) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return // listener closed
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					// A request without a body ends at its blank line.
					line, err := br.ReadSlice('\n')
					if err != nil {
						if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
							tb.Log("canned server:", err)
						}
						return
					}
					if len(line) > 2 || (len(line) == 2 && line[0] != '\r') {
						continue
					}
					if _, err := conn.Write(answer); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// BenchmarkGetNotModified is the warm cycle's request: a conditional GET
// that a server on 127.0.0.1 answers 304. Run with -benchmem: the
// allocations per request are what a thousand-source warm cycle pays a
// thousand times, on top of the network round trip.
func BenchmarkGetNotModified(b *testing.B) {
	const etag = `"f1-v0"`
	base := notModifiedServer(b, etag)
	c := New(Options{UserAgent: testUA, AllowPrivate: LoopbackPrefixes(), PerHost: 8})
	b.Cleanup(c.Close)
	req := Request{URL: base + "/feed/1.xml", ETag: etag, LastModified: "Sat, 01 Mar 2025 12:00:00 GMT", Source: "feed-00001"}
	ctx := context.Background()
	for b.Loop() {
		resp, err := c.Get(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if !resp.NotModified || resp.ETag != etag {
			b.Fatalf("status %d, ETag %q: want 304 with %q", resp.Status, resp.ETag, etag)
		}
	}
}

// BenchmarkGetArticle is a cold cycle's article request: a 200 with a
// 6 KB HTML page and its Content-Length, as bench/loadgen serves 20,000
// of them. B/op is what the body read costs the garbage collector.
func BenchmarkGetArticle(b *testing.B) {
	page := bytes.Repeat([]byte("<p>Of the children released to sponsors, 343,800 failed to appear.</p>\n"), 85)
	base := cannedServer(b, append([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nETag: \"a1-1\"\r\n"+
		"Content-Length: "+strconv.Itoa(len(page))+"\r\n\r\n"), page...))
	c := New(Options{UserAgent: testUA, AllowPrivate: LoopbackPrefixes(), PerHost: 8})
	b.Cleanup(c.Close)
	req := Request{URL: base + "/article/1/1.html", Source: "feed-00001"}
	ctx := context.Background()
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		resp, err := c.Get(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if !bytes.Equal(resp.Body, page) {
			b.Fatalf("status %d, %d bytes: want the %d-byte page", resp.Status, len(resp.Body), len(page))
		}
	}
}
