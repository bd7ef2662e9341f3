# The service's subnets come from a local: the plan's configuration
# names local.subnets, which the reader cannot follow, so every finding
# that needs the subnets is undecided, never a pass.
resource "aws_vpc" "main" {
  cidr_block = "10.3.0.0/16"
}

resource "aws_subnet" "private" {
  count      = 2
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet("10.3.0.0/16", 8, count.index)
}

locals {
  subnets = aws_subnet.private[*].id
}

resource "aws_security_group" "task" {
  name   = "task"
  vpc_id = aws_vpc.main.id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_ecs_task_definition" "app" {
  family                = "app"
  network_mode          = "awsvpc"
  container_definitions = jsonencode([{ name = "app", image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1", essential = true }])
}

resource "aws_ecs_service" "app" {
  name            = "app"
  cluster         = "prod"
  task_definition = aws_ecs_task_definition.app.arn
  launch_type     = "FARGATE"
  network_configuration {
    subnets         = local.subnets
    security_groups = [aws_security_group.task.id]
  }
}

# A group whose ingress comes from a dynamic block over values known only
# after apply: its rules are undecided.
resource "aws_security_group" "dynamic" {
  name   = "dynamic"
  vpc_id = aws_vpc.main.id
  dynamic "ingress" {
    for_each = toset(aws_subnet.private[*].id)
    content {
      from_port   = 443
      to_port     = 443
      protocol    = "tcp"
      cidr_blocks = ["10.3.0.0/16"]
      description = ingress.value
    }
  }
}
