output "role_arn" {
  description = "The role preflight assumes in this account."
  value       = aws_iam_role.audit.arn
}

output "role_name" {
  description = "The role's name (preflight's --role-name)."
  value       = aws_iam_role.audit.name
}
