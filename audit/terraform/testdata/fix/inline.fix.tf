# Fix plan from preflight audit (us-east-1): 2 steps, in order. Add them to the change: resources
#  reference the plan's own by address; the steps that are no resource of their own say what to
#  change where.

# 1. associate aws_vpc_endpoint.s3 with the task route tables aws_route_table.b
# aws_vpc_endpoint.s3 sets its route_table_ids itself, and the provider lets either that list or
#  separate association resources manage them, never both: this step is an edit of
#  aws_vpc_endpoint.s3, not a resource of its own.
# Add aws_route_table.b.id to the route_table_ids of aws_vpc_endpoint.s3.

# 2. let TCP 443 out of aws_security_group.task to aws_security_group.endpoints
# aws_security_group.task sets its egress blocks itself, and the provider lets either those blocks
#  or separate rule resources manage its rules, never both: add this block to
#  aws_security_group.task rather than a resource of its own.
#   egress {
#     description     = "preflight: to com.amazonaws.us-east-1.ecr.api"
#     protocol        = "tcp"
#     from_port       = 443
#     to_port         = 443
#     security_groups = [aws_security_group.endpoints.id]
#   }
