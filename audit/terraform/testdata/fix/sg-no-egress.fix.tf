# Fix plan from preflight audit (us-east-1): 2 steps, in order. Add them to the change: resources
#  reference the plan's own by address; the steps that are no resource of their own say what to
#  change where.

# 1. let TCP 443 into aws_vpc.main.default_security_group_id from aws_security_group.task
resource "aws_vpc_security_group_ingress_rule" "ingress_aws_vpc_main_default_security_group_id_tcp_443_aws_security_group_task" {
  security_group_id            = aws_vpc.main.default_security_group_id
  description                  = "preflight: from the ECS tasks"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.task.id
}

# 2. let TCP 443 out of aws_security_group.task to aws_vpc.main.default_security_group_id
resource "aws_vpc_security_group_egress_rule" "egress_aws_security_group_task_tcp_443_aws_vpc_main_default_security_group_id" {
  security_group_id            = aws_security_group.task.id
  description                  = "preflight: to com.amazonaws.us-east-1.ecr.api"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_vpc.main.default_security_group_id
}
