# Fix plan from preflight audit (us-east-1): 10 steps, in order. Add them to the change: resources
#  reference the plan's own by address; the steps that are no resource of their own say what to
#  change where.

# 1. create the security group of the VPC endpoints in aws_vpc.a
resource "aws_security_group" "endpoint_sg_aws_vpc__a" {
  name        = "preflight-endpoints"
  description = "VPC interface endpoints of the ECS tasks (preflight fix plan)"
  vpc_id      = aws_vpc.a.id
}

# 2. create the security group of the VPC endpoints in aws_vpc.b
resource "aws_security_group" "endpoint_sg_aws_vpc__b" {
  name        = "preflight-endpoints"
  description = "VPC interface endpoints of the ECS tasks (preflight fix plan)"
  vpc_id      = aws_vpc.b.id
}

# 3. let TCP 443 into aws_security_group.endpoint_sg_aws_vpc__a.id from aws_security_group.task_a
resource "aws_vpc_security_group_ingress_rule" "ingress_endpoint_sg_aws_vpc__a_tcp_443_aws_security_group_task_a" {
  security_group_id            = aws_security_group.endpoint_sg_aws_vpc__a.id
  description                  = "preflight: from the ECS tasks"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.task_a.id
}

# 4. let TCP 443 into aws_security_group.endpoint_sg_aws_vpc__b.id from aws_security_group.task_b
resource "aws_vpc_security_group_ingress_rule" "ingress_endpoint_sg_aws_vpc__b_tcp_443_aws_security_group_task_b" {
  security_group_id            = aws_security_group.endpoint_sg_aws_vpc__b.id
  description                  = "preflight: from the ECS tasks"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.task_b.id
}

# 5. create the interface endpoint com.amazonaws.us-east-1.ecr.api in aws_vpc.a (subnets
#  aws_subnet.a, group aws_security_group.endpoint_sg_aws_vpc__a.id)
resource "aws_vpc_endpoint" "endpoint_ecr_api_aws_vpc__a" {
  vpc_id              = aws_vpc.a.id
  service_name        = "com.amazonaws.us-east-1.ecr.api"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.a.id]
  security_group_ids  = [aws_security_group.endpoint_sg_aws_vpc__a.id]
  private_dns_enabled = true
}

# 6. create the interface endpoint com.amazonaws.us-east-1.ecr.dkr in aws_vpc.a (subnets
#  aws_subnet.a, group aws_security_group.endpoint_sg_aws_vpc__a.id)
resource "aws_vpc_endpoint" "endpoint_ecr_dkr_aws_vpc__a" {
  vpc_id              = aws_vpc.a.id
  service_name        = "com.amazonaws.us-east-1.ecr.dkr"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.a.id]
  security_group_ids  = [aws_security_group.endpoint_sg_aws_vpc__a.id]
  private_dns_enabled = true
}

# 7. create the interface endpoint com.amazonaws.us-east-1.ecr.api in aws_vpc.b (subnets
#  aws_subnet.b, group aws_security_group.endpoint_sg_aws_vpc__b.id)
resource "aws_vpc_endpoint" "endpoint_ecr_api_aws_vpc__b" {
  vpc_id              = aws_vpc.b.id
  service_name        = "com.amazonaws.us-east-1.ecr.api"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.b.id]
  security_group_ids  = [aws_security_group.endpoint_sg_aws_vpc__b.id]
  private_dns_enabled = true
}

# 8. create the interface endpoint com.amazonaws.us-east-1.ecr.dkr in aws_vpc.b (subnets
#  aws_subnet.b, group aws_security_group.endpoint_sg_aws_vpc__b.id)
resource "aws_vpc_endpoint" "endpoint_ecr_dkr_aws_vpc__b" {
  vpc_id              = aws_vpc.b.id
  service_name        = "com.amazonaws.us-east-1.ecr.dkr"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.b.id]
  security_group_ids  = [aws_security_group.endpoint_sg_aws_vpc__b.id]
  private_dns_enabled = true
}

# 9. create the gateway endpoint com.amazonaws.us-east-1.s3 in aws_vpc.a on aws_route_table.a
resource "aws_vpc_endpoint" "endpoint_s3_aws_vpc__a" {
  vpc_id            = aws_vpc.a.id
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.a.id]
}

# 10. create the gateway endpoint com.amazonaws.us-east-1.s3 in aws_vpc.b on aws_route_table.b
resource "aws_vpc_endpoint" "endpoint_s3_aws_vpc__b" {
  vpc_id            = aws_vpc.b.id
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.b.id]
}

output "endpoint_sg_aws_vpc__a_id" {
  value = aws_security_group.endpoint_sg_aws_vpc__a.id
}

output "endpoint_sg_aws_vpc__b_id" {
  value = aws_security_group.endpoint_sg_aws_vpc__b.id
}
