# Fix plan from preflight audit (us-east-1): 6 steps, in order. Add them to the change: resources
#  reference the plan's own by address; the steps that are no resource of their own say what to
#  change where.

# 1. create the security group of the VPC endpoints in aws_vpc.main
resource "aws_security_group" "endpoint_sg" {
  name        = "preflight-endpoints"
  description = "VPC interface endpoints of the ECS tasks (preflight fix plan)"
  vpc_id      = aws_vpc.main.id
}

# 2. let TCP 443 into aws_security_group.endpoint_sg.id from aws_security_group.task
resource "aws_vpc_security_group_ingress_rule" "ingress_endpoint_sg_tcp_443_aws_security_group_task" {
  security_group_id            = aws_security_group.endpoint_sg.id
  description                  = "preflight: from the ECS tasks"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.task.id
}

# 3. create the interface endpoint com.amazonaws.us-east-1.ecr.api in aws_vpc.main (subnets
#  aws_subnet.private, group aws_security_group.endpoint_sg.id)
resource "aws_vpc_endpoint" "endpoint_ecr_api" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.us-east-1.ecr.api"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.private.id]
  security_group_ids  = [aws_security_group.endpoint_sg.id]
  private_dns_enabled = true
}

# 4. create the interface endpoint com.amazonaws.us-east-1.ecr.dkr in aws_vpc.main (subnets
#  aws_subnet.private, group aws_security_group.endpoint_sg.id)
resource "aws_vpc_endpoint" "endpoint_ecr_dkr" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.us-east-1.ecr.dkr"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.private.id]
  security_group_ids  = [aws_security_group.endpoint_sg.id]
  private_dns_enabled = true
}

# 5. create the gateway endpoint com.amazonaws.us-east-1.s3 in aws_vpc.main on
#  aws_route_table.private, aws_route_table.public
resource "aws_vpc_endpoint" "endpoint_s3" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id, aws_route_table.public.id]
}

# 6. turn off the public IP of service public in cluster prod (assignPublicIp=DISABLED)
# This step is not a resource of its own: set assign_public_ip = false in the network_configuration
#  of aws_ecs_service.public.

output "endpoint_sg_id" {
  value = aws_security_group.endpoint_sg.id
}
