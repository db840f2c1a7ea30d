// Package slack delivers alerts to Slack, through a bot token
// (chat.postMessage, threads, message metadata) or an incoming webhook,
// rendering each event as Block Kit. It classifies Slack's answers into the
// permanent, rate-limited and temporary errors of package notify and never
// retries by itself: the outbox loop does.
package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/notify"
)

const (
	// DefaultTimeout bounds one request to Slack when Options.HTTPClient is
	// nil; slack-go's own client has no timeout at all.
	DefaultTimeout = 30 * time.Second
	// MetadataEventType tags every message watcher posts, with the alert id
	// in its payload, so a later run can find an alert already posted
	// before a crash.
	MetadataEventType = "watcher_alert"

	// Slack allows about one message per second per channel, with short
	// bursts; pacing here avoids most 429s.
	channelRate  = rate.Limit(1)
	channelBurst = 3
	// maxFallback bounds the notification text sent with the blocks.
	maxFallback = 3000
	// maxErrorBody is how much of a webhook's error answer is kept.
	maxErrorBody = 512
)

// Options configures a Notifier.
type Options struct {
	// Token is a bot token (xoxb-); when set, alerts go through
	// chat.postMessage with Block Kit.
	Token string
	// WebhookURL is an incoming webhook, used when Token is empty. It is a
	// secret: it never appears in errors or logs.
	WebhookURL string
	// APIURL overrides https://slack.com/api/ (tests, proxies).
	APIURL string
	// Channel is the default channel when Alert.Channel is empty.
	Channel string
	// HTTPClient defaults to one with a 30s timeout.
	HTTPClient *http.Client
	// Logger defaults to discarding.
	Logger *slog.Logger
	// PerChannel is the pace of messages per channel: one per second by
	// default (Slack's limit), so most 429s never happen. Tests and
	// replays against a fake Slack raise it.
	PerChannel rate.Limit
	// Location is the newsroom's zone, in which messages show the times a
	// person reads (labelled); nil is UTC. Slack's own date formatting
	// still shows each reader the context line's time in their zone.
	Location *time.Location
	// App adds the Slack app's controls (Acknowledge, Mute outlet, Wrong
	// metric) to each alert; AppMetrics are the Wrong metric menu's
	// choices. Only with the app running, or the buttons answer nothing.
	App        bool
	AppMetrics []string
}

// Notifier posts alerts to Slack. It is safe for concurrent use.
type Notifier struct {
	api        *slackapi.Client // nil in webhook mode
	webhook    string
	webhookLog string // the webhook without its secret path, for errors
	http       *http.Client
	channel    string
	log        *slog.Logger
	loc        *time.Location
	app        bool
	appMetrics []string

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
	rate     rate.Limit
	// ids maps channel names ("#figures") to the IDs Slack answered with:
	// history lookups need the ID, and a channel's rate limit is shared
	// whichever way it is named.
	ids map[string]string
}

var _ notify.Notifier = (*Notifier)(nil)

