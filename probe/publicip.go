package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// NetworkInterface is the part of an EC2 network interface the public-IP
// verdict and the explanation of failures (--explain) need.
type NetworkInterface struct {
	ID         string
	MACAddress string
	PrivateIP  string
	// PublicIP is Association.PublicIp; empty when none is associated.
	PublicIP string
	// VPCID, SubnetID, SecurityGroupIDs and AZ place the interface in its
	// network: the audit rules judge a task's paths from them.
	VPCID            string
	SubnetID         string
	SecurityGroupIDs []string
	AZ               string
}

// SelectInterface keeps the interfaces of enis whose MAC address is mac
// (case-insensitively); an empty mac keeps them all. The same private
// address can exist in several VPCs: the MAC from the task metadata tells
// the task's own interface apart.
func SelectInterface(enis []NetworkInterface, mac string) []NetworkInterface {
	var matched []NetworkInterface
	for _, e := range enis {
		if mac == "" || strings.EqualFold(e.MACAddress, mac) {
			matched = append(matched, e)
		}
	}
	return matched
}

// InterfaceFinder looks network interfaces up by private IPv4 address
// (ec2:DescribeNetworkInterfaces filtered by addresses.private-ip-address).
type InterfaceFinder interface {
	FindByPrivateIP(ctx context.Context, ip string) ([]NetworkInterface, error)
}

// APIError is an AWS API error with its code, so that the hint can tell
// missing permissions from a missing path.
type APIError struct {
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// PublicIPChecker decides the public-IP verdict for a task.
type PublicIPChecker struct {
	IMDS *IMDSClient
	// NewEC2 builds the EC2 API client; called only when the verdict needs
	// it (Fargate), since loading the AWS configuration costs time.
	NewEC2 func(ctx context.Context) (InterfaceFinder, error)
	Region string
	// IMDSTimeout bounds the IMDS exchange: with a hop limit of 1 the
	// answer is silently dropped, and the verdict must not wait for the
	// whole run's deadline to say "unknown". Zero means the caller's ctx.
	IMDSTimeout time.Duration
	// EC2Timeout bounds the EC2 API exchange, retries included, for the
	// same reason: a security group that drops the path to the ec2
	// endpoint must cost seconds, not the run. Zero means the caller's ctx.
	EC2Timeout time.Duration
}

// Check returns the verdict for task. The caller bounds ctx.
func (c *PublicIPChecker) Check(ctx context.Context, task *Task) (report.PublicIP, string) {
	if task == nil {
		return report.PublicIP{Verdict: report.VerdictUnknown, Source: "tmds", Evidence: "the task metadata could not be read, so neither the launch type nor the ENI is known"}, "metadata"
	}
	n, haveNet := task.TaskNetwork()
	launch := strings.ToUpper(task.LaunchType)
	// Fargate is always awsvpc: a bridge, host or other Docker network means
	// an instance, even when the agent (before 1.45.0) gives no LaunchType.
	instance := haveNet && n.NetworkMode != "awsvpc"
	if launch == "EC2" || launch == "EXTERNAL" || instance {
		if haveNet && n.NetworkMode == "awsvpc" {
			return report.PublicIP{Verdict: report.VerdictNone, Source: "tmds", Evidence: "EC2 launch type with awsvpc: the task ENI never receives a public IPv4 address"}, ""
		}
		return c.fromIMDS(ctx)
	}
	if haveNet && len(n.IPv4Addresses) == 0 && len(n.IPv6Addresses) > 0 {
		return report.PublicIP{Verdict: report.VerdictNone, Source: "tmds", Evidence: fmt.Sprintf("IPv6-only task ENI (%s, no IPv4 address): there is no IPv4 address to associate a public one with", strings.Join(n.IPv6Addresses, ", "))}, ""
	}
	if !haveNet || len(n.IPv4Addresses) == 0 {
		return report.PublicIP{Verdict: report.VerdictUnknown, Source: "tmds", Evidence: fmt.Sprintf("launch type %q and no task ENI address in the metadata", task.LaunchType)}, "no-eni"
	}
	return c.fromEC2(ctx, n)
}

func (c *PublicIPChecker) fromIMDS(ctx context.Context) (report.PublicIP, string) {
	if c.IMDSTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.IMDSTimeout)
		defer cancel()
	}
	ip, err := c.IMDS.PublicIPv4(ctx)
	switch {
	case errors.Is(err, ErrNoPublicIPv4):
		return report.PublicIP{Verdict: report.VerdictNone, Source: "imds", Evidence: "bridge/host network mode: the container instance has no public IPv4 (IMDS public-ipv4: 404)"}, ""
	case err != nil:
		return report.PublicIP{Verdict: report.VerdictUnknown, Source: "imds", Evidence: "bridge/host network mode, but the instance metadata service did not answer: " + err.Error()}, "imds"
	default:
		return report.PublicIP{Verdict: report.VerdictPresent, Source: "imds", Address: ip, Evidence: "bridge/host network mode: traffic leaves through the container instance, whose public IPv4 is " + ip}, "instance"
	}
}

