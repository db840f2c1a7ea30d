package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Daemon is a running `watcher run` whose log is being counted.
type Daemon struct {
	cmd  *exec.Cmd
	tick chan struct{} // a poll ended; buffered, coalescing
	done chan struct{} // stderr closed: the process is exiting

	mu    sync.Mutex
	total LogCounts // since start; guarded by mu
	last  LogCounts // total at the previous Sample; guarded by mu
	tail  []string  // last log lines, for errors; guarded by mu
}

// DaemonSample is the state of the daemon at the end of one cycle.
type DaemonSample struct {
	Cycle    int
	RSS, HWM int64     // VmRSS and VmHWM (peak) from /proc/<pid>/status, bytes
	Anon     int64     // RssAnon: the heap and stacks; the rest of RSS is mapped files (bbolt's mmap)
	Log      LogCounts // logged during the cycle
	Server   Stats     // answered during the cycle
	DBSize   int64
	Items    int
}

// StartDaemon starts `watcher run --config cfg`, alerts to the null device,
// with env added to its environment.
func StartDaemon(ctx context.Context, bin, cfg string, env ...string) (*Daemon, error) {
	cmd := exec.Command(bin, "run", "--config", cfg)
	cmd.Env = childEnv(append([]string{cacheEnv(cfg)}, env...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("watcher run: stderr pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s run --config %s: %w", bin, cfg, err)
	}
	d := &Daemon{cmd: cmd, tick: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			polled := d.total.add(line)
			if !polled && !strings.Contains(line, " msg=event ") {
				d.tail = append(d.tail, line)
				if len(d.tail) > 20 {
					d.tail = d.tail[1:]
				}
			}
			d.mu.Unlock()
			if polled {
				select {
				case d.tick <- struct{}{}:
				default:
				}
			}
		}
	}()
	return d, nil
}

// WaitPolls waits until target polls (successful or failed) have been
// logged since start, for at most limit.
func (d *Daemon) WaitPolls(ctx context.Context, target int, limit time.Duration) error {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		d.mu.Lock()
		n := d.total.Polls + d.total.Failed
		d.mu.Unlock()
		if n >= target {
			return nil
		}
		select {
		case <-d.tick:
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return fmt.Errorf("only %d of %d polls logged after %s", n, target, limit)
		case <-d.done:
			return fmt.Errorf("watcher run exited early; last log lines:\n%s", d.logTail())
		}
	}
}

// Sample reads the process's memory and the log counts since the last sample.
func (d *Daemon) Sample() (DaemonSample, error) {
	var s DaemonSample
	m, err := procMemory(d.cmd.Process.Pid)
	if err != nil {
		return s, err
	}
	s.RSS, s.HWM, s.Anon = m.RSS, m.HWM, m.Anon
	d.mu.Lock()
	defer d.mu.Unlock()
	t, l := d.total, d.last
	s.Log = LogCounts{
		Polls: t.Polls - l.Polls, NotModified: t.NotModified - l.NotModified, Failed: t.Failed - l.Failed,
		Figures: t.Figures - l.Figures, Events: t.Events - l.Events, Docs: t.Docs - l.Docs,
	}
	d.last = t
	return s, nil
}

// Stop sends SIGTERM (watcher's graceful stop) and waits up to grace before
// killing the process.
func (d *Daemon) Stop(grace time.Duration) error {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(grace):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
	if err := d.cmd.Wait(); err != nil {
		return fmt.Errorf("watcher run: %w; last log lines:\n%s", err, d.logTail())
	}
	return nil
}

func (d *Daemon) logTail() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.tail, "\n")
}
