package daemon

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/web"
)

// Loader builds a new config and its notifier, for a reload.
type Loader func() (*config.Config, notify.Notifier, error)

// WatchReload reloads the config each time hup fires (SIGHUP, `systemctl
// reload`) until ctx ends. A config that does not load or validate is
// logged, every error of it, and the old one keeps running. systemd is told
// RELOADING=1 and READY=1 around each reload.
func (d *Daemon) WatchReload(ctx context.Context, hup <-chan os.Signal, load Loader) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		if d.opts.SdNotify != nil {
			d.opts.SdNotify(fmt.Sprintf("RELOADING=1\nMONOTONIC_USEC=%d", monotonicUsec()))
		}
		if err := d.reloadWith(load); err != nil {
			d.log.Error("reload failed: keeping the running config", "err", err)
		}
		if d.opts.SdNotify != nil {
			d.opts.SdNotify("READY=1")
		}
	}
}

func (d *Daemon) reloadWith(load Loader) error {
	cfg, n, err := load()
	if err != nil {
		return err
	}
	return d.Reload(cfg, n)
}

// HTTPHandler is what http.listen serves: the status page, /healthz,
// /metrics, and /api/backup, a hot, consistent copy of the database for
// `watcher backup` while the daemon holds the file.
func (d *Daemon) HTTPHandler(m *web.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", web.Handler(d, m, d.Healthy, d.log))
	mux.HandleFunc("GET /api/backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="watcher.db"`)
		start := time.Now()
		n, err := d.db.Backup(r.Context(), w)
		if err != nil {
			// Headers are gone; the client sees a short body and the
			// length check in `watcher backup` fails it.
			d.log.Error("backup over HTTP", "err", err, "bytes", n)
			return
		}
		d.log.Info("backup over HTTP", "bytes", n, "dur", time.Since(start).Round(time.Millisecond), "remote", r.RemoteAddr)
	})
	return mux
}
