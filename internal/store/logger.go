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

func (b boltLogger) log(level slog.Level, msg string) {
	b.l.Log(context.Background(), level, msg)
}

func (b boltLogger) Debug(v ...any) { b.log(slog.LevelDebug, fmt.Sprint(v...)) }
func (b boltLogger) Debugf(format string, v ...any) {
	b.log(slog.LevelDebug, fmt.Sprintf(format, v...))
}
func (b boltLogger) Info(v ...any)                 { b.log(slog.LevelDebug, fmt.Sprint(v...)) }
func (b boltLogger) Infof(format string, v ...any) { b.log(slog.LevelDebug, fmt.Sprintf(format, v...)) }
func (b boltLogger) Warning(v ...any)              { b.log(slog.LevelWarn, fmt.Sprint(v...)) }
func (b boltLogger) Warningf(format string, v ...any) {
	b.log(slog.LevelWarn, fmt.Sprintf(format, v...))
}
func (b boltLogger) Error(v ...any) { b.log(slog.LevelDebug, fmt.Sprint(v...)) }
func (b boltLogger) Errorf(format string, v ...any) {
	b.log(slog.LevelDebug, fmt.Sprintf(format, v...))
}

// Fatal and Panic keep the contract of bbolt's Logger interface; bbolt
// itself does not call them.
func (b boltLogger) Fatal(v ...any) { b.Fatalf("%s", fmt.Sprint(v...)) }
func (b boltLogger) Fatalf(format string, v ...any) {
	b.log(slog.LevelError, fmt.Sprintf(format, v...))
	os.Exit(1)
}
func (b boltLogger) Panic(v ...any) { b.Panicf("%s", fmt.Sprint(v...)) }
func (b boltLogger) Panicf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	b.log(slog.LevelError, msg)
	panic(msg)
}
