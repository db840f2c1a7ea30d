// Package slackapp is watcher's Slack app: over a Socket Mode connection
// (outbound only, so it works behind a newsroom firewall with no public URL)
// it answers the /watcher slash command, the buttons on alerts
// (acknowledge, mute an outlet, wrong metric), mentions in an alert's
// thread and the App Home tab, reading and writing the store.
//
// Every envelope is acknowledged as soon as it arrives (Slack wants it
// within 3 seconds) and handled after, once: envelope ids are remembered
// for a while in memory, and what an action changes is keyed in the store,
// so a redelivered envelope or a double click changes nothing twice.
package slackapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/figwatch/watcher/internal/backoff"
	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/store"
)

// Defaults for Options.
const (
	DefaultHandlerTimeout = 20 * time.Second
	DefaultSeenTTL        = 15 * time.Minute
	// Slack redelivers an unacknowledged envelope three times over about
	// five minutes: a quarter of an hour of memory covers them.
	maxSeen        = 10000
	ackTimeout     = 2 * time.Second
	maxConcurrency = 8
	reconnectMin   = time.Second
	reconnectMax   = 5 * time.Minute
)

// Options wires an App. BotToken, AppToken, DB and Config are required.
type Options struct {
	BotToken, AppToken string
	// APIURL overrides https://slack.com/api/ (tests).
	APIURL string
	// HTTPClient defaults to one with a 30s timeout.
	HTTPClient *http.Client
	DB         *store.DB
	// Config returns the config in force (a reload may replace it).
	Config func() *config.Config
	Now    func() time.Time
	Logger *slog.Logger
	// PingInterval is how long the connection may go without a ping from
	// Slack before it is deemed dead; slack-go's 30s when zero.
	PingInterval time.Duration
	// ReconnectMin and ReconnectMax bound the backoff between attempts to
	// reopen the connection after Slack refused it.
	ReconnectMin, ReconnectMax time.Duration
	// Status, when set, summarises the daemon's health for /watcher status.
	Status func(ctx context.Context) string
	// Metrics receives the app's counts; NewMetrics(nil) when nil.
	Metrics *Metrics
}

// App is a running Slack app. Run owns its connection and handlers.
type App struct {
	opts Options
	api  *slackapi.Client
	http *http.Client
	db   *store.DB
	conf func() *config.Config
	now  func() time.Time
	log  *slog.Logger

	stats  *Metrics
	seen   *ttlSet
	groups *groupCache
	sem    chan struct{}
	wg     sync.WaitGroup

	connected atomic.Bool
	handled   atomic.Int64
	connects  atomic.Int64
}

// New checks opts and returns an App; it does not call Slack.
func New(opts Options) (*App, error) {
	if opts.BotToken == "" || opts.AppToken == "" || opts.DB == nil || opts.Config == nil {
		return nil, errors.New("slack app: bot token, app token, database and config are required")
	}
	if !strings.HasPrefix(opts.AppToken, "xapp-") {
		return nil, errors.New("slack app: the app token does not look like an app-level token (want xapp-…)")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(nil)
	}
	if opts.ReconnectMin <= 0 {
		opts.ReconnectMin = reconnectMin
	}
	if opts.ReconnectMax <= 0 {
		opts.ReconnectMax = reconnectMax
	}
	apiOpts := []slackapi.Option{slackapi.OptionHTTPClient(opts.HTTPClient), slackapi.OptionAppLevelToken(opts.AppToken)}
	if opts.APIURL != "" {
		u, err := url.Parse(opts.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("slack app: API URL %q is not an absolute http(s) URL", opts.APIURL)
		}
		api := opts.APIURL
		if !strings.HasSuffix(api, "/") {
			api += "/"
		}
		apiOpts = append(apiOpts, slackapi.OptionAPIURL(api))
	}
	a := &App{
		opts: opts, http: opts.HTTPClient, db: opts.DB, conf: opts.Config, now: opts.Now,
		log:   opts.Logger.With("component", "slackapp"),
		api:   slackapi.New(opts.BotToken, apiOpts...),
		seen:  newTTLSet(DefaultSeenTTL, maxSeen),
		stats: opts.Metrics,
		sem:   make(chan struct{}, maxConcurrency),
	}
	a.groups = &groupCache{api: a.api, ttl: 5 * time.Minute, now: a.now, members: map[string]groupEntry{}}
	return a, nil
}

// Connected reports whether the Socket Mode connection is open now.
func (a *App) Connected() bool { return a.connected.Load() }

