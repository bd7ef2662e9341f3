# The caller's side of an organization sweep, in the management (or
# delegated administrator) account: organizations:ListAccounts, and
# sts:AssumeRole on the member role of the given name in any account of the
# provider's partition. The statements are management-policy.json's
# (rendered by `go generate ./deploy/iam`; a test keeps them equal).

data "aws_partition" "current" {}

resource "aws_iam_policy" "sweep" {
  name        = var.policy_name
  description = "preflight audit across the organization (deploy/iam/management-policy.json)"
  policy = templatefile("${path.module}/management-policy.json.tftpl", {
    partition = data.aws_partition.current.partition
    role_name = var.role_name
  })
}

resource "aws_iam_role_policy_attachment" "sweep" {
  for_each   = toset(var.attach_to_roles)
  role       = each.value
  policy_arn = aws_iam_policy.sweep.arn
}

resource "aws_iam_user_policy_attachment" "sweep" {
  for_each   = toset(var.attach_to_users)
  user       = each.value
  policy_arn = aws_iam_policy.sweep.arn
}
