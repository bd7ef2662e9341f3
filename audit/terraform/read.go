package terraform

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/config"
)

// Options tune Read.
type Options struct {
	// Region overrides the region the aws provider's configuration
	// names (the --region flag).
	Region string
	// MaxBytes bounds the document; 0 means DefaultMaxBytes.
	MaxBytes int64
}

// InputError is a plan that cannot be read: not JSON, not a plan, a plan
// of an unsupported format version, a failed plan, or too large. Its
// message names the problem and never quotes a value of the plan.
type InputError struct {
	Err error
}

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// zipMagic starts a binary plan file (a zip archive).
const zipMagic = "PK\x03\x04"

// IsBinaryPlan reports whether the file at path is a binary plan
// (`terraform plan -out`), which is a zip archive, not its JSON.
func IsBinaryPlan(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(zipMagic))
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) == zipMagic, nil
}

// ReadFile reads the plan JSON at path.
func ReadFile(path string, opts Options) (*audit.Facts, error) {
	return readFile(path, opts, func(r io.Reader) (*audit.Facts, error) { return Read(r, opts) })
}

// readFile opens path, bounds it, and reads it with read.
func readFile(path string, opts Options, read func(io.Reader) (*audit.Facts, error)) (*audit.Facts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("plan %s: %w", path, err)}
	}
	defer f.Close()
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
		return nil, &InputError{Err: fmt.Errorf("plan %s: %w", path, &errTooLarge{limit: limit})}
	}
	facts, err := read(f)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("plan %s: %w", path, errors.Unwrap(err))}
	}
	return facts, nil
}

// Read reads the JSON of a Terraform plan (`terraform show -json tfplan`,
// format versions 0.1 to 1.x) into the facts the audit's rules judge.
// Errors are *InputError.
func Read(r io.Reader, opts Options) (*audit.Facts, error) {
	b, err := read(r, opts)
	if err != nil {
		return nil, err
	}
	return b.f, nil
}

// read decodes and builds the plan's facts.
func read(r io.Reader, opts Options) (*builder, error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	p, err := decodePlan(r, limit, func(typ string) bool { return handled(typ) })
	if err != nil {
		return nil, &InputError{Err: err}
	}
	if err := p.check(); err != nil {
		return nil, &InputError{Err: err}
	}
	b := newBuilder(p)
	region, err := b.region(opts.Region)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	b.f.Region = region
	b.f.Partition = config.PartitionOf(region).Name
	b.build()
	return b, nil
}

// check refuses what is not a plan this reader can judge.
func (p *plan) check() error {
	if p.Values && !p.PlannedValues && !p.ResourceChangesSeen {
		return errors.New("a Terraform state, not a plan: it has values but no planned_values or resource_changes (make the plan's JSON with terraform plan -out tfplan && terraform show -json tfplan)")
	}
	if err := checkVersion(p.FormatVersion); err != nil {
		return err
	}
	if p.Errored {
		return errors.New("the plan failed (errored: true): terraform plan stopped on an error, so the changes after it are missing; fix the error terraform printed and plan again")
	}
	if !p.ResourceChangesSeen && !p.PlannedValues {
		return errors.New("no resource_changes or planned_values: not the JSON of a Terraform plan")
	}
	return nil
}

// handled lists the resource types whose values the reader reads.
func handled(typ string) bool {
	switch typ {
	case "aws_vpc", "aws_subnet", "aws_route_table", "aws_route", "aws_route_table_association",
		"aws_main_route_table_association", "aws_default_route_table",
		"aws_network_acl", "aws_network_acl_rule", "aws_network_acl_association", "aws_default_network_acl",
		"aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_egress_rule",
		"aws_vpc_security_group_ingress_rule", "aws_default_security_group",
		"aws_vpc_endpoint", "aws_vpc_endpoint_route_table_association", "aws_vpc_endpoint_subnet_association",
		"aws_vpc_endpoint_security_group_association", "aws_vpc_dhcp_options", "aws_vpc_dhcp_options_association",
		"aws_ecs_service", "aws_ecs_task_definition", "aws_ecs_cluster":
		return true
	}
	return false
}

// region is the aws provider's region: the flag first, else the default
// (unaliased) provider configuration's constant or root variable.
func (b *builder) region(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if b.p.Config != nil {
		for _, pc := range b.p.Config.ProviderConfig {
			if pc.Name != "aws" || pc.Alias != "" {
				continue
			}
			e, _ := pc.Expressions["region"].(map[string]any)
			if e == nil {
				break
			}
			vs, err := b.r.expression("", e, nil, true)
			if err == nil && len(vs) == 1 && vs[0].of == nil {
				if _, ok := config.LookupPartition(vs[0].s); ok {
					return vs[0].s, nil
				}
			}
		}
	}
	return "", errors.New("the plan does not say its AWS region (the aws provider's region is not a literal or a root variable): give --region")
}

// kept says whether the plan leaves the instance in place after apply.
func kept(actions []string) bool {
	return !slices.Equal(actions, []string{"delete"}) && !slices.Contains(actions, "forget")
}

// created says whether the plan creates the instance (a replace too).
func created(actions []string) bool {
	return slices.Contains(actions, "create")
}

// moduleOf is a change's module address, from module_address or, in
// older formats without it, from its address.
func moduleOf(rc *resourceChange) string {
	if rc.ModuleAddress != "" {
		return rc.ModuleAddress
	}
	parts := splitRef(rc.Address)
	var mod []string
	for i := 0; i+1 < len(parts) && parts[i] == "module"; i += 2 {
		mod = append(mod, parts[i], parts[i+1])
	}
	return strings.Join(mod, ".")
}
