variable "vpc_id" {
  type = string
}

resource "aws_subnet" "this" {
  vpc_id     = var.vpc_id
  cidr_block = "10.6.0.0/24"
}

output "subnets" {
  value = [aws_subnet.this.id]
}
