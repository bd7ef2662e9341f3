package audit

import (
	"slices"
	"strings"
	"testing"

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
		for _, a := range []string{ActionListContainerInstances, ActionDescribeContainerInstances, ActionDescribeInstances} {
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
		rows := Evaluate(f, Options{})
		if code := report.ExitCode(rows); code != report.ExitOK {
			t.Errorf("exit %d; want 0\n%s", code, motoDumpRows(rows))
		}
		via := "via container instance " + w.Instances[0] + " (" + w.Subnets[0] + ", " + w.InstanceSG + ")"
		for _, target := range []string{"ecr.api", "ecr.dkr", "ecr.layers", "logs", "ecs-agent"} {
			rs := rowsAbout(rows, CheckEndpoint, target, via)
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
		rows := Evaluate(f, Options{})
		if code := report.ExitCode(rows); code != report.ExitConnect {
			t.Errorf("exit %d; want %d", code, report.ExitConnect)
		}
		via := "via container instance " + w.Instances[0]
		if rs := rowsAboutAny(rows, "ecr.dkr", via); !hasStatus(rs, report.StatusFail) {
			t.Errorf("ecr.dkr %s: got %v; want a failure\n%s", via, statuses(rs), motoDumpRows(rows))
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
		rows := findRows(Evaluate(f, Options{}), report.CheckPublicIP, "service/prod/worker")
		if len(rows) != 1 || rows[0].Status != report.StatusFail || rows[0].Class != report.ClassPublicIP || !strings.Contains(rows[0].Error, w.Instances[0]) {
			t.Errorf("got %v; want one public_ip failure naming %s", rows, w.Instances[0])
		}
	})
}
