package probe

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// maxInterfacePages bounds the DescribeNetworkInterfaces pages read: the
// filter by private address matches a handful of interfaces at most.
const maxInterfacePages = 5

// EC2Finder finds network interfaces with the AWS SDK for Go v2, so that
// container credentials, retries and endpoint overrides (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_EC2) behave as AWS users expect.
type EC2Finder struct {
	Client *ec2.Client
}

// NewEC2Finder loads the default AWS configuration for region.
func NewEC2Finder(ctx context.Context, region string, optFns ...func(*awsconfig.LoadOptions) error) (*EC2Finder, error) {
	opts := append([]func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(region),
		awsconfig.WithRetryMaxAttempts(3),
		// The EC2 API is only asked on Fargate, where there is no IMDS:
		// falling back to it for credentials would only wait for a timeout.
		awsconfig.WithEC2IMDSClientEnableState(imds.ClientDisabled),
	}, optFns...)
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return &EC2Finder{Client: ec2.NewFromConfig(cfg)}, nil
}

// FindByPrivateIP implements InterfaceFinder.
func (f *EC2Finder) FindByPrivateIP(ctx context.Context, ip string) ([]NetworkInterface, error) {
	input := &ec2.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{{Name: aws.String("addresses.private-ip-address"), Values: []string{ip}}},
	}
	pages := ec2.NewDescribeNetworkInterfacesPaginator(f.Client, input)
	var out []NetworkInterface
	for page := 0; pages.HasMorePages() && page < maxInterfacePages; page++ {
		resp, err := pages.NextPage(ctx)
		if err != nil {
			var apiErr smithy.APIError
			if errors.As(err, &apiErr) {
				return nil, &APIError{Code: apiErr.ErrorCode(), Message: apiErr.ErrorMessage()}
			}
			return nil, err
		}
		for _, ni := range resp.NetworkInterfaces {
			e := NetworkInterface{ID: aws.ToString(ni.NetworkInterfaceId), MACAddress: aws.ToString(ni.MacAddress), PrivateIP: aws.ToString(ni.PrivateIpAddress)}
			if ni.Association != nil {
				e.PublicIP = aws.ToString(ni.Association.PublicIp)
			}
			e.VPCID, e.SubnetID, e.AZ = aws.ToString(ni.VpcId), aws.ToString(ni.SubnetId), aws.ToString(ni.AvailabilityZone)
			for _, g := range ni.Groups {
				e.SecurityGroupIDs = append(e.SecurityGroupIDs, aws.ToString(g.GroupId))
			}
			out = append(out, e)
		}
	}
	return out, nil
}
