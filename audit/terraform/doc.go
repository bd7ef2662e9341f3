// Package terraform reads the JSON form of a Terraform plan
// (`terraform show -json tfplan`) into audit.Facts, so that the audit's
// rules judge a change before it is applied. Resources the plan creates
// get their address as id (module.vpc.aws_subnet.private[0]); links
// between them come from the values the plan knows, else from the
// references of the plan's configuration; a fact the plan leaves open is
// an audit.Undecided with Code audit.CodeUnknownInSource, never a guess.
//
// Why a decoder of its own instead of github.com/hashicorp/terraform-json:
// measured on linux/amd64 with the Dockerfile's flags (CGO_ENABLED=0,
// -trimpath -ldflags "-s -w", gzip -9), the binary is 6,106,648 bytes
// before this package; decoding into tfjson.Plan makes it 6,171,955
// (+65,307), and even tfjson.ResourceChange and tfjson.Config alone make
// it 6,157,549 (+50,901), because package tfjson imports go-cty, which
// links golang.org/x/text/unicode/norm's tables and whose initialiser
// runs in every preflight process, `check` inside each task included
// (33,072 bytes in 10 allocations at start, GODEBUG=inittrace=1). The
// budget for both plan and template readers is 6,291,456 bytes (184,808
// left). tfjson.Plan also unmarshals the whole document from one []byte
// into generic maps, which a 50 MB plan cannot afford under 150 MiB.
// This package decodes only the fields the audit reads, with the field
// names of Terraform's JSON output format
// (https://developer.hashicorp.com/terraform/internals/json-format),
// streams resource_changes one element at a time, and does no work at
// package initialisation (it has no package-level variables).
package terraform
