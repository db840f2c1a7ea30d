package notify

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	base := errors.New("boom")
	tests := []struct {
		name      string
		err       error
		permanent bool
		after     time.Duration
		hasAfter  bool
	}{
		{"nil", nil, false, 0, false},
		{"plain is temporary", base, false, 0, false},
		{"permanent", &PermanentError{Err: base}, true, 0, false},
		{"permanent wrapped", fmt.Errorf("send: %w", &PermanentError{Err: base}), true, 0, false},
		{"unsupported is permanent", fmt.Errorf("send: %w", Unsupported("test", "update a message")), true, 0, false},
		{"retry after", &RetryAfterError{Err: base, After: 3 * time.Second}, false, 3 * time.Second, true},
		{"retry after wrapped", fmt.Errorf("send: %w", &RetryAfterError{Err: base, After: time.Minute}), false, time.Minute, true},
		{"retry after of a permanent error is permanent too", &RetryAfterError{Err: &PermanentError{Err: base}, After: time.Second}, true, time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Permanent(tc.err); got != tc.permanent {
				t.Errorf("Permanent = %v, want %v", got, tc.permanent)
			}
			after, ok := RetryAfter(tc.err)
			if ok != tc.hasAfter || after != tc.after {
				t.Errorf("RetryAfter = %v, %v; want %v, %v", after, ok, tc.after, tc.hasAfter)
			}
			if tc.err != nil && tc.name != "unsupported is permanent" && !errors.Is(tc.err, base) {
				t.Errorf("the cause is not reachable with errors.Is")
			}
		})
	}
}

func TestUnsupportedNamesWhatAndWraps(t *testing.T) {
	t.Parallel()
	err := Unsupported("console", "look up a posted message")
	if !errors.Is(err, ErrUnsupported) || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("%v does not wrap ErrUnsupported", err)
	}
	if want := "console cannot look up a posted message: unsupported operation"; err.Error() != want {
		t.Errorf("Unsupported = %q, want %q", err.Error(), want)
	}
}
