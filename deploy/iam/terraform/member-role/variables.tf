variable "role_name" {
  description = "The role's name, the same in every account (preflight's --role-name)."
  type        = string
  default     = "preflight-audit"
  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name: 1-64 of letters, digits and +=,.@_-."
  }
}

variable "trusted_principal_arn" {
  description = "The role or user that runs preflight audit, in the management or tooling account (arn:PARTITION:iam::ACCOUNT:role/NAME or user/NAME). It must exist when the role is created."
  type        = string
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", var.trusted_principal_arn))
    error_message = "trusted_principal_arn: want arn:PARTITION:iam::ACCOUNT:role/NAME or user/NAME."
  }
}

variable "external_id" {
  description = "The external id the principal must pass (preflight's --external-id); required, 2-1224 characters."
  type        = string
  validation {
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[\\w+=,.@:/-]+$", var.external_id))
    error_message = "external_id: 2-1224 of letters, digits and +=,.@:/_-."
  }
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}
