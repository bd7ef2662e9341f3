package audit

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/internal/audittest"
	"github.com/preflight-dev/preflight/report"
)

// The row helpers that audit/live's tests share, from audittest.
var (
	rowsAbout    = audittest.RowsAbout
	rowsAboutAny = audittest.RowsAboutAny
	statuses     = audittest.Statuses
	hasStatus    = audittest.HasStatus
)

// The container instance's subnet and group: ids of the form AWS gives,
// since hints and plans name them.
const (
	instSubnet = "subnet-0123456789abcdef0"
	instSG     = "sg-0123456789abcdef0"
)

// ec2Facts is privateFacts with the service on the EC2 launch type
// (awsvpc) and one container instance, i-0abc, in its own subnet
// (instSubnet, on the task route table: no internet path, S3 routed) with
// its own group, instSG, which may send 443 to the endpoints and to S3.
// The VPC has the agent's endpoints (ecs, ecs-agent, ecs-telemetry) too.
// Everything passes.
func ec2Facts() *Facts {
	f := privateFacts()
	f.Subnets[instSubnet] = &Subnet{ID: instSubnet, VPCID: "vpc-1", AZ: "ap-northeast-1a", CIDR: pfx("10.0.21.0/24")}
	rt := routeTable(f, "rtb-task")
	rt.SubnetIDs = append(rt.SubnetIDs, instSubnet)
	f.NetworkACLs[0].SubnetIDs = append(f.NetworkACLs[0].SubnetIDs, instSubnet)
	for _, svc := range []string{"ecs", "ecs-agent", "ecs-telemetry"} {
		f.Endpoints = append(f.Endpoints, &Endpoint{ID: "vpce-" + svc, VPCID: "vpc-1", ServiceName: "com.amazonaws.ap-northeast-1." + svc,
			Type: EndpointInterface, State: "available", PrivateDNSEnabled: true,
			SubnetIDs: []string{"subnet-ea", "subnet-eb"}, SecurityGroupIDs: []string{"sg-vpce"}})
	}
	f.SecurityGroups[instSG] = &SecurityGroup{ID: instSG, VPCID: "vpc-1", Egress: []Rule{
		{Protocol: "tcp", FromPort: 443, ToPort: 443, GroupIDs: []string{"sg-vpce"}},
		{Protocol: "tcp", FromPort: 443, ToPort: 443, PrefixListIDs: []string{"pl-s3"}},
	}}
	vpce := f.SecurityGroups["sg-vpce"]
	vpce.Ingress = append(vpce.Ingress, Rule{Protocol: "tcp", FromPort: 443, ToPort: 443, GroupIDs: []string{instSG}})
	f.ContainerInstances = map[string][]*ContainerInstance{"prod": {{
		ARN: "arn:aws:ecs:ap-northeast-1:123456789012:container-instance/prod/1", EC2InstanceID: "i-0abc", Status: "ACTIVE",
		VPCID: "vpc-1", SubnetID: instSubnet, AZ: "ap-northeast-1a", SecurityGroupIDs: []string{instSG},
	}}}
	w := firstWorkload(f)
	w.LaunchType = LaunchEC2
	return f
}

// bridgeMode turns the fixture's service into a bridge-mode service: no
// awsvpcConfiguration at all.
func bridgeMode(f *Facts) {
	w := firstWorkload(f)
	w.Subnets, w.SecurityGroups, w.AssignPublicIP = nil, nil, ""
	w.TaskDefinition.NetworkMode = "bridge"
}

