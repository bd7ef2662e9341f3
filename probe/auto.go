package probe

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/preflight-dev/preflight/config"
)

// ecrImage matches ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]/...
var ecrImage = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/`)

// DeriveEntries turns the task metadata into check entries for "auto": the
// ECR registries the task's images come from and CloudWatch Logs for awslogs
// containers. Registries and log groups in another region than the task get
// "any" (VPC endpoints do not serve cross-region traffic, so the path is
// public by design) and a warning.
func DeriveEntries(task *Task, taskRegion string) ([]config.Entry, []Result) {
	type key struct{ name, region, account string }
	found := map[key][]string{} // -> container names
	for _, c := range task.Containers {
		if c.Type != "" && c.Type != "NORMAL" {
			continue // the CNI pause container's image is local to the instance
		}
		if m := ecrImage.FindStringSubmatch(c.Image); m != nil {
			k := key{"ecr", m[2], m[1]}
			found[k] = append(found[k], c.Name)
		}
		if c.LogDriver == "awslogs" {
			region := c.LogOptions["awslogs-region"]
			if region == "" {
				region = taskRegion
			}
			k := key{"logs", region, ""}
			found[k] = append(found[k], c.Name)
		}
	}
	keys := make([]key, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.name != b.name {
			return a.name < b.name
		}
		if a.region != b.region {
			return a.region < b.region
		}
		return a.account < b.account
	})
	var entries []config.Entry
	var notes []Result
	for _, k := range keys {
		e := config.Entry{Name: k.name, Region: k.region, Account: k.account}
		if !config.ValidRegion(k.region) {
			notes = append(notes, Result{
				Check: CheckPlan, Target: k.name, Status: StatusWarn, Class: ClassPlan,
				Error: fmt.Sprintf("container %v names region %q, which is not a region; not checked", found[k], k.region),
				Hint:  "Fix the image URI or the awslogs-region log option in the task definition.",
			})
			continue
		}
		if taskRegion != "" && k.region != taskRegion {
			e.Expect = config.ExpectAny
			what := "ECR registry " + k.account + " in " + k.region
			if k.name == "logs" {
				what = "awslogs in " + k.region
			}
			notes = append(notes, Result{
				Check: CheckPlan, Target: k.name, Status: StatusWarn, Class: ClassPlan,
				Error: fmt.Sprintf("containers %v use %s, outside the task's region %s", found[k], what, taskRegion),
				Hint: fmt.Sprintf("VPC endpoints do not serve cross-region traffic: this path needs a NAT gateway. Replicate the images into %s (ECR replication) or ship logs to %s to keep traffic private.",
					taskRegion, taskRegion),
			})
		}
		entries = append(entries, e)
	}
	return entries, notes
}
