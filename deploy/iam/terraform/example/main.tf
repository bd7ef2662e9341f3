# The member role in every account an organization sweep reads, and the
# caller's policy in the management account: one provider alias per
# account (Terraform cannot loop over providers), each assuming the
# organization's access role there. A service-managed StackSet
# (../../member-role.yaml) reaches new accounts by itself; this is the
# Terraform way for a fixed list.

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "region" {
  description = "Where the providers send their calls (IAM is global)."
  type        = string
  default     = "us-east-1"
}

variable "auditor_principal_arn" {
  description = "The role or user in the management account that runs preflight audit."
  type        = string
}

variable "auditor_role_names" {
  description = "Roles in the management account to attach the caller's policy to (the auditor's, by name)."
  type        = list(string)
  default     = []
}

variable "auditor_user_names" {
  description = "Users in the management account to attach the caller's policy to."
  type        = list(string)
  default     = []
}

variable "external_id" {
  description = "The external id (preflight's --external-id)."
  type        = string
}

variable "workloads_account_id" {
  description = "A member account."
  type        = string
}

variable "shared_account_id" {
  description = "Another member account."
  type        = string
}

variable "access_role_name" {
  description = "The role Terraform assumes in each member account to create the audit role (the one AWS Organizations creates in accounts it creates)."
  type        = string
  default     = "OrganizationAccountAccessRole"
}

# The management account: Terraform's own credentials.
provider "aws" {
  alias  = "management"
  region = var.region
}

data "aws_partition" "current" {
  provider = aws.management
}

provider "aws" {
  alias  = "workloads"
  region = var.region
  assume_role {
    role_arn = "arn:${data.aws_partition.current.partition}:iam::${var.workloads_account_id}:role/${var.access_role_name}"
  }
}

provider "aws" {
  alias  = "shared"
  region = var.region
  assume_role {
    role_arn = "arn:${data.aws_partition.current.partition}:iam::${var.shared_account_id}:role/${var.access_role_name}"
  }
}

module "caller_policy" {
  source          = "../management-policy"
  providers       = { aws = aws.management }
  attach_to_roles = var.auditor_role_names
  attach_to_users = var.auditor_user_names
}

module "role_workloads" {
  source                = "../member-role"
  providers             = { aws = aws.workloads }
  trusted_principal_arn = var.auditor_principal_arn
  external_id           = var.external_id
}

module "role_shared" {
  source                = "../member-role"
  providers             = { aws = aws.shared }
  trusted_principal_arn = var.auditor_principal_arn
  external_id           = var.external_id
}

# The management account is an account of the organization too, and
# `--accounts org` reads it: it needs the role as well.
module "role_management" {
  source                = "../member-role"
  providers             = { aws = aws.management }
  trusted_principal_arn = var.auditor_principal_arn
  external_id           = var.external_id
}

output "role_arns" {
  description = "The audit role in each account."
  value = {
    (var.workloads_account_id) = module.role_workloads.role_arn
    (var.shared_account_id)    = module.role_shared.role_arn
    management                 = module.role_management.role_arn
  }
}
