package live

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/preflight-dev/preflight/audit"
)

// describeBPA reads VPC Block Public Access: the account's mode in the
// Region and every exclusion (at most 50 an account and Region, by
// quota, but paged as the API pages). Both reads happen whatever the
// mode, so that a mode being turned on finds its exclusions read; a
// failed read is an Undecided that leaves the internet paths BPA could
// close undecided (see bpaPath).
func (s *gathering) describeBPA(ctx context.Context) {
	var opts *ec2.DescribeVpcBlockPublicAccessOptionsOutput
	var exclusions []audit.BPAExclusion
	var exclErr error
	s.parallel(ctx,
		func(ctx context.Context) {
			out, err := s.api.DescribeVpcBlockPublicAccessOptions(ctx, &ec2.DescribeVpcBlockPublicAccessOptionsInput{})
			if !s.failed(audit.ActionDescribeBPAOptions, "", err) {
				opts = out
			}
		},
		func(ctx context.Context) {
			exclErr = eachPage(ctx, &bpaExclusionPager{api: s.api}, func(o *ec2.DescribeVpcBlockPublicAccessExclusionsOutput) *string { return o.NextToken }, func(out *ec2.DescribeVpcBlockPublicAccessExclusionsOutput) {
				for _, x := range out.VpcBlockPublicAccessExclusions {
					exclusions = append(exclusions, audit.BPAExclusion{
						ID: aws.ToString(x.ExclusionId), ResourceID: arnResourceID(aws.ToString(x.ResourceArn)),
						Mode: string(x.InternetGatewayExclusionMode), State: string(x.State),
					})
				}
			})
			s.failed(audit.ActionDescribeBPAExclusions, "", exclErr)
		},
	)
	if opts == nil {
		return
	}
	b := &audit.BlockPublicAccess{Mode: audit.BPAOff, ExclusionsRead: exclErr == nil}
	if o := opts.VpcBlockPublicAccessOptions; o != nil {
		if o.InternetGatewayBlockMode != "" {
			b.Mode = string(o.InternetGatewayBlockMode)
		}
		b.State, b.ExclusionsAllowed = string(o.State), string(o.ExclusionsAllowed)
	}
	if b.ExclusionsRead {
		slices.SortFunc(exclusions, func(a, b audit.BPAExclusion) int { return strings.Compare(a.ID, b.ID) })
		b.Exclusions = exclusions
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f.BPA = b
}

// arnResourceID is the id an EC2 ARN ends with
// (arn:aws:ec2:REGION:ACCOUNT:subnet/subnet-0abc → subnet-0abc).
func arnResourceID(arn string) string {
	if _, _, res, ok := arnParts(arn); ok {
		arn = res
	}
	return arn[strings.LastIndexByte(arn, '/')+1:]
}

// bpaExclusionPager pages DescribeVpcBlockPublicAccessExclusions by
// NextToken (the SDK has no paginator for it).
type bpaExclusionPager struct {
	api   API
	token *string
	done  bool
}

func (p *bpaExclusionPager) HasMorePages() bool { return !p.done }

func (p *bpaExclusionPager) NextPage(ctx context.Context, o ...func(*ec2.Options)) (*ec2.DescribeVpcBlockPublicAccessExclusionsOutput, error) {
	out, err := p.api.DescribeVpcBlockPublicAccessExclusions(ctx, &ec2.DescribeVpcBlockPublicAccessExclusionsInput{NextToken: p.token}, o...)
	if err != nil {
		return nil, err
	}
	p.token = out.NextToken
	p.done = aws.ToString(out.NextToken) == ""
	return out, nil
}
