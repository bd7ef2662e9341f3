package sweep

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/preflight-dev/preflight/config"
)

// IAM actions the sweep calls besides the live reader's. DescribeRegions
// is made with the member role (it is in audit-policy.json); the other two
// with the caller's credentials in the management account.
const (
	ActionListAccounts    = "organizations:ListAccounts"
	ActionAssumeRole      = "sts:AssumeRole"
	ActionDescribeRegions = "ec2:DescribeRegions"
)

// OrgAPI lists the accounts of the Organization, a page at a time.
type OrgAPI interface {
	ListAccounts(ctx context.Context, token string) (*accountsPage, error)
}

// RegionsAPI lists the Regions enabled for an account.
type RegionsAPI interface {
	DescribeRegions(context.Context, *ec2.DescribeRegionsInput, ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
}

// maxAccountPages bounds ListAccounts' paging: 20 accounts a page, so
// 1,000 pages are 20,000 accounts, beyond any Organization's quota.
const maxAccountPages = 1000

// OrgAccounts lists every ACTIVE account of the Organization, in the
// order AWS lists them. State is read, and Status where State is empty:
// AWS retires Status in favour of State, and older servers send only
// Status.
func OrgAccounts(ctx context.Context, api OrgAPI) ([]string, error) {
	var ids []string
	token := ""
	for page := 0; ; page++ {
		if page == maxAccountPages {
			return nil, fmt.Errorf("%s: more than %d pages: the listing does not end", ActionListAccounts, maxAccountPages)
		}
		out, err := api.ListAccounts(ctx, token)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ActionListAccounts, err)
		}
		for _, a := range out.Accounts {
			active := a.State == "ACTIVE" || (a.State == "" && a.Status == "ACTIVE")
			if active && !slices.Contains(ids, a.ID) {
				ids = append(ids, a.ID)
			}
		}
		token = out.NextToken
		if token == "" {
			return ids, nil
		}
	}
}

// EnabledRegions lists the Regions enabled for the account api reads
// (those that need no opt-in, and those opted in), sorted; a name that is
// no Region of any partition is left out.
func EnabledRegions(ctx context.Context, api RegionsAPI) ([]string, error) {
	out, err := api.DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(false)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ActionDescribeRegions, err)
	}
	var regions []string
	for _, r := range out.Regions {
		name := aws.ToString(r.RegionName)
		status := aws.ToString(r.OptInStatus)
		if config.ValidRegion(name) && status != "not-opted-in" && !slices.Contains(regions, name) {
			regions = append(regions, name)
		}
	}
	slices.Sort(regions)
	return regions, nil
}

// RoleARN is the ARN of role name in account, in region's partition.
func RoleARN(region, account, name string) string {
	return "arn:" + config.PartitionOf(region).Name + ":iam::" + account + ":role/" + name
}
