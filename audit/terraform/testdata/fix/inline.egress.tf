# Fix plan from preflight audit (us-east-1): 1 step, in order. Add them to the change: resources
#  reference the plan's own by address; the steps that are no resource of their own say what to
#  change where.
# the least egress set of the task security groups, then the revoke of the allow-all it replaces.

# 1. let TCP 443 out of aws_security_group.task to aws_security_group.endpoints
# aws_security_group.task sets its egress blocks itself, and the provider lets either those blocks
#  or separate rule resources manage its rules, never both: add this block to
#  aws_security_group.task rather than a resource of its own.
#   egress {
#     description     = "preflight: ecr.api, ecr.dkr"
#     protocol        = "tcp"
#     from_port       = 443
#     to_port         = 443
#     security_groups = [aws_security_group.endpoints.id]
#   }
