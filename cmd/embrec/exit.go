// Exit codes: 0 when a command finished, 1 for any failure (with a
// message), 2 for a usage error, 130 / 143 when SIGINT / SIGTERM stopped
// a command that saved its state first (train). A failure that needs
// another code returns an *exitError.

package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Exit codes, documented in `embrec help`.
const (
	exitOK        = 0
	exitFailure   = 1
	exitUsage     = 2
	exitInterrupt = 130 // 128 + SIGINT
	exitTerminate = 143 // 128 + SIGTERM
)

const exitCodesHelp = `exit codes:
  0    finished
  1    failed (the message says why; a diverged training run also writes diverged.json)
  2    no command, or an unknown one
  130  interrupted by SIGINT (Ctrl-C); train saved its checkpoint first
  143  terminated by SIGTERM; train saved its checkpoint first`

// exitError is an error with its own exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitCode is the process exit code for an error returned by a command.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitFailure
}

// signalCause is the cancellation cause of a context stopped by a signal.
type signalCause struct{ sig os.Signal }

func (s *signalCause) Error() string { return "stopped by " + s.sig.String() }

// signalContext is cancelled by SIGINT or SIGTERM, with a *signalCause as
// its context.Cause; stop releases the handler.
func signalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			cancel(&signalCause{s})
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			cancel(nil)
		})
	}
}

// signalExitCode is the exit code for a command stopped by s.
func signalExitCode(s os.Signal) int {
	if s == syscall.SIGTERM {
		return exitTerminate
	}
	return exitInterrupt
}
