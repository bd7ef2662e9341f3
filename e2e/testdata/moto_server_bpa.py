"""moto_server with the two VPC Block Public Access reads it lacks.

moto 5.2.1 does not implement ec2:DescribeVpcBlockPublicAccessOptions or
ec2:DescribeVpcBlockPublicAccessExclusions: it answers HTTP 500, which the
SDK retries for seconds and preflight reports as undecided for every
internet path. This launcher answers them as AWS does for an account that
never turned BPA on (mode off, no exclusions), then runs moto_server with
the same arguments. preflight's own tests of BPA use the replay server
(audit/live/replay_bpa_test.go).
"""

import sys

from moto.core.responses import BaseResponse
from moto.server import main

XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"


def _options(self):
    return (
        f'<DescribeVpcBlockPublicAccessOptionsResponse xmlns="{XMLNS}">'
        "<requestId>moto-bpa</requestId><vpcBlockPublicAccessOptions>"
        f"<awsAccountId>{self.current_account}</awsAccountId><awsRegion>{self.region}</awsRegion>"
        "<state>default-state</state><internetGatewayBlockMode>off</internetGatewayBlockMode>"
        "<exclusionsAllowed>allowed</exclusionsAllowed></vpcBlockPublicAccessOptions>"
        "</DescribeVpcBlockPublicAccessOptionsResponse>"
    )


def _exclusions(self):
    return (
        f'<DescribeVpcBlockPublicAccessExclusionsResponse xmlns="{XMLNS}">'
        "<requestId>moto-bpa</requestId><vpcBlockPublicAccessExclusionSet/>"
        "</DescribeVpcBlockPublicAccessExclusionsResponse>"
    )


_MISSING = (
    ("describe_vpc_block_public_access_options", _options),
    ("describe_vpc_block_public_access_exclusions", _exclusions),
)
_call_action = BaseResponse.call_action


def _call_action_with_bpa(self):
    # moto loads the EC2 backend on its first EC2 request; the methods are
    # added to its response class then, before moto looks them up, so that
    # start-up stays as fast as moto_server's own.
    cls = type(self)
    if cls.__name__ == "EC2Response":
        for name, fn in _MISSING:
            if not hasattr(cls, name):
                setattr(cls, name, fn)
    return _call_action(self)


BaseResponse.call_action = _call_action_with_bpa

if __name__ == "__main__":
    main(sys.argv[1:])
