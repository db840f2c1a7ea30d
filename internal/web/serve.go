package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
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

// ListenUnix binds a Unix socket at path for ServeListener, mode 0660:
// the socket's owner and group may connect, and over it /api/backup and
// pprof need no token (Options.Token). A stale socket left by a daemon
// that died is replaced; a live one, or a path that is not a socket, is
// refused. The listener removes the socket file when closed.
func ListenUnix(ctx context.Context, path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&fs.ModeSocket == 0 {
			return nil, fmt.Errorf("unix socket %s: the path exists and is not a socket", path)
		}
		var d net.Dialer
		if c, err := d.DialContext(ctx, "unix", path); err == nil {
			c.Close()
			return nil, fmt.Errorf("unix socket %s: another process serves on it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("unix socket %s: remove the stale socket: %w", path, err)
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("unix socket %s: %w", path, err)
	}
	// Between bind and chmod the mode is 0777 less the umask (no write,
	// hence no connect, for others under the usual 022); systemd's
	// RuntimeDirectory (0755, the service's) bounds it further.
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, fmt.Errorf("unix socket %s: %w", path, err)
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
