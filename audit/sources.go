package audit

import "strings"

// What the sources of facts (audit/live, audit/terraform,
// audit/cloudformation) share with the rules: a workload's name, how its
// capacity providers are named and keyed, whether it runs on container
// instances, a service being deleted or one that could not be read, and
// the form of a list of ids.

// The reserved names of the Fargate capacity providers, which every
// cluster may use and DescribeCapacityProviders need not describe.
const (
	providerFargate     = "FARGATE"
	providerFargateSpot = "FARGATE_SPOT"
)

// IsFargateProvider reports whether name is one of the Fargate providers.
func IsFargateProvider(name string) bool {
	return name == providerFargate || name == providerFargateSpot
}

// ProviderKey keys Facts.CapacityProviders: Managed Instances providers
// belong to one cluster, so the same name may mean two providers in two
// clusters.
func ProviderKey(cluster, name string) string {
	return cluster + "/" + name
}

// RunsOnInstances reports whether w's tasks run on container instances,
// whose own network carries the host's traffic: the EC2 and EXTERNAL
// launch types.
func RunsOnInstances(w *Workload) bool {
	return w.LaunchType == LaunchEC2 || w.LaunchType == LaunchExternal
}

// ServiceDraining is the status of a service being deleted.
const ServiceDraining = "DRAINING"

// ServiceTarget is a service workload's name, the Target of its findings.
func ServiceTarget(cluster, service string) string {
	return "service/" + cluster + "/" + service
}

// UnreadService stands for a service whose description could not be read
// (ecs:DescribeServices or ecs:ListServices failed, or ListServices
// stopped paging before its end): no
// network configuration, no task definition, assignPublicIp unknown. The
// rules report it as undecided rather than leaving it out.
func UnreadService(cluster, name string) *Workload {
	return &Workload{Name: ServiceTarget(cluster, name), Cluster: cluster, Service: strings.TrimSuffix(name, "*")}
}

// UniqSorted returns the distinct non-empty strings of ids, sorted: the
// form of every list of ids in Facts.
func UniqSorted(ids ...string) []string { return uniqSorted(ids...) }
