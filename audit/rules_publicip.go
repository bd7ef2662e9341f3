package audit

import (
	"fmt"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// publicIPRow judges assignPublicIp (Security Hub ECS.2) under policy. It
// returns false when the policy turns the check off.
func publicIPRow(w *Workload, policy config.PublicIPPolicy) (report.Result, bool) {
	if policy == "" {
		policy = config.PublicIPDeny
	}
	if policy == config.PublicIPOff {
		return report.Result{}, false
	}
	r := report.Result{Check: report.CheckPublicIP, Target: w.Name, Reason: "assignPublicIp of the awsvpcConfiguration"}
	if w.ServiceARN != "" {
		r.Resources = []string{w.ServiceARN}
	}
	switch w.AssignPublicIP {
	case PublicIPDisabled:
		r.Status, r.Detail = report.StatusPass, "assignPublicIp=DISABLED"
		r.PublicIP = &report.PublicIP{Verdict: report.VerdictNone, Evidence: "assignPublicIp=DISABLED", Source: "ecs"}
		return r, true
	case PublicIPEnabled:
		r.Status, r.Class = report.StatusFail, report.ClassPublicIP
		if policy == config.PublicIPWarn {
			r.Status = report.StatusWarn
		}
		r.Error = "assignPublicIp=ENABLED: every task gets a public IPv4 address (Security Hub ECS.2)"
		r.Hint = disablePublicIPHint(w)
		r.PublicIP = &report.PublicIP{Verdict: report.VerdictPresent, Evidence: "assignPublicIp=ENABLED", Source: "ecs"}
		return r, true
	}
	if w.LaunchType == LaunchEC2 {
		// awsvpc ENIs of the EC2 launch type never get a public IPv4.
		r.Status, r.Detail = report.StatusPass, "EC2 launch type: task ENIs never receive a public IPv4 address"
		r.PublicIP = &report.PublicIP{Verdict: report.VerdictNone, Evidence: "EC2 launch type", Source: "ecs"}
		return r, true
	}
	r.Status, r.Class = report.StatusWarn, report.ClassPublicIPUnknown
	if policy == config.PublicIPStrict {
		r.Status = report.StatusFail
	}
	r.Error = "assignPublicIp could not be read: whether the tasks get a public IPv4 address is unknown"
	r.Hint = "Allow ecs:DescribeServices to the role that runs preflight audit, or set assignPublicIp=DISABLED explicitly."
	r.PublicIP = &report.PublicIP{Verdict: report.VerdictUnknown, Evidence: "assignPublicIp not readable", Source: "ecs"}
	return r, true
}

// disablePublicIPHint is the exact command that turns the public IP off,
// keeping the service's subnets and security groups.
func disablePublicIPHint(w *Workload) string {
	if bad := checkHintIDs(subnetIDs(w.Subnets...), groupIDs(w.SecurityGroups...), ecsNames("cluster", w.Cluster), ecsNames("service", w.Service)); bad != "" {
		return bad
	}
	nc := fmt.Sprintf("awsvpcConfiguration={subnets=[%s],securityGroups=[%s],assignPublicIp=DISABLED}",
		joinComma(w.Subnets), joinComma(w.SecurityGroups))
	if w.Service == "" {
		return fmt.Sprintf("Run the task with --network-configuration '%s', with a NAT gateway or VPC endpoints for what it needs.", nc)
	}
	return fmt.Sprintf("aws ecs update-service --cluster %s --service %s --network-configuration '%s' (the tasks then need a NAT gateway or the VPC endpoints below)",
		w.Cluster, w.Service, nc)
}
