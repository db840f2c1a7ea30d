package slackapp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
)

// groupCache remembers the members of Slack user groups for a while, so a
// busy channel does not call usergroups.users.list at every click.
type groupCache struct {
	api *slackapi.Client
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	members map[string]groupEntry
}

type groupEntry struct {
	users   []string
	fetched time.Time
}

func (g *groupCache) has(ctx context.Context, group, user string) (bool, error) {
	g.mu.Lock()
	e, ok := g.members[group]
	g.mu.Unlock()
	if !ok || g.now().Sub(e.fetched) >= g.ttl {
		users, err := g.api.GetUserGroupMembersContext(ctx, group)
		if err != nil {
			return false, fmt.Errorf("list members of user group %s: %w", group, err)
		}
		e = groupEntry{users: users, fetched: g.now()}
		g.mu.Lock()
		g.members[group] = e
		g.mu.Unlock()
	}
	return slices.Contains(e.users, user), nil
}

// mayOperate says whether user may mute and correct: named in
// slack.operators, or a member of a user group named there. The reason
// says why not, for the refusal.
func (a *App) mayOperate(ctx context.Context, user string) (bool, string) {
	ops := a.conf().Slack.Operators
	if len(ops) == 0 {
		return false, "no operators are configured (slack.operators), so nobody may mute or correct from Slack"
	}
	var lookupErr error
	for _, op := range ops {
		switch {
		case op == user:
			return true, ""
		case strings.HasPrefix(op, "S"):
			ok, err := a.groups.has(ctx, op, user)
			if err != nil {
				lookupErr = err
				continue
			}
			if ok {
				return true, ""
			}
		}
	}
	if lookupErr != nil {
		a.log.Warn("operator check", "user", user, "err", lookupErr)
		return false, "only watcher's operators may do this, and their user group could not be read just now"
	}
	return false, "only watcher's operators (slack.operators in the config) may mute or correct"
}
