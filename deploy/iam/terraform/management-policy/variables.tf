variable "role_name" {
  description = "The member role's name (the member-role module's role_name, preflight's --role-name)."
  type        = string
  default     = "preflight-audit"
  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name: 1-64 of letters, digits and +=,.@_-."
  }
}

variable "policy_name" {
  description = "This managed policy's name."
  type        = string
  default     = "preflight-audit-sweep"
}

variable "attach_to_roles" {
  description = "Names of roles (in this account) that run preflight audit, to attach the policy to."
  type        = list(string)
  default     = []
}

variable "attach_to_users" {
  description = "Names of users (in this account) that run preflight audit, to attach the policy to."
  type        = list(string)
  default     = []
}