func (c *PublicIPChecker) fromEC2(ctx context.Context, n Network) (report.PublicIP, string) {
	if c.EC2Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.EC2Timeout)
		defer cancel()
	}
	ip := n.IPv4Addresses[0]
	finder, err := c.NewEC2(ctx)
	if err != nil {
		return report.PublicIP{Verdict: report.VerdictUnknown, Source: "ec2", Evidence: "cannot call the EC2 API: " + err.Error()}, "ec2-credentials"
	}
	enis, err := finder.FindByPrivateIP(ctx, ip)
	if err != nil {
		situation := "ec2-path"
		var apiErr *APIError
		if errors.As(err, &apiErr) && isPermissionError(apiErr.Code) {
			situation = "ec2-permission"
		} else if isCredentialError(err) {
			situation = "ec2-credentials"
		}
		return report.PublicIP{Verdict: report.VerdictUnknown, Source: "ec2", Evidence: "DescribeNetworkInterfaces failed: " + err.Error()}, situation
	}
	matched := SelectInterface(enis, n.MACAddress)
	switch {
	case len(matched) == 0:
		return report.PublicIP{Verdict: report.VerdictUnknown, Source: "ec2", Evidence: fmt.Sprintf("no network interface with private IP %s and MAC %s is visible (%d with that IP)", ip, n.MACAddress, len(enis))}, "ec2-not-found"
	case len(matched) > 1:
		return report.PublicIP{Verdict: report.VerdictUnknown, Source: "ec2", Evidence: fmt.Sprintf("%d network interfaces have private IP %s and the metadata gives no MAC to tell them apart", len(matched), ip)}, "ec2-ambiguous"
	}
	e := matched[0]
	if e.PublicIP == "" {
		return report.PublicIP{Verdict: report.VerdictNone, Source: "ec2", Evidence: fmt.Sprintf("task ENI %s (%s) has no public IPv4 association", e.ID, ip)}, ""
	}
	return report.PublicIP{Verdict: report.VerdictPresent, Source: "ec2", Address: e.PublicIP, Evidence: fmt.Sprintf("task ENI %s (%s) is associated with public IPv4 %s", e.ID, ip, e.PublicIP)}, "task"
}

func isPermissionError(code string) bool {
	switch code {
	case "UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "AuthFailure", "InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch":
		return true
	}
	return false
}

// isCredentialError recognises the SDK's "no credentials" failures by text:
// they are not typed across providers.
func isCredentialError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "failed to retrieve credentials") || strings.Contains(s, "no EC2 IMDS role found") || strings.Contains(s, "credential")
}

// PublicIPResult runs the checker and applies the policy. Outside ECS the
// check is skipped.
func (c *PublicIPChecker) Result(ctx context.Context, task *Task, inECS bool, policy config.PublicIPPolicy) report.Result {
	res := report.Result{Check: report.CheckPublicIP, Target: "task"}
	if !inECS {
		res.Status, res.Detail = report.StatusSkip, "not running in ECS"
		return res
	}
	start := time.Now()
	v, situation := c.Check(ctx, task)
	res.Duration = time.Since(start)
	res.PublicIP = &v
	res.Detail = fmt.Sprintf("%s, from %s: %s", v.Verdict, v.Source, v.Evidence)
	if v.Address != "" {
		res.Addresses = []string{v.Address}
	}
	switch v.Verdict {
	case report.VerdictNone:
		res.Status = report.StatusPass
		return res
	case report.VerdictPresent:
		res.Class, res.Status = report.ClassPublicIP, report.StatusFail
		if policy == config.PublicIPWarn {
			res.Status = report.StatusWarn
		}
		res.Error = "the task has public IPv4 address " + v.Address
		res.Detail = fmt.Sprintf("%s, from %s", v.Verdict, v.Source)
	default:
		res.Class, res.Status = report.ClassPublicIPUnknown, report.StatusWarn
		if policy == config.PublicIPStrict {
			res.Status = report.StatusFail
		}
		res.Error = "cannot tell whether the task has a public IPv4 address: " + v.Evidence
		res.Detail = fmt.Sprintf("%s, from %s", v.Verdict, v.Source)
	}
	res.Hint = publicIPHint(situation, c.Region)
	return res
}