func TestEC2HostNeeds(t *testing.T) {
	logsEntry, err := config.ParseEntries("logs")
	if err != nil {
		t.Fatal(err)
	}
	const inst, eni = "container instance i-0abc (", "(task ENI)"
	tests := []struct {
		name   string
		mutate func(*Facts)
		opts   Options
		// pass and fail: "target@network" the rows must (not) hold a
		// failure for; network is inst or eni.
		passes, fails []string
		check         func(t *testing.T, rows []report.Result)
	}{
		{
			// The task group lets nothing out: the app's --checks logs
			// fails on the task ENI, but the host pulls, logs and talks to
			// the agent endpoints through the instance, which may.
			name:   "task group shut, instances fine",
			mutate: func(f *Facts) { f.SecurityGroups["sg-task"].Egress = nil },
			opts:   Options{Extra: logsEntry},
			passes: []string{"ecr.api@" + inst, "ecr.dkr@" + inst, "ecr.layers@" + inst, "logs@" + inst, "ecs@" + inst, "ecs-agent@" + inst, "ecs-telemetry@" + inst},
			fails:  []string{"logs@" + eni},
		},
		{
			// The reverse: the task network is fine, the instance group
			// lets nothing out, so nothing is pulled and no log shipped.
			name:   "instances cut off, task network fine",
			mutate: func(f *Facts) { f.SecurityGroups[instSG].Egress = nil },
			opts:   Options{Extra: logsEntry},
			passes: []string{"logs@" + eni},
			fails:  []string{"ecr.api@" + inst, "ecr.dkr@" + inst, "ecr.layers@" + inst, "logs@" + inst, "ecs-agent@" + inst},
		},
		{
			// Bridge mode: no task ENI; the containers use the instance's
			// network, for the app's needs too.
			name: "bridge mode judged on the instances",
			mutate: func(f *Facts) {
				bridgeMode(f)
				f.SecurityGroups[instSG].Egress = f.SecurityGroups[instSG].Egress[1:] // S3 only
			},
			opts:   Options{Extra: logsEntry},
			passes: []string{"ecr.layers@" + inst},
			fails:  []string{"ecr.api@" + inst, "logs@" + inst},
			check: func(t *testing.T, rows []report.Result) {
				for _, r := range rows {
					if strings.Contains(r.Detail, "no awsvpc network configuration") || strings.Contains(r.Reason, eni) {
						t.Errorf("got %s (reason %q); want no skip row and no task ENI row in bridge mode", rowString(r), r.Reason)
					}
				}
				// The derived awslogs need and the --checks entry are one
				// need on one network: judged once, with both reasons.
				logs := rowsAbout(rows, CheckEndpoint, "logs", inst)
				if len(logs) != 1 || !strings.Contains(logs[0].Reason, "awslogs") || !strings.Contains(logs[0].Reason, "--checks logs") {
					t.Errorf("got logs rows %v; want one judging both the awslogs driver and --checks logs", logs)
				}
			},
		},
		{
			// Two instances on one network are judged once, both named.
			name: "instances sharing a network",
			mutate: func(f *Facts) {
				ci := *f.ContainerInstances["prod"][0]
				ci.EC2InstanceID, ci.ARN = "i-0def", ci.ARN+"2"
				f.ContainerInstances["prod"] = append(f.ContainerInstances["prod"], &ci)
			},
			check: func(t *testing.T, rows []report.Result) {
				got := rowsAbout(rows, CheckEndpoint, "ecr.api", "container instances i-0abc, i-0def ("+instSubnet+", "+instSG+")")
				if len(got) != 1 || len(findRows(rows, CheckEndpoint, "ecr.api")) != 1 {
					t.Errorf("got ecr.api rows %v; want one, naming both instances", findRows(rows, CheckEndpoint, "ecr.api"))
				}
			},
		},
		{
			// With no instance registered the host's needs are not judged:
			// undecided, and a failure under --fail-undecided.
			name:   "no container instances",
			mutate: func(f *Facts) { f.ContainerInstances["prod"] = []*ContainerInstance{} },
			opts:   Options{FailUndecided: true},
			check: func(t *testing.T, rows []report.Result) {
				assertRow(t, rows, expectRow{check: CheckEndpoint, target: "ecr.api", status: report.StatusFail, class: report.ClassUndecided,
					errText: "no container instances registered in cluster prod: the host's network decides image pulls, logs and secrets"})
				if code := report.ExitCode(rows); code != report.ExitUndecided {
					t.Errorf("exit %d; want %d", code, report.ExitUndecided)
				}
			},
		},
		{
			// A task definition audited before deploy without --cluster:
			// which instances it lands on is unknown.
			name:   "no cluster given",
			mutate: func(f *Facts) { firstWorkload(f).Cluster = "" },
			check: func(t *testing.T, rows []report.Result) {
				assertRow(t, rows, expectRow{check: CheckEndpoint, target: "ecr.api", status: report.StatusWarn, class: report.ClassUndecided,
					errText: "no cluster given", hint: "Pass --cluster"})
			},
		},
		{
			name: "container instances not readable",
			mutate: func(f *Facts) {
				delete(f.ContainerInstances, "prod")
				f.Undecided = append(f.Undecided, Undecided{Action: ActionListContainerInstances, Resource: "prod", Code: "AccessDeniedException"})
			},
			check: func(t *testing.T, rows []report.Result) {
				assertRow(t, rows, expectRow{check: CheckEndpoint, target: "ecr.dkr", status: report.StatusWarn, class: report.ClassUndecided,
					errText: "could not decide: ecs:ListContainerInstances on prod failed (AccessDeniedException)", hint: "Allow ecs:ListContainerInstances"})
			},
		},
		{
			name: "an instance whose network could not be read",
			mutate: func(f *Facts) {
				ci := f.ContainerInstances["prod"][0]
				ci.SubnetID, ci.SecurityGroupIDs = "", nil
				f.Undecided = append(f.Undecided, Undecided{Action: ActionDescribeInstances, Resource: "i-0abc", Code: "UnauthorizedOperation"})
			},
			check: func(t *testing.T, rows []report.Result) {
				assertRow(t, rows, expectRow{check: CheckUndecided, target: "service/prod/orders", status: report.StatusWarn, class: report.ClassUndecided,
					errText: "ec2:DescribeInstances on i-0abc failed (UnauthorizedOperation)"})
				if got := findRows(rows, CheckEndpoint, "ecr.api"); len(got) != 0 {
					t.Errorf("got %v; want ecr.api not judged on an unknown network", got)
				}
			},
		},
		{
			// EXTERNAL instances are in no VPC: said, not judged.
			name: "external instances",
			mutate: func(f *Facts) {
				bridgeMode(f)
				firstWorkload(f).LaunchType = LaunchExternal
				f.ContainerInstances["prod"][0].EC2InstanceID = "mi-0123456789abcdef0"
			},
			check: func(t *testing.T, rows []report.Result) {
				got := findRows(rows, CheckRoute, "ecr.api")
				if len(got) != 1 || got[0].Status != report.StatusSkip || !strings.Contains(got[0].Detail, "mi-0123456789abcdef0 are in no VPC") {
					t.Errorf("got %v; want one skip row saying the external instance is in no VPC", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ec2Facts()
			if tt.mutate != nil {
				tt.mutate(f)
			}
			rows := Evaluate(f, tt.opts)
			for _, want := range tt.passes {
				target, what, _ := strings.Cut(want, "@")
				got := rowsAbout(rows, CheckEndpoint, target, what)
				if len(got) == 0 || got[0].Status != report.StatusPass || hasStatus(rowsAboutAny(rows, target, what), report.StatusFail) {
					t.Errorf("%s on %q: got %v; want a pass and no failure\n%s", target, what, statuses(rowsAboutAny(rows, target, what)), dumpResults(rows))
				}
			}
			for _, want := range tt.fails {
				target, what, _ := strings.Cut(want, "@")
				if got := rowsAboutAny(rows, target, what); !hasStatus(got, report.StatusFail) {
					t.Errorf("%s on %q: got %v; want a failure\n%s", target, what, statuses(got), dumpResults(rows))
				}
			}
			if tt.check != nil {
				tt.check(t, rows)
			}
		})
	}
}

// TestEC2InstancePublicIP: a bridge-mode service gets no public_ip pass
// from the task side: the instances' addresses decide.
func TestEC2InstancePublicIP(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Facts)
		policy  config.PublicIPPolicy
		status  report.Status
		class   report.Class
		errText string
		hint    string
	}{
		{name: "awsvpc task ENI: assignPublicIp decides", status: report.StatusPass},
		{
			name: "bridge, instance without a public address",
			mutate: func(f *Facts) {
				bridgeMode(f)
			},
			status: report.StatusPass,
		},
		{
			name: "bridge, instance with a public address",
			mutate: func(f *Facts) {
				bridgeMode(f)
				f.ContainerInstances["prod"][0].PublicIPv4 = netip.MustParseAddr("203.0.113.10")
			},
			status: report.StatusFail, class: report.ClassPublicIP,
			errText: "i-0abc 203.0.113.10 (" + instSubnet + ")", hint: "--subnet-id " + instSubnet + " --no-map-public-ip-on-launch",
		},
		{
			name: "bridge, public address under --public-ip warn",
			mutate: func(f *Facts) {
				bridgeMode(f)
				f.ContainerInstances["prod"][0].PublicIPv4 = netip.MustParseAddr("203.0.113.10")
			},
			policy: config.PublicIPWarn,
			status: report.StatusWarn, class: report.ClassPublicIP,
		},
		{
			name: "bridge, no instances registered",
			mutate: func(f *Facts) {
				bridgeMode(f)
				f.ContainerInstances["prod"] = nil
			},
			status: report.StatusWarn, class: report.ClassPublicIPUnknown, errText: "no container instances registered in cluster prod",
		},
		{
			name: "bridge, no instances registered, strict",
			mutate: func(f *Facts) {
				bridgeMode(f)
				f.ContainerInstances["prod"] = nil
			},
			policy: config.PublicIPStrict,
			status: report.StatusFail, class: report.ClassPublicIPUnknown,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ec2Facts()
			if tt.mutate != nil {
				tt.mutate(f)
			}
			rows := Evaluate(f, Options{PublicIP: tt.policy})
			assertRow(t, rows, expectRow{check: report.CheckPublicIP, target: "service/prod/orders", status: tt.status, class: tt.class,
				errText: tt.errText, hint: tt.hint})
		})
	}
}

