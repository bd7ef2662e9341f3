package main

import (
	"fmt"

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
