output "policy_arn" {
  description = "The managed policy's ARN."
  value       = aws_iam_policy.sweep.arn
}

output "policy_json" {
  description = "The policy document, as attached."
  value       = aws_iam_policy.sweep.policy
}