// TestUnreadServiceNoSkipRow: a service whose description failed has no
// network configuration because none is known: it gets the undecided row,
// not the bridge-mode skip row (issue 24 item 9).
func TestUnreadServiceNoSkipRow(t *testing.T) {
	for _, tt := range []struct {
		name string
		w    *Workload
		u    Undecided
	}{
		{"DescribeServices failed", UnreadService("prod", "billing"),
			Undecided{Action: ActionDescribeServices, Resource: "service/prod/billing", Code: "ThrottlingException"}},
		{"ListServices failed", UnreadService("prod", "*"),
			Undecided{Action: ActionListServices, Resource: "prod", Code: "AccessDeniedException"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := privateFacts()
			f.Workloads = []*Workload{tt.w}
			f.Undecided = []Undecided{tt.u}
			// Nothing was judged, so the run ends with its coverage row;
			// the workload's own rows come before it.
			rows := Evaluate(f, Options{})
			if n := len(rows); n > 0 && rows[n-1].Check == CheckCoverage {
				rows = rows[:n-1]
			}
			if len(rows) != 2 || rows[1].Check != CheckUndecided || !strings.Contains(rows[1].Error, tt.u.Action) {
				t.Errorf("got\n%s; want the public_ip row and one undecided row naming %s", dumpResults(rows), tt.u.Action)
			}
			for _, r := range rows {
				if r.Status == report.StatusSkip {
					t.Errorf("got %s; want no skip row", rowString(r))
				}
			}
		})
	}
}

