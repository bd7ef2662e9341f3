# A root module that takes its network from a module: subnets through a
# module output of a splat, a count of subnets from a variable, endpoints
# by for_each, and the task group's rules as resources of their own.
module "vpc" {
  source   = "./modules/vpc"
  cidr     = "10.4.0.0/16"
  azs      = ["us-east-1a", "us-east-1b"]
  services = ["ecr.api", "ecr.dkr"]
}

resource "aws_security_group" "task" {
  name   = "task"
  vpc_id = module.vpc.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.task.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group_rule" "dns" {
  type              = "egress"
  security_group_id = aws_security_group.task.id
  protocol          = "udp"
  from_port         = 53
  to_port           = 53
  cidr_blocks       = ["10.4.0.0/16"]
}

resource "aws_default_security_group" "default" {
  vpc_id = module.vpc.vpc_id
}

resource "aws_ecs_cluster" "main" {
  name = "prod"
}

resource "aws_ecs_task_definition" "app" {
  family                   = "app"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([{
    name      = "app"
    image     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"
    essential = true
    logConfiguration = {
      logDriver = "awslogs"
      options   = { awslogs-group = "/ecs/app", awslogs-region = "us-east-1", awslogs-stream-prefix = "app" }
    }
  }])
}

resource "aws_ecs_service" "app" {
  name            = "app"
  cluster         = aws_ecs_cluster.main.arn
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 1
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
  network_configuration {
    subnets         = module.vpc.private_subnets
    security_groups = [aws_security_group.task.id]
  }
}
