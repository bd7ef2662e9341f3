package main

import (
	"fmt"
	"sync/atomic"

	"github.com/aws/smithy-go/logging"
	"go.uber.org/zap"
)

// sdkLogger routes the AWS SDK's own log lines (a Date header it cannot
// parse, a retry it reports) through zap: the SDK's default logger writes
// raw lines to os.Stderr, which would break --log-format json and a JSON
// report on stderr.
type sdkLogger struct {
	log *zap.Logger
}

// Logf logs one SDK line at the level of its classification.
func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if c == logging.Warn {
		l.log.Warn(msg, zap.String("source", "aws-sdk"))
		return
	}
	l.log.Debug(msg, zap.String("source", "aws-sdk"), zap.String("classification", string(c)))
}

// sdkLogRoute is the SDK logger of the clients defaultDeps builds before
// the run's logger exists (the public-IP verdict, --explain): runWith
// points it at the run's logger once that is built. Until then, and when
// never pointed, the SDK's lines are dropped rather than written raw.
type sdkLogRoute struct {
	log atomic.Pointer[zap.Logger]
}

// use routes the SDK's lines to log.
func (r *sdkLogRoute) use(log *zap.Logger) { r.log.Store(log) }

// Logf logs one SDK line through the run's logger.
func (r *sdkLogRoute) Logf(c logging.Classification, format string, v ...any) {
	if log := r.log.Load(); log != nil {
		sdkLogger{log: log}.Logf(c, format, v...)
	}
}