// TestPlanFixesInstanceNetwork: rows about an instance network ask for
// changes on the instance's group, never on the task's; an instance's
// public address is left to the launch template (unfixed, said).
func TestPlanFixesInstanceNetwork(t *testing.T) {
	t.Run("instance group cut off", func(t *testing.T) {
		f := ec2Facts()
		f.SecurityGroups[instSG].Egress = nil
		renameIDs(reflect.ValueOf(f).Elem())
		p := planOf(t, f)
		var groups []string
		for _, c := range p.Changes {
			if c.Kind == ChangeAuthorizeEgress {
				groups = append(groups, c.Group)
			}
		}
		if len(groups) == 0 || slices.ContainsFunc(groups, func(g string) bool { return g != instSG }) {
			t.Errorf("egress changes on %v; want them on the instance group %s only", groups, instSG)
		}
		assertPlanFixes(t, f, p)
	})
	t.Run("an endpoint both networks need", func(t *testing.T) {
		// awslogs (the host's) and --checks logs (the task's): one
		// endpoint, with an interface in the AZs of both networks.
		f := ec2Facts()
		removeEndpoint(f, "vpce-logs")
		renameIDs(reflect.ValueOf(f).Elem())
		entries, err := config.ParseEntries("logs")
		if err != nil {
			t.Fatal(err)
		}
		p, err := PlanFixes(f, Options{Extra: entries})
		if err != nil {
			t.Fatal(err)
		}
		var creates []Change
		for _, c := range p.Changes {
			if c.Kind == ChangeCreateInterfaceEndpoint {
				creates = append(creates, c)
			}
		}
		if len(creates) != 1 || !slices.Contains(creates[0].Subnets, instSubnet) || len(p.Unfixed) != 0 {
			t.Errorf("endpoint creations %+v, unfixed %q; want one, in %s among its subnets, and nothing unfixed", creates, p.Unfixed, instSubnet)
		}
	})
	t.Run("instance public address", func(t *testing.T) {
		f := ec2Facts()
		bridgeMode(f)
		f.ContainerInstances["prod"][0].PublicIPv4 = netip.MustParseAddr("203.0.113.10")
		renameIDs(reflect.ValueOf(f).Elem())
		p := planOf(t, f)
		if len(p.Changes) != 0 || len(p.Unfixed) != 1 || !strings.Contains(p.Unfixed[0], "public_ip") {
			t.Errorf("changes %+v, unfixed %q; want no change and the public_ip row unfixed", p.Changes, p.Unfixed)
		}
	})
}
