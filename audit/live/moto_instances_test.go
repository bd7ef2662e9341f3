package live

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/preflight-dev/preflight/internal/audittest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/report"
)

// TestAuditContainerInstances gathers an EC2 service's container
// instances end to end (ecs:ListContainerInstances,
// DescribeContainerInstances, ec2:DescribeInstances) and judges the host's
// needs on the instance's network: the service's task group lets nothing
// out, which does not matter to image pulls and awslogs; the instance's
// group does.
func TestAuditContainerInstances(t *testing.T) {
	m := moto(t)
	t.Run("instance network serves the host's needs", func(t *testing.T) {
		w := m.scenario(t, "ec2_service")
		f, err := m.gather(t, Input{Cluster: w.Cluster, Services: []string{"batch"}})
		if err != nil {
			t.Fatal(err)
		}
		actions := m.takeActions()
		for _, a := range []string{audit.ActionListContainerInstances, audit.ActionDescribeContainerInstances, audit.ActionDescribeInstances} {
			if !slices.Contains(actions, a) {
				t.Errorf("actions %v; want %s among them", actions, a)
			}
		}
		got := f.ContainerInstances[w.Cluster]
		if len(got) != 1 || len(w.Instances) != 1 {
			t.Fatalf("container instances %+v; want the one seeded (%v)", got, w.Instances)
		}
		ci := got[0]
		if ci.EC2InstanceID != w.Instances[0] || ci.SubnetID != w.Subnets[0] || !slices.Equal(ci.SecurityGroupIDs, []string{w.InstanceSG}) ||
			ci.VPCID != w.VPC || ci.PublicIPv4.IsValid() || ci.Status != "ACTIVE" {
			t.Errorf("got %+v; want %s in %s (%s) with group %s, no public IPv4, ACTIVE", ci, w.Instances[0], w.Subnets[0], w.VPC, w.InstanceSG)
		}
		rows := audit.Evaluate(f, audit.Options{})
		if code := report.ExitCode(rows); code != report.ExitOK {
			t.Errorf("exit %d; want 0\n%s", code, motoDumpRows(rows))
		}
		via := "via container instance " + w.Instances[0] + " (" + w.Subnets[0] + ", " + w.InstanceSG + ")"
		for _, target := range []string{"ecr.api", "ecr.dkr", "ecr.layers", "logs", "ecs-agent"} {
			rs := audittest.RowsAbout(rows, audit.CheckEndpoint, target, via)
			if len(rs) == 0 || rs[0].Status != report.StatusPass {
				t.Errorf("%s: got %v; want a pass %s\n%s", target, rs, via, motoDumpRows(rows))
			}
		}
	})
	t.Run("instance group cut off", func(t *testing.T) {
		w := m.scenario(t, "ec2_instance_shut")
		f, err := m.gather(t, Input{Cluster: w.Cluster, Services: []string{"batch"}})
		if err != nil {
			t.Fatal(err)
		}
		rows := audit.Evaluate(f, audit.Options{})
		if code := report.ExitCode(rows); code != report.ExitConnect {
			t.Errorf("exit %d; want %d", code, report.ExitConnect)
		}
		via := "via container instance " + w.Instances[0]
		if rs := audittest.RowsAboutAny(rows, "ecr.dkr", via); !audittest.HasStatus(rs, report.StatusFail) {
			t.Errorf("ecr.dkr %s: got %v; want a failure\n%s", via, audittest.Statuses(rs), motoDumpRows(rows))
		}
	})
	t.Run("bridge service on an instance with a public address", func(t *testing.T) {
		w := m.scenario(t, "bridge", "ec2_instance_public")
		f, err := m.gather(t, Input{Cluster: w.Cluster, Services: []string{"worker"}})
		if err != nil {
			t.Fatal(err)
		}
		if ci := f.ContainerInstances[w.Cluster]; len(ci) != 1 || !ci[0].PublicIPv4.IsValid() {
			t.Fatalf("container instances %+v; want one with a public IPv4", ci)
		}
		rows := audittest.FindRows(audit.Evaluate(f, audit.Options{}), report.CheckPublicIP, "service/prod/worker")
		if len(rows) != 1 || rows[0].Status != report.StatusFail || rows[0].Class != report.ClassPublicIP || !strings.Contains(rows[0].Error, w.Instances[0]) {
			t.Errorf("got %v; want one public_ip failure naming %s", rows, w.Instances[0])
		}
	})
}

// instanceAPI serves ListContainerInstances in pages of one with its own
// tokens (moto returns everything at once), counting the calls, and
// injects errors into the container instance reads.
type instanceAPI struct {
	API
	listErr, instancesErr error
	listCalls             atomic.Int32
}

func (p *instanceAPI) ListContainerInstances(ctx context.Context, in *ecs.ListContainerInstancesInput, o ...func(*ecs.Options)) (*ecs.ListContainerInstancesOutput, error) {
	p.listCalls.Add(1)
	if p.listErr != nil {
		return nil, p.listErr
	}
	all, err := p.API.ListContainerInstances(ctx, &ecs.ListContainerInstancesInput{Cluster: in.Cluster}, o...)
	if err != nil {
		return nil, err
	}
	start := 0
	if in.NextToken != nil {
		start = int(aws.ToString(in.NextToken)[0] - '0')
	}
	end := min(start+1, len(all.ContainerInstanceArns))
	out := &ecs.ListContainerInstancesOutput{ContainerInstanceArns: all.ContainerInstanceArns[start:end]}
	if end < len(all.ContainerInstanceArns) {
		out.NextToken = aws.String(string(rune('0' + end)))
	}
	return out, nil
}

