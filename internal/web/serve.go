package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ShutdownTimeout bounds how long Serve waits for requests in flight once
// its context is done; connections still open after it are closed.
const ShutdownTimeout = 5 * time.Second

// Serve runs h on addr (host:port; the daemon defaults to loopback) until
// ctx is done, then shuts down gracefully within ShutdownTimeout. It
// returns after the listener is closed: nil after a shutdown, or the
// error that stopped it (the address could not be bound, say).
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	ln, err := Listen(ctx, addr)
	if err != nil {
		return err
	}
	return ServeListener(ctx, ln, h, log)
}

// Listen binds addr (host:port) for ServeListener. The daemon binds before
// it reports ready, so a taken port fails the start.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http listener on %s: %w", addr, err)
	}
	return ln, nil
}

// ServeListener is Serve on a listener the caller opened (one handed over
// by systemd socket activation, or a test's 127.0.0.1:0). It closes ln.
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	addr := ln.Addr().String()
	srv := &http.Server{
		Handler: h,
		// Slow or stuck clients must not hold goroutines and file
		// descriptors: the listener faces whatever can reach it.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		// Requests keep ctx's values but not its cancellation, so the ones
		// in flight at shutdown can finish within ShutdownTimeout.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.InfoContext(ctx, "http listening", "addr", addr)

	select {
	case err := <-errc:
		// Serve stopped on its own: the listener failed.
		return fmt.Errorf("http server on %s: %w", addr, err)
	case <-ctx.Done():
	}

	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	shutErr := srv.Shutdown(shutCtx)
	if shutErr != nil {
		// Requests outlived the grace period: cut them off.
		log.WarnContext(ctx, "http shutdown timed out; closing connections", "addr", addr, "err", shutErr)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server on %s: %w", addr, err)
	}
	log.InfoContext(ctx, "http stopped", "addr", addr)
	if shutErr != nil {
		return fmt.Errorf("http shutdown on %s: %w", addr, shutErr)
	}
	return nil
}