// Run keeps the Socket Mode connection open until ctx is cancelled,
// reopening it with backoff when Slack refuses it (slack-go reconnects a
// dropped connection by itself), then waits for the handlers in flight.
// Alerts do not depend on it: they go through the Web API whatever the
// state of the socket.
func (a *App) Run(ctx context.Context) error {
	defer a.wg.Wait()
	for attempt := 1; ; attempt++ {
		err := a.runOnce(ctx)
		a.connected.Store(false)
		a.stats.setConnected(false)
		if ctx.Err() != nil {
			return nil
		}
		wait := backoff.Exponential(a.opts.ReconnectMin, a.opts.ReconnectMax, attempt)
		a.log.Error("socket mode connection ended; reopening", "err", err, "attempt", attempt, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// runOnce runs one slack-go client until it gives up or ctx ends,
// acknowledging and dispatching its envelopes.
func (a *App) runOnce(ctx context.Context) error {
	opts := []socketmode.Option{socketmode.OptionLog(log.New(io.Discard, "", 0))}
	if a.opts.PingInterval > 0 {
		opts = append(opts, socketmode.OptionPingInterval(a.opts.PingInterval))
	}
	sm := socketmode.New(a.api, opts...)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- sm.RunContext(rctx) }()
	for {
		select {
		case err := <-errc:
			return fmt.Errorf("socket mode: %w", err)
		case evt := <-sm.Events:
			a.event(ctx, sm, evt)
		}
	}
}

// event acknowledges an envelope at once, then hands it to a handler
// unless it was handled already.
func (a *App) event(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.connected.Store(true)
		a.stats.setConnected(true)
		a.stats.connections.Inc()
		n := a.connects.Add(1)
		a.log.Info("socket mode connected", "connections", n)
		return
	case socketmode.EventTypeConnecting:
		a.connected.Store(false)
		a.stats.setConnected(false)
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth, socketmode.EventTypeIncomingError,
		socketmode.EventTypeErrorWriteFailed, socketmode.EventTypeErrorBadMessage:
		a.log.Warn("socket mode trouble", "event", string(evt.Type), "detail", fmt.Sprint(evt.Data))
		return
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
	default:
		return
	}
	if evt.Request == nil {
		return
	}
	actx, cancel := context.WithTimeout(ctx, ackTimeout)
	err := sm.AckCtx(actx, evt.Request.EnvelopeID, nil)
	cancel()
	if err != nil {
		// Unacknowledged, Slack sends it again; the dedupe below keeps it
		// from being handled twice if it was handled this time.
		a.log.Warn("ack envelope", "envelope", evt.Request.EnvelopeID, "err", err)
	}
	typ := string(evt.Type)
	if !a.seen.add(evt.Request.EnvelopeID, a.now()) {
		a.stats.envelope(typ, OutcomeRedelivered)
		a.log.Debug("envelope redelivered: already handled", "envelope", evt.Request.EnvelopeID,
			"retry", evt.Request.RetryAttempt)
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		// The work outlives a shutdown that starts meanwhile, bounded: a
		// click acknowledged is a click done, also when it was still
		// waiting for a free handler.
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultHandlerTimeout)
		defer cancel()
		select {
		case a.sem <- struct{}{}:
			defer func() { <-a.sem }()
		case <-hctx.Done():
			a.log.Error("slack app: no free handler in time", "envelope", evt.Request.EnvelopeID, "type", typ)
			a.stats.envelope(typ, OutcomeFailed)
			return
		}
		defer func() {
			if r := recover(); r != nil {
				a.log.Error("slack app handler panicked", "envelope", evt.Request.EnvelopeID, "panic", r)
			}
		}()
		if err := a.handle(hctx, evt); err != nil {
			a.log.Error("slack app", "envelope", evt.Request.EnvelopeID, "type", typ, "err", err)
			a.stats.envelope(typ, OutcomeFailed)
		} else {
			a.stats.envelope(typ, OutcomeHandled)
		}
		a.handled.Add(1)
	}()
}

// Handled is how many envelopes were handled (redeliveries excluded).
func (a *App) Handled() int64 { return a.handled.Load() }

func (a *App) handle(ctx context.Context, evt socketmode.Event) error {
	switch data := evt.Data.(type) {
	case slackapi.SlashCommand:
		return a.command(ctx, data, evt.Request.EnvelopeID)
	case slackapi.InteractionCallback:
		return a.interaction(ctx, data)
	default:
		return a.eventsAPI(ctx, evt.Data)
	}
}

// ttlSet remembers keys for a while, bounded in size: the envelope ids
// already handled.
type ttlSet struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	seen  map[string]time.Time
	order []string
}

func newTTLSet(ttl time.Duration, max int) *ttlSet {
	return &ttlSet{ttl: ttl, max: max, seen: map[string]time.Time{}}
}

// add records key at now and reports whether it was new (or forgotten).
func (s *ttlSet) add(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Forget the expired, oldest first, and the oldest beyond max.
	for len(s.order) > 0 {
		k := s.order[0]
		if t, ok := s.seen[k]; ok && now.Sub(t) < s.ttl && len(s.order) < s.max {
			break
		}
		delete(s.seen, k)
		s.order = s.order[1:]
	}
	if _, ok := s.seen[key]; ok {
		return false
	}
	s.seen[key] = now
	s.order = append(s.order, key)
	return true
}

func (s *ttlSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}
