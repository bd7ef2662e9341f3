# Fix plan from preflight audit (us-east-1): 2 steps, in order. Add them to the change: resources
#  reference the plan's own by address; the steps that are no resource of their own say what to
#  change where.
# the least egress set of the task security groups, then the revoke of the allow-all it replaces.

# 1. let TCP 443 out of aws_security_group.task to aws_vpc.main.default_security_group_id
resource "aws_vpc_security_group_egress_rule" "egress_aws_security_group_task_tcp_443_aws_vpc_main_default_security_group_id" {
  security_group_id            = aws_security_group.task.id
  description                  = "preflight: ecr.api, ecr.dkr"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_vpc.main.default_security_group_id
}

# 2. let TCP 443 out of aws_security_group.task to aws_vpc_endpoint.s3.prefix_list_id
resource "aws_vpc_security_group_egress_rule" "egress_aws_security_group_task_tcp_443_aws_vpc_endpoint_s3_prefix_list_id" {
  security_group_id = aws_security_group.task.id
  description       = "preflight: ecr.layers"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
}