// New returns a Notifier for a bot token or, when the token is empty, a
// webhook. It checks the options but does not call Slack. What the result
// can do depends on which: see Caps.
func New(opts Options) (*Notifier, error) {
	n := &Notifier{
		http:       opts.HTTPClient,
		channel:    strings.TrimSpace(opts.Channel),
		log:        opts.Logger,
		limiters:   make(map[string]*rate.Limiter),
		ids:        make(map[string]string),
		rate:       opts.PerChannel,
		loc:        opts.Location,
		app:        opts.App && opts.Token != "",
		appMetrics: opts.AppMetrics,
	}
	if n.rate <= 0 {
		n.rate = channelRate
	}
	if n.http == nil {
		n.http = &http.Client{Timeout: DefaultTimeout}
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	switch {
	case opts.Token != "":
		tok := strings.TrimSpace(opts.Token)
		// Checked by shape only: the token itself must not reach an error.
		if !strings.HasPrefix(tok, "xox") || strings.ContainsAny(tok, " \t\r\n") {
			return nil, errors.New("slack: the bot token does not look like a Slack token (want xoxb-…)")
		}
		apiOpts := []slackapi.Option{slackapi.OptionHTTPClient(n.http)}
		if opts.APIURL != "" {
			u, err := url.Parse(opts.APIURL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, fmt.Errorf("slack: API URL %q is not an absolute http(s) URL", opts.APIURL)
			}
			api := opts.APIURL
			if !strings.HasSuffix(api, "/") {
				api += "/"
			}
			apiOpts = append(apiOpts, slackapi.OptionAPIURL(api))
		}
		// No OptionRetry: a retried chat.postMessage whose first reply was
		// lost posts the alert twice; the outbox decides about retries.
		n.api = slackapi.New(tok, apiOpts...)
	case opts.WebhookURL != "":
		u, err := url.Parse(strings.TrimSpace(opts.WebhookURL))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// Neither the URL nor the parse error (which quotes it) is shown.
			return nil, errors.New("slack: the webhook URL is not an absolute http(s) URL")
		}
		n.webhook = u.String()
		n.webhookLog = u.Scheme + "://" + u.Host + "/…"
	default:
		return nil, errors.New("slack: neither a bot token nor a webhook URL is set")
	}
	return n, nil
}

// Name says which kind of Slack delivery this is.
func (n *Notifier) Name() string {
	if n.api == nil {
		return "slack-webhook"
	}
	return "slack"
}

// Caps says what this Slack destination can do. Through a bot token it
// can update its messages and find them by their alert-id metadata; an
// incoming webhook answers with neither a channel nor a message ts, so it
// can only send (digests included). Neither is ephemeral: people read the
// channel.
func (n *Notifier) Caps() notify.Caps {
	if n.api == nil {
		return notify.Caps{Digest: true}
	}
	return notify.Caps{Update: true, Find: true, Digest: true}
}

// Send posts one alert. Errors are classified for the outbox: see
// notify.Permanent and notify.RetryAfter; anything else is temporary.
func (n *Notifier) Send(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	if n.api == nil {
		return n.sendWebhook(ctx, a)
	}
	return n.sendBot(ctx, a)
}

// broadcast reports whether a threaded reply should also go to the
// channel: a metric's new value is news, the rest of its thread is detail.
func broadcast(a notify.Alert) bool {
	return a.ThreadTS != "" && a.Event.Kind == diff.MetricChanged
}

func (n *Notifier) wait(ctx context.Context, key string) error {
	n.mu.Lock()
	if id, ok := n.ids[key]; ok {
		key = id
	}
	l, ok := n.limiters[key]
	if !ok {
		l = rate.NewLimiter(n.rate, channelBurst)
		n.limiters[key] = l
	}
	n.mu.Unlock()
	if err := l.Wait(ctx); err != nil {
		return fmt.Errorf("wait for slack rate limit: %w", err)
	}
	return nil
}

func (n *Notifier) sendBot(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	channel := a.Channel
	if channel == "" {
		channel = n.channel
	}
	if channel == "" {
		return notify.Receipt{}, &notify.PermanentError{Err: fmt.Errorf("slack alert %d: no channel set (configure a default channel)", a.ID)}
	}
	if err := n.wait(ctx, channel); err != nil {
		return notify.Receipt{}, err
	}
	opts := append(n.messageOptions(a),
		slackapi.MsgOptionDisableLinkUnfurl(),
		slackapi.MsgOptionDisableMediaUnfurl(),
	)
	if a.ThreadTS != "" {
		opts = append(opts, slackapi.MsgOptionTS(a.ThreadTS))
		if broadcast(a) {
			opts = append(opts, slackapi.MsgOptionBroadcast())
		}
	}
	start := time.Now()
	ch, ts, err := n.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		err = classifyAPI(err)
		n.log.Debug("slack post failed", "alert", a.ID, "channel", channel, "kind", a.Event.Kind,
			"permanent", notify.Permanent(err), "dur", time.Since(start), "err", err)
		return notify.Receipt{}, fmt.Errorf("slack chat.postMessage to %s: %w", channel, err)
	}
	if ch == "" {
		ch = channel
	}
	n.learn(channel, ch)
	n.log.Debug("slack message posted", "alert", a.ID, "channel", ch, "ts", ts, "kind", a.Event.Kind, "dur", time.Since(start))
	return notify.Receipt{Channel: ch, TS: ts}, nil
}

