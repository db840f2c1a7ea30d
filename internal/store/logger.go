package store

import (
	"context"
	"fmt"
	"log/slog"
	"os"
)

// boltLogger routes bbolt's diagnostics to slog. bbolt logs open and close
// at Info and logs at Error every failure it also returns to us, which the
// caller reports with context; so everything but warnings goes to Debug.
type boltLogger struct{ l *slog.Logger }

// logf and logs format bbolt's message only when the level is logged:
// bbolt logs at debug on every transaction, and formatting what slog then
// drops cost 6% of a warm cycle's CPU.
func (b boltLogger) logf(level slog.Level, format string, v ...any) {
	if b.l.Enabled(context.Background(), level) {
		b.l.Log(context.Background(), level, fmt.Sprintf(format, v...))
	}
}

func (b boltLogger) logs(level slog.Level, v ...any) {
	if b.l.Enabled(context.Background(), level) {
		b.l.Log(context.Background(), level, fmt.Sprint(v...))
	}
}

func (b boltLogger) Debug(v ...any)                   { b.logs(slog.LevelDebug, v...) }
func (b boltLogger) Debugf(format string, v ...any)   { b.logf(slog.LevelDebug, format, v...) }
func (b boltLogger) Info(v ...any)                    { b.logs(slog.LevelDebug, v...) }
func (b boltLogger) Infof(format string, v ...any)    { b.logf(slog.LevelDebug, format, v...) }
func (b boltLogger) Warning(v ...any)                 { b.logs(slog.LevelWarn, v...) }
func (b boltLogger) Warningf(format string, v ...any) { b.logf(slog.LevelWarn, format, v...) }
func (b boltLogger) Error(v ...any)                   { b.logs(slog.LevelDebug, v...) }
func (b boltLogger) Errorf(format string, v ...any)   { b.logf(slog.LevelDebug, format, v...) }

// Fatal and Panic keep the contract of bbolt's Logger interface; bbolt
// itself does not call them.
func (b boltLogger) Fatal(v ...any) { b.Fatalf("%s", fmt.Sprint(v...)) }
func (b boltLogger) Fatalf(format string, v ...any) {
	b.logf(slog.LevelError, format, v...)
	os.Exit(1)
}
func (b boltLogger) Panic(v ...any) { b.Panicf("%s", fmt.Sprint(v...)) }
func (b boltLogger) Panicf(format string, v ...any) {
	b.logf(slog.LevelError, format, v...)
	panic(fmt.Sprintf(format, v...))
}
