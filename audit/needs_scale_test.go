package audit

import (
	"fmt"
	"runtime"
	"testing"
)

// manyContainers is a workload whose n containers share every need (one
// ECR registry, one log driver) with a reason of their own each: the
// case where merging reasons could grow with the square of n.
func manyContainers(n int) *Workload {
	td := &TaskDefinition{Family: "wide"}
	for i := range n {
		td.Containers = append(td.Containers, Container{
			Name:       fmt.Sprintf("c%d", i),
			Image:      fmt.Sprintf("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app%d:1", i),
			LogDriver:  "awslogs",
			LogOptions: map[string]string{"awslogs-region": testRegion, "awslogs-group": fmt.Sprintf("/ecs/app%d", i)},
		})
	}
	return &Workload{Name: "taskdef/wide", LaunchType: LaunchFargate, TaskDefinition: td}
}

// bytesAllocated is what f allocates, a count of work that does not
// depend on the machine's speed or load.
func bytesAllocated(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestNeedsMergeIsLinear: ten times the containers cost about ten times
// the work (bytes allocated), not a hundred: merging the reasons of a
// shared need neither rescans nor copies what was merged before.
func TestNeedsMergeIsLinear(t *testing.T) {
	const small, large = 1000, 10000
	wSmall, wLarge := manyContainers(small), manyContainers(large)
	var needs []Need
	costSmall := bytesAllocated(func() { needs = Needs(wSmall, testRegion, testAccount, nil) })
	costLarge := bytesAllocated(func() { needs = Needs(wLarge, testRegion, testAccount, nil) })
	// Every container's reason is kept: the merge loses nothing.
	for _, n := range needs {
		if n.Service == "logs" && len(n.Reason) < large*len("container c0") {
			t.Errorf("got a logs reason of %d bytes; want every one of the %d containers named", len(n.Reason), large)
		}
	}
	ratio := float64(costLarge) / float64(costSmall)
	// Linear is about 10 (maps grow in steps); quadratic is about 100.
	if ratio > 20 {
		t.Errorf("got %d containers costing %.1f times the bytes of %d (%d vs %d); want at most 20 (linear)", large, ratio, small, costLarge, costSmall)
	}
}

// BenchmarkNeeds10000Containers: Needs of a task definition with 10,000
// containers that share their needs.
func BenchmarkNeeds10000Containers(b *testing.B) {
	w := manyContainers(10000)
	b.ReportAllocs()
	for b.Loop() {
		Needs(w, testRegion, testAccount, nil)
	}
}
