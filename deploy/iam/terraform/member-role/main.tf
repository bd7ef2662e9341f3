# The role preflight audit assumes in a member account: trusted by one named
# principal, only with the external id, holding exactly audit-policy.json
# (a copy written by `go generate ./deploy/iam`; a test keeps it equal).

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "PreflightAuditor"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.trusted_principal_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }
}

resource "aws_iam_role" "audit" {
  # No path: preflight assumes arn:PARTITION:iam::ACCOUNT:role/NAME.
  name                 = var.role_name
  description          = "preflight audit, read-only (audit-policy.json)"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "audit" {
  name   = "preflight-audit"
  role   = aws_iam_role.audit.id
  policy = file("${path.module}/audit-policy.json")
}
