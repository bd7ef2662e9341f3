package overlay

import (
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/audit"
)

// Missing lists the account ids a change needs that live does not hold:
// those of its outside entries (a subnet, a group, a VPC the change names
// but does not carry) whose fact live lacks, and those of the facts it
// alters (deletes, updates, replaces, or changes a part of) that live
// lacks. They are in VPCs the live read did not reach; the caller reads
// those VPCs from the account and adds them to live before Apply, so that
// what stays undecided is only what the account could not say. Only ids
// of the kinds a VPC holds (vpc-, subnet-, sg-, rtb-, acl-, vpce-) are
// listed, sorted, each once.
func Missing(live *audit.Facts, changes []Change, outside []audit.Undecided) []string {
	var out []string
	for _, u := range outside {
		if u.Resource == "" || u.Action == audit.ActionDescribeTaskDefinition || u.Action == audit.ActionGetManagedPrefixListEntries {
			continue
		}
		if !(facts{}).inAccount(u, live, nil) {
			out = append(out, u.Resource)
		}
	}
	for _, c := range changes {
		if c.ID == "" || c.Action == NoOp || c.Kind == KindWorkload || has(live, key{c.Kind, c.ID}, nil) {
			continue
		}
		out = append(out, c.ID)
	}
	out = slices.DeleteFunc(out, func(id string) bool { return !inVPC(id) })
	return audit.UniqSorted(out...)
}

// inVPC says whether id is the id of a VPC or of a resource in one.
func inVPC(id string) bool {
	prefix, rest, ok := strings.Cut(id, "-")
	if !ok || rest == "" {
		return false
	}
	switch prefix {
	case "vpc", "subnet", "sg", "rtb", "acl", "vpce":
		return true
	}
	return false
}
