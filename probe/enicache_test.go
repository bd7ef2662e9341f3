package probe

import (
	"context"
	"errors"
	"testing"
	"time"
)

type countingFinder struct {
	calls int
	err   error
}

func (c *countingFinder) FindByPrivateIP(_ context.Context, ip string) ([]NetworkInterface, error) {
	c.calls++
	if c.err != nil {
		return nil, c.err
	}
	return []NetworkInterface{{ID: "eni-1", PrivateIP: ip, VPCID: "vpc-1", SubnetID: "subnet-1", SecurityGroupIDs: []string{"sg-1"}}}, nil
}

func TestSharedFinderAsksOnce(t *testing.T) {
	now := time.Unix(0, 0)
	for _, tt := range []struct {
		name      string
		err       error
		later     time.Duration
		wantCalls int
	}{
		{"answer kept for good", nil, time.Hour, 1},
		{"error kept within its TTL", &APIError{Code: "UnauthorizedOperation"}, time.Minute, 1},
		{"error asked again after its TTL", errors.New("dial tcp: i/o timeout"), 11 * time.Minute, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inner := &countingFinder{err: tt.err}
			builds := 0
			clock := now
			s := &SharedFinder{ErrorTTL: 10 * time.Minute, Now: func() time.Time { return clock },
				New: func(context.Context) (InterfaceFinder, error) { builds++; return inner, nil }}
			f, err := s.Client(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			f.FindByPrivateIP(context.Background(), "10.0.2.100")
			f.FindByPrivateIP(context.Background(), "10.0.2.100")
			clock = clock.Add(tt.later)
			enis, err := f.FindByPrivateIP(context.Background(), "10.0.2.100")
			if inner.calls != tt.wantCalls || builds != 1 {
				t.Errorf("got %d calls, %d clients; want %d calls, 1 client", inner.calls, builds, tt.wantCalls)
			}
			if tt.err == nil && (err != nil || len(enis) != 1 || enis[0].SubnetID != "subnet-1") {
				t.Errorf("got %v, %v; want the cached interface", enis, err)
			}
		})
	}
}
