package daemon

import (
	"context"
	"os"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/notify"
)

// Loader builds a new config and its notifier, for a reload.
type Loader func() (*config.Config, notify.Notifier, error)

// reloadLoop reloads the config each time Options.Reload fires (SIGHUP,
// `systemctl reload`) until ctx ends. A config that does not load or
// validate is logged, every error of it, and the old one keeps running.
// systemd is told RELOADING=1 and READY=1 around each reload; /metrics
// says whether the last one worked.
func (d *Daemon) reloadLoop(ctx context.Context, reload <-chan os.Signal, load Loader) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload:
		}
		if d.opts.SdNotify != nil {
			d.opts.SdNotify("RELOADING=1\n" + sddaemon.SdNotifyMonotonicUsec())
		}
		cfg, n, err := load()
		if err == nil {
			err = d.Reload(cfg, n)
		}
		d.stats.reloaded(err == nil, d.now())
		if err != nil {
			d.log.Error("reload failed: keeping the running config", "err", err)
		}
		if d.opts.SdNotify != nil {
			d.opts.SdNotify("READY=1")
		}
	}
}
