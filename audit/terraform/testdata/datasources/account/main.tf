# The account a plan with data sources is laid over (generate.sh and
# TestAuditPlanOverLiveDataSources apply it to moto): service orders runs
# in cluster prod in VPC a; VPCs b (sound: ecr.api, ecr.dkr, S3 gateway)
# and c (no ecr.dkr endpoint) exist, and no running service uses them.
module "a" {
  source = "./modules/vpc"
  name   = "a"
  cidr   = "10.10.0.0/16"
}

module "b" {
  source = "./modules/vpc"
  name   = "b"
  cidr   = "10.11.0.0/16"
}

module "c" {
  source  = "./modules/vpc"
  name    = "c"
  cidr    = "10.12.0.0/16"
  ecr_dkr = false
}

resource "aws_ecs_cluster" "prod" {
  name = "prod"
}

resource "aws_ecs_task_definition" "orders" {
  family                   = "orders"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([{
    name      = "orders"
    image     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1"
    essential = true
  }])
}

resource "aws_ecs_service" "orders" {
  name            = "orders"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.orders.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets         = module.a.subnet_ids
    security_groups = [module.a.task_group_id]
  }
}
