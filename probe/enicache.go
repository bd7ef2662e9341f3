package probe

import (
	"context"
	"sync"
	"time"
)

// SharedFinder is an InterfaceFinder that builds its client on first use
// and remembers every answer, so that the public-IP verdict and the
// explanation of failures (--explain) ask ec2:DescribeNetworkInterfaces
// once per run between them. A task's interface does not change during
// its life, so an answer is kept for good; an error is kept for
// ErrorTTL (a role or an endpoint may be fixed meanwhile; serve asks
// again after it).
type SharedFinder struct {
	// New builds the client; called at most once while it succeeds.
	New func(ctx context.Context) (InterfaceFinder, error)
	// ErrorTTL is how long a failed lookup is kept; zero keeps it for good.
	ErrorTTL time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	mu      sync.Mutex
	finder  InterfaceFinder
	answers map[string]sharedAnswer
}

type sharedAnswer struct {
	enis []NetworkInterface
	err  error
	at   time.Time
}

// Client returns the finder itself, or the error of building its client:
// a caller that cannot build a client should not pretend it asked.
func (s *SharedFinder) Client(ctx context.Context) (InterfaceFinder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finder == nil {
		f, err := s.New(ctx)
		if err != nil {
			return nil, err
		}
		s.finder = f
	}
	return s, nil
}

// FindByPrivateIP implements InterfaceFinder. Lookups are serialised: two
// callers asking for the same address share one call.
func (s *SharedFinder) FindByPrivateIP(ctx context.Context, ip string) ([]NetworkInterface, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if a, ok := s.answers[ip]; ok && (a.err == nil || s.ErrorTTL == 0 || now().Sub(a.at) < s.ErrorTTL) {
		return a.enis, a.err
	}
	if s.finder == nil {
		f, err := s.New(ctx)
		if err != nil {
			return nil, err
		}
		s.finder = f
	}
	enis, err := s.finder.FindByPrivateIP(ctx, ip)
	if err != nil && ctx.Err() != nil {
		return nil, err // cut short by the caller: not an answer to keep
	}
	if s.answers == nil {
		s.answers = map[string]sharedAnswer{}
	}
	s.answers[ip] = sharedAnswer{enis: enis, err: err, at: now()}
	return enis, err
}
