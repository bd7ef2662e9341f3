# A change planned against the account of ../account (its own state: it
# creates, it does not manage the account's resources): a new service,
# payments, in an existing VPC that no running service uses, found
# through data sources that Terraform reads at plan time (they are in the
# plan's prior_state). vpc_name picks the VPC (b is sound, c has no
# ecr.dkr endpoint). pending = true adds a service whose group comes from
# a data source Terraform can read only at apply (it reads a group the
# plan creates). payments' groups mix a group read through a data source
# with one the plan creates, so the plan knows them only after apply and
# the reader follows the configuration's references to prior_state.
variable "vpc_name" {
  type    = string
  default = "b"
}

variable "pending" {
  type    = bool
  default = false
}

data "aws_vpc" "net" {
  filter {
    name   = "tag:Name"
    values = [var.vpc_name]
  }
}

data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.net.id]
  }
  filter {
    name   = "tag:Tier"
    values = ["private"]
  }
}

data "aws_security_group" "task" {
  vpc_id = data.aws_vpc.net.id
  name   = "${var.vpc_name}-task"
}

data "aws_ecs_cluster" "prod" {
  cluster_name = "prod"
}

resource "aws_ecs_task_definition" "payments" {
  family                   = "payments"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([{
    name      = "payments"
    image     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments:1"
    essential = true
  }])
}

resource "aws_security_group" "payments" {
  name   = "payments"
  vpc_id = data.aws_vpc.net.id
  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_ecs_service" "payments" {
  name            = "payments"
  cluster         = data.aws_ecs_cluster.prod.arn
  task_definition = aws_ecs_task_definition.payments.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets         = data.aws_subnets.private.ids
    security_groups = [data.aws_security_group.task.id, aws_security_group.payments.id]
  }
}

resource "aws_security_group" "extra" {
  count  = var.pending ? 1 : 0
  name   = "extra"
  vpc_id = data.aws_vpc.net.id
}

data "aws_security_group" "pending" {
  count = var.pending ? 1 : 0
  id    = aws_security_group.extra[0].id
}

resource "aws_ecs_service" "pending" {
  count           = var.pending ? 1 : 0
  name            = "pending"
  cluster         = data.aws_ecs_cluster.prod.arn
  task_definition = aws_ecs_task_definition.payments.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets         = data.aws_subnets.private.ids
    security_groups = [data.aws_security_group.pending[0].id]
  }
}