func (p *instanceAPI) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, o ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	if p.instancesErr != nil {
		return nil, p.instancesErr
	}
	return p.API.DescribeInstances(ctx, in, o...)
}

// TestAuditContainerInstanceReads: the list is followed page by page, each
// distinct instance network is judged apart, and a denied read is an
// undecided row naming the action, not a pass.
func TestAuditContainerInstanceReads(t *testing.T) {
	m := moto(t)
	w := m.scenario(t, "ec2_second_instance")
	api, region := m.api(t, "test", "test")
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
	gather := func(t *testing.T, a *instanceAPI) *audit.Facts {
		t.Helper()
		f, err := (&Gatherer{API: a, Region: region}).Gather(context.Background(), Input{Cluster: w.Cluster, Services: []string{"batch"}})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Run("pages and networks", func(t *testing.T) {
		a := &instanceAPI{API: api}
		f := gather(t, a)
		var ids []string
		for _, ci := range f.ContainerInstances[w.Cluster] {
			ids = append(ids, ci.EC2InstanceID)
		}
		slices.Sort(ids)
		want := slices.Sorted(slices.Values(w.Instances))
		if !slices.Equal(ids, want) || a.listCalls.Load() != 2 {
			t.Errorf("instances %v in %d ListContainerInstances calls; want %v in 2", ids, a.listCalls.Load(), want)
		}
		rows := audit.Evaluate(f, audit.Options{})
		for i, sn := range w.Subnets[:2] {
			if rs := audittest.RowsAbout(rows, audit.CheckEndpoint, "ecr.api", "("+sn+", "+w.InstanceSG+")"); len(rs) != 1 || rs[0].Status != report.StatusPass {
				t.Errorf("instance %d in %s: ecr.api rows %v; want one pass\n%s", i, sn, rs, motoDumpRows(rows))
			}
		}
	})
	for _, tt := range []struct {
		name   string
		api    *instanceAPI
		action string
	}{
		{"list denied", &instanceAPI{API: api, listErr: denied}, audit.ActionListContainerInstances},
		{"instances denied", &instanceAPI{API: api, instancesErr: denied}, audit.ActionDescribeInstances},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := gather(t, tt.api)
			if !slices.ContainsFunc(f.Undecided, func(u audit.Undecided) bool { return u.Action == tt.action && u.Code == "AccessDeniedException" }) {
				t.Errorf("undecided %+v; want %s", f.Undecided, tt.action)
			}
			for _, fu := range []bool{false, true} {
				rows := audit.Evaluate(f, audit.Options{FailUndecided: fu})
				want := report.ExitOK
				if fu {
					want = report.ExitUndecided
				}
				if code := report.ExitCode(rows); code != want {
					t.Errorf("FailUndecided=%v: exit %d; want %d\n%s", fu, code, want, motoDumpRows(rows))
				}
				named := slices.ContainsFunc(rows, func(r report.Result) bool {
					return r.Class == report.ClassUndecided && strings.Contains(r.Error, tt.action)
				})
				if !named {
					t.Errorf("FailUndecided=%v: no undecided row names %s\n%s", fu, tt.action, motoDumpRows(rows))
				}
				if rs := audittest.FindRows(rows, audit.CheckEndpoint, "ecr.api"); audittest.HasStatus(rs, report.StatusPass) {
					t.Errorf("FailUndecided=%v: ecr.api %v; want no pass on unknown hosts", fu, audittest.Statuses(rs))
				}
			}
		})
	}
}

// TestAuditInstanceVPC: a bridge-mode service has no task subnet; its
// container instance's VPC, which no task subnet is in, is read all the
// same, and the instance's network is what its rows judge.
func TestAuditInstanceVPC(t *testing.T) {
	m := moto(t)
	w := m.scenario(t, "bridge", "bridge_instance_vpc2")
	f, err := m.gather(t, Input{Cluster: w.Cluster, Services: []string{"worker"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.VPCs[w.VPC2] == nil || f.Subnets[w.Subnet2] == nil || f.SecurityGroups[w.SG2] == nil {
		t.Fatalf("VPC %v, subnet %v, group %v; want %s, %s and %s read", f.VPCs[w.VPC2], f.Subnets[w.Subnet2], f.SecurityGroups[w.SG2], w.VPC2, w.Subnet2, w.SG2)
	}
	if f.VPCs[w.VPC] != nil {
		t.Errorf("VPC %s read; want only the instance's VPC", w.VPC)
	}
	rows := audit.Evaluate(f, audit.Options{})
	via := "service/prod/worker via container instance " + w.Instances[0] + " (" + w.Subnet2 + ", " + w.SG2 + ")"
	// busybox is on Docker Hub and the VPC has no internet path.
	if rs := audittest.RowsAboutAny(rows, audit.NeedInternet, via); !audittest.HasStatus(rs, report.StatusFail) {
		t.Errorf("internet need %s: got %v; want a failure\n%s", via, audittest.Statuses(rs), motoDumpRows(rows))
	}
}
