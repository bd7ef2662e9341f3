# Links the reader cannot follow, each of which leaves its finding
# undecided: a module with count, a function of two resources in a
# single-valued attribute, each.value, and a task definition whose
# container_definitions depend on a value known only after apply.
resource "aws_vpc" "a" {
  cidr_block = "10.6.0.0/16"
}

resource "aws_vpc" "b" {
  cidr_block = "10.7.0.0/16"
}

module "net" {
  count  = 1
  source = "./modules/net"
  vpc_id = aws_vpc.a.id
}

resource "aws_security_group" "task" {
  name   = "task"
  vpc_id = coalesce(aws_vpc.a.id, aws_vpc.b.id)
  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_subnet" "extra" {
  count      = 2
  vpc_id     = aws_vpc.a.id
  cidr_block = cidrsubnet("10.6.0.0/16", 8, count.index + 1)
}

resource "aws_vpc_endpoint" "logs" {
  vpc_id            = aws_vpc.a.id
  service_name      = "com.amazonaws.us-east-1.logs"
  vpc_endpoint_type = "Interface"
}

resource "aws_vpc_endpoint_subnet_association" "logs" {
  for_each        = { for i, s in aws_subnet.extra : tostring(i) => [aws_vpc_endpoint.logs.id, s.id] }
  vpc_endpoint_id = each.value[0]
  subnet_id       = each.value[1]
}

resource "aws_ecr_repository" "app" {
  name = "app"
}

resource "aws_ecs_task_definition" "app" {
  family                = "app"
  network_mode          = "awsvpc"
  container_definitions = jsonencode([{ name = "app", image = "${aws_ecr_repository.app.repository_url}:1", essential = true }])
}

resource "aws_ecs_service" "app" {
  name            = "app"
  cluster         = "prod"
  task_definition = aws_ecs_task_definition.app.arn
  launch_type     = "FARGATE"
  network_configuration {
    subnets         = module.net[0].subnets
    security_groups = [aws_security_group.task.id]
  }
}