// messageOptions are what Send and Update post: the blocks, the
// notification text and the metadata carrying the alert id, which Find
// looks for (an updated message must keep it).
func (n *Notifier) messageOptions(a notify.Alert) []slackapi.MsgOption {
	blocks, text := n.render(a)
	return []slackapi.MsgOption{
		slackapi.MsgOptionBlocks(blocks...),
		// Escaped here already: slack-go's escaping would escape it twice.
		slackapi.MsgOptionText(text, false),
		// The notification text quotes documents: with mrkdwn off a
		// quote's *bold* or ~strike~ stays text there too, as in the
		// rich_text blocks.
		slackapi.MsgOptionDisableMarkdown(),
		slackapi.MsgOptionMetadata(alertMetadata(a.ID)),
	}
}

// alertMetadata tags a message with its alert id. The id is a decimal
// string: a JSON number would lose precision beyond 2^53 in clients that
// decode numbers as floats.
func alertMetadata(id uint64) slackapi.SlackMetadata {
	return slackapi.SlackMetadata{
		EventType:    MetadataEventType,
		EventPayload: map[string]any{"alert_id": strconv.FormatUint(id, 10)},
	}
}

// learn records the ID Slack answered for a channel named by name, and
// carries the name's rate limiter over to the ID so both share one.
func (n *Notifier) learn(name, id string) {
	if name == "" || id == "" || name == id {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ids[name] = id
	if l, ok := n.limiters[name]; ok {
		if _, taken := n.limiters[id]; !taken {
			n.limiters[id] = l
		}
		delete(n.limiters, name)
	}
}

// permanentCodes are chat.postMessage errors that retrying cannot fix: the
// configuration, the token or the message itself is wrong.
func permanentCode(code string) bool {
	switch code {
	case "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed",
		"account_inactive", "token_revoked", "token_expired", "no_permission", "missing_scope",
		"not_allowed_token_type", "access_denied", "ekm_access_denied", "team_access_not_granted",
		"org_login_required", "two_factor_setup_required", "enterprise_is_restricted",
		"invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long", "no_text",
		"too_many_attachments", "invalid_metadata_format", "invalid_metadata_schema",
		"metadata_too_large", "metadata_must_be_sent_from_app",
		"restricted_action", "restricted_action_read_only_channel",
		"restricted_action_thread_only_channel", "restricted_action_non_threadable_channel",
		"cannot_reply_to_message", "as_user_not_supported", "duplicate_channel_not_found",
		"invalid_arguments", "invalid_arg_name", "invalid_array_arg", "invalid_charset",
		"invalid_form_data", "invalid_post_type", "missing_post_type", "method_deprecated",
		"deprecated_endpoint", "team_not_found", "slack_connect_file_link_sharing_blocked":
		return true
	}
	return false
}

// classifyAPI maps slack-go's errors to notify's classes. Codes it does not
// know (internal_error, fatal_error, service_unavailable, new ones) stay
// temporary: a retry the outbox will eventually expire beats dropping an
// alert on a transient fault.
func classifyAPI(err error) error {
	var rl *slackapi.RateLimitedError
	if errors.As(err, &rl) {
		return &notify.RetryAfterError{Err: err, After: rl.RetryAfter}
	}
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		if permanentCode(se.Err) {
			if len(se.ResponseMetadata.Messages) > 0 {
				// invalid_blocks says which block and why only here.
				return &notify.PermanentError{Err: fmt.Errorf("%w: %s", err, strings.Join(se.ResponseMetadata.Messages, "; "))}
			}
			return &notify.PermanentError{Err: err}
		}
		return err
	}
	var sc slackapi.StatusCodeError
	if errors.As(err, &sc) {
		if permanentStatus(sc.Code) {
			return &notify.PermanentError{Err: err}
		}
		return err
	}
	// Transport errors (refused, reset, timeout, cancelled) stay temporary;
	// a cancelled send may still have been posted, which the alert id in
	// the message metadata lets a later run find.
	return err
}

