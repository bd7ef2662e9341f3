package live

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/preflight-dev/preflight/audit"
)

// TestServiceWorkloadsOf: a service becomes one workload per distinct
// task definition, network configuration and kind of host that runs;
// a move between FARGATE and FARGATE_SPOT is not one, a provider with
// neither weight nor base places no task, and an INACTIVE deployment is
// over.
func TestServiceWorkloadsOf(t *testing.T) {
	net := func(sg string) *ecstypes.NetworkConfiguration {
		return &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}, SecurityGroups: []string{sg}}}
	}
	item := func(name string, weight, base int32) ecstypes.CapacityProviderStrategyItem {
		return ecstypes.CapacityProviderStrategyItem{CapacityProvider: aws.String(name), Weight: weight, Base: base}
	}
	dep := func(id, status, td string, nc *ecstypes.NetworkConfiguration, strategy ...ecstypes.CapacityProviderStrategyItem) ecstypes.Deployment {
		return ecstypes.Deployment{Id: aws.String(id), Status: aws.String(status), TaskDefinition: aws.String(td), NetworkConfiguration: nc, CapacityProviderStrategy: strategy}
	}
	tests := []struct {
		name      string
		deps      []ecstypes.Deployment
		wantNames []string
		wantLT    []string
		wantCP    [][]string
	}{
		{"FARGATE to FARGATE_SPOT: one workload",
			[]ecstypes.Deployment{dep("ecs-svc/2", "PRIMARY", "td:2", net("sg-1"), item("FARGATE_SPOT", 1, 0)), dep("ecs-svc/1", "ACTIVE", "td:2", net("sg-1"), item("FARGATE", 1, 0))},
			[]string{"service/prod/api"}, []string{audit.LaunchFargate}, [][]string{{"FARGATE_SPOT"}}},
		{"a provider without weight or base places nothing",
			[]ecstypes.Deployment{dep("ecs-svc/1", "PRIMARY", "td:1", net("sg-1"), item("asg-a", 1, 0), item("asg-b", 0, 0))},
			[]string{"service/prod/api"}, []string{audit.LaunchUnknown}, [][]string{{"asg-a"}}},
		{"INACTIVE is over",
			[]ecstypes.Deployment{dep("ecs-svc/2", "PRIMARY", "td:2", net("sg-1"), item("FARGATE", 1, 0)), dep("ecs-svc/1", "INACTIVE", "td:1", net("sg-2"), item("FARGATE", 1, 0))},
			[]string{"service/prod/api"}, []string{audit.LaunchFargate}, [][]string{{"FARGATE"}}},
		{"two ACTIVE sharing a network: one label",
			[]ecstypes.Deployment{dep("ecs-svc/3", "PRIMARY", "td:3", net("sg-1"), item("FARGATE", 1, 0)),
				dep("ecs-svc/2", "ACTIVE", "td:2", net("sg-2"), item("FARGATE", 1, 0)), dep("ecs-svc/1", "ACTIVE", "td:2", net("sg-2"), item("FARGATE", 1, 0))},
			[]string{"service/prod/api (deployment ecs-svc/3, PRIMARY)", "service/prod/api (deployments ecs-svc/2 (ACTIVE), ecs-svc/1 (ACTIVE))"},
			[]string{audit.LaunchFargate, audit.LaunchFargate}, [][]string{{"FARGATE"}, {"FARGATE"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := ecstypes.Service{ServiceName: aws.String("api"), Deployments: tt.deps}
			ws := serviceWorkloadsOf(svc, "prod", clusterCapacity{})
			var names, lts []string
			var cps [][]string
			for _, w := range ws {
				names, lts, cps = append(names, w.Name), append(lts, w.LaunchType), append(cps, w.CapacityProviders)
			}
			if !slices.Equal(names, tt.wantNames) || !slices.Equal(lts, tt.wantLT) || !slices.EqualFunc(cps, tt.wantCP, slices.Equal[[]string]) {
				t.Errorf("got %q %v %v; want %q %v %v", names, lts, cps, tt.wantNames, tt.wantLT, tt.wantCP)
			}
		})
	}
}
