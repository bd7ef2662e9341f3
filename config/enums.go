package config

// PublicIPPolicy decides what the public-IP verdict means for a run
// (--public-ip), in check, serve and audit alike.
type PublicIPPolicy string

// Public-IP policies.
const (
	// PublicIPDeny: a public IP fails (exit 15); unknown warns.
	PublicIPDeny PublicIPPolicy = "deny"
	// PublicIPStrict: unknown fails too (exit 16).
	PublicIPStrict PublicIPPolicy = "strict"
	// PublicIPWarn: never fails.
	PublicIPWarn PublicIPPolicy = "warn"
	// PublicIPOff: not checked.
	PublicIPOff PublicIPPolicy = "off"
)

// LogLevel is --log-level.
type LogLevel string

// Log levels.
const (
	LogDebug LogLevel = "debug"
	LogInfo  LogLevel = "info"
	LogWarn  LogLevel = "warn"
	LogError LogLevel = "error"
)

// ExplainMode is --explain: whether check and serve ask the control plane
// why a failing check failed.
type ExplainMode string

// Explain modes.
const (
	// ExplainAuto: explain when credentials that need no IMDS are there.
	ExplainAuto ExplainMode = "auto"
	// ExplainOn: explain; missing credentials are a warning row.
	ExplainOn ExplainMode = "on"
	// ExplainOff: never call the AWS API to explain.
	ExplainOff ExplainMode = "off"
)

// Only is --only: which rows the text report prints.
type Only string

// Only values.
const (
	// OnlyAll prints every row.
	OnlyAll Only = "all"
	// OnlyProblems prints the failing and warning rows; passes and skips
	// are counted in the summary. A skip is never a verdict against the
	// network (it did not run, or does not apply) and its cause, when
	// there is one, is a failing row above it.
	OnlyProblems Only = "problems"
)