// permanentStatus reports HTTP statuses that mean the request itself is
// wrong: 4xx except timeouts and rate limits.
func permanentStatus(code int) bool {
	return code >= 400 && code < 500 && code != http.StatusRequestTimeout &&
		code != http.StatusTooEarly && code != http.StatusTooManyRequests
}

// sendWebhook posts to an incoming webhook. The POST is done here rather
// than with slack-go's PostWebhookCustomHTTPContext because that one drops
// the body of an error answer (the reason: channel_not_found,
// invalid_blocks, no_service), rejects an HTTP-date Retry-After with a bare
// strconv error, and wraps transport errors with the full URL, whose path
// is the webhook's secret.
func (n *Notifier) sendWebhook(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	f := false
	blocks, text := n.render(a)
	return n.postWebhook(ctx, fmt.Sprintf("alert %d", a.ID), slackapi.WebhookMessage{
		Text:            text,
		Blocks:          &slackapi.Blocks{BlockSet: blocks},
		ThreadTimestamp: a.ThreadTS,
		ReplyBroadcast:  broadcast(a),
		UnfurlLinks:     &f,
		UnfurlMedia:     &f,
	})
}

// postWebhook posts one message to the webhook; what names it in errors
// and logs ("alert 7", "digest").
func (n *Notifier) postWebhook(ctx context.Context, what string, msg slackapi.WebhookMessage) (notify.Receipt, error) {
	if err := n.wait(ctx, "webhook"); err != nil {
		return notify.Receipt{}, err
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return notify.Receipt{}, &notify.PermanentError{Err: fmt.Errorf("encode slack webhook message for %s: %w", what, err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.webhook, bytes.NewReader(body))
	if err != nil {
		return notify.Receipt{}, &notify.PermanentError{Err: fmt.Errorf("build slack webhook request for %s to %s: %w", what, n.webhookLog, redact(err, n.webhookLog))}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	start := time.Now()
	resp, err := n.http.Do(req)
	if err != nil {
		err = redact(err, n.webhookLog)
		n.log.Debug("slack webhook post failed", "message", what, "dur", time.Since(start), "err", err)
		return notify.Receipt{}, fmt.Errorf("post slack webhook %s: %w", n.webhookLog, err)
	}
	defer resp.Body.Close()
	// The answer is "ok" or a short error code; read a little and drain
	// the rest (bounded) so the connection can be reused.
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		n.log.Debug("slack webhook posted", "message", what, "status", resp.StatusCode, "dur", time.Since(start))
		return notify.Receipt{}, nil
	}
	err = &WebhookError{Status: resp.StatusCode, Reason: notify.Clean(string(answer))}
	n.log.Debug("slack webhook post failed", "message", what, "status", resp.StatusCode, "dur", time.Since(start), "err", err)
	err = fmt.Errorf("post slack webhook %s: %w", n.webhookLog, err)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		if after, ok := fetch.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return notify.Receipt{}, &notify.RetryAfterError{Err: err, After: after}
		}
		// Without Retry-After (a workspace over its message limit) the
		// outbox's own backoff applies.
		return notify.Receipt{}, err
	case permanentStatus(resp.StatusCode):
		return notify.Receipt{}, &notify.PermanentError{Err: err}
	}
	return notify.Receipt{}, err
}

// WebhookError is a webhook's refusal: its HTTP status and the reason
// Slack gave in the body ("channel_not_found", "invalid_payload").
type WebhookError struct {
	Status int
	Reason string
}

func (e *WebhookError) Error() string {
	s := strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	if e.Reason != "" {
		s += ": " + notify.Truncate(e.Reason, 200)
	}
	return s
}

// redact replaces the URL in a transport error (which quotes it whole) with
// the webhook's safe form.
func redact(err error, safe string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: safe, Err: ue.Err}
	}
	return err
}
