package audit

import "testing"

func TestEvalPolicy(t *testing.T) {
	const (
		action   = "s3:GetObject"
		resource = "arn:aws-cn:s3:::prod-cn-north-1-starport-layer-bucket/*"
	)
	allowAll := `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`
	tests := []struct {
		name     string
		doc      string
		decision policyDecision
		stmt     string
	}{
		{"allow all", `{"Statement":[` + allowAll + `]}`, decisionAllow, "statement 1"},
		{"one statement, not a list", `{"Statement":` + allowAll + `}`, decisionAllow, "statement 1"},
		{"empty Condition is no condition", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"arn:aws-cn:s3:::prod-*","Condition":{}}]}`, decisionAllow, "statement 1"},
		{"explicit deny wins over an earlier allow", `{"Statement":[` + allowAll + `,{"Sid":"D","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws-cn:s3:::prod-cn-north-1-starport-layer-bucket/*"}]}`, decisionDeny, `statement "D"`},
		{"deny in another partition does not match", `{"Statement":[` + allowAll + `,{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::prod-*"}]}`, decisionAllow, "statement 1"},
		{"NotResource deny naming the bucket spares it", `{"Statement":[` + allowAll + `,{"Effect":"Deny","Principal":"*","Action":"s3:*","NotResource":["arn:aws-cn:s3:::prod-cn-north-1-starport-layer-bucket/*"]}]}`, decisionAllow, "statement 1"},
		{"NotResource deny naming another bucket denies", `{"Statement":[` + allowAll + `,{"Effect":"Deny","Principal":"*","Action":"s3:*","NotResource":"arn:aws-cn:s3:::mine/*"}]}`, decisionDeny, "statement 2"},
		{"NotAction allow without GetObject: implicit deny", `{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"s3:Get*","Resource":"*"}]}`, decisionDeny, ""},
		{"action matched case-insensitively", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"S3:GETOBJECT","Resource":"*"}]}`, decisionAllow, "statement 1"},
		{"resource matched case-sensitively", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"ARN:AWS-CN:S3:::*"}]}`, decisionDeny, ""},
		{"NotPrincipal deny is undecided", `{"Statement":[` + allowAll + `,{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws-cn:iam::123456789012:root"},"Action":"*","Resource":"*"}]}`, decisionUndecided, "statement 2"},
		{"allow of a named role only is undecided", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws-cn:iam::123456789012:role/exec"},"Action":"*","Resource":"*"}]}`, decisionUndecided, "statement 1"},
		{"unreadable Action is undecided", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":7,"Resource":"*"}]}`, decisionUndecided, "statement 1"},
		{"Action and NotAction together is undecided", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","NotAction":"s3:Put*","Resource":"*"}]}`, decisionUndecided, "statement 1"},
		{"unknown Effect is undecided", `{"Statement":[{"Effect":"Permit","Principal":"*","Action":"*","Resource":"*"}]}`, decisionUndecided, "statement 1"},
		{"no Statement is undecided", `{"Version":"2012-10-17"}`, decisionUndecided, ""},
		{"empty statement list: implicit deny", `{"Statement":[]}`, decisionDeny, ""},
		{"not JSON is undecided", `Statement: allow`, decisionUndecided, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := evalPolicy(tt.doc, action, resource)
			if v.decision != tt.decision || v.stmt != tt.stmt {
				t.Errorf("got decision %d by %q (%s); want %d by %q", v.decision, v.stmt, v.why, tt.decision, tt.stmt)
			}
		})
	}
}
