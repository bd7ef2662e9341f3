package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/preflight-dev/preflight/internal/awsid"
)

// ParseTaskDefinitionJSON parses a RegisterTaskDefinition input and
// checks the fields the audit reads, reporting every problem with its
// JSON path, one problem per line.
func ParseTaskDefinitionJSON(b []byte) (*TaskDefinition, []string, error) {
	var doc any
	// A UTF-8 byte order mark, as some editors write, is not part of the
	// JSON; line and column numbers still count from the file's start.
	bom := 0
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		bom = 3
	}
	dec := json.NewDecoder(bytes.NewReader(b[bom:]))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			line, col := lineCol(b, int64(bom)+syn.Offset)
			return nil, nil, fmt.Errorf("line %d, column %d: invalid JSON: %v", line, col, err)
		}
		return nil, nil, fmt.Errorf("invalid JSON: %v", err)
	}
	// One JSON value, as register-task-definition --cli-input-json takes:
	// anything after it (a second object, a stray brace) is refused.
	end := int64(bom) + dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		rest := b[end:]
		end += int64(len(rest) - len(bytes.TrimLeft(rest, " \t\r\n")))
		line, col := lineCol(b, end)
		return nil, nil, fmt.Errorf("line %d, column %d: data after the JSON value", line, col)
	}
	if obj, ok := doc.(map[string]any); ok {
		if inner, ok := obj["taskDefinition"].(map[string]any); ok {
			doc = inner // describe-task-definition output
		}
	}
	v := &tdValidator{}
	root := v.object(doc, "", true)
	td := &TaskDefinition{Containers: []Container{}}
	if root == nil {
		return nil, nil, v.err()
	}
	td.Family = v.str(root, "", "family", true)
	td.NetworkMode = v.str(root, "", "networkMode", false)
	if td.NetworkMode != "" && td.NetworkMode != "awsvpc" {
		v.add("networkMode", fmt.Sprintf("%q: audit judges awsvpc tasks (their own ENI, subnets and security groups); want \"awsvpc\"", td.NetworkMode))
	}
	if rp := v.object(root["runtimePlatform"], "runtimePlatform", false); rp != nil {
		td.OSFamily = v.str(rp, "runtimePlatform", "operatingSystemFamily", false)
	}
	var compat []string
	for i, c := range v.array(root, "", "requiresCompatibilities", false) {
		if s, ok := c.(string); ok {
			compat = append(compat, s)
		} else {
			v.add(fmt.Sprintf("requiresCompatibilities[%d]", i), "want a string")
		}
	}
	containers := v.array(root, "", "containerDefinitions", true)
	if containers != nil && len(containers) == 0 {
		v.add("containerDefinitions", "empty: a task definition needs at least one container")
	}
	for i, raw := range containers {
		path := fmt.Sprintf("containerDefinitions[%d]", i)
		c := v.object(raw, path, true)
		if c == nil {
			continue
		}
		ct := Container{Name: v.str(c, path, "name", true), Image: v.str(c, path, "image", true)}
		// Names and ids reach hints and commands: ECS's own rules, as
		// register-task-definition applies them, keep a crafted one out.
		v.pattern(path+".name", ct.Name, awsid.ECSName)
		if rc := v.object(c["repositoryCredentials"], path+".repositoryCredentials", false); rc != nil {
			ct.RepositoryCredentials = v.str(rc, path+".repositoryCredentials", "credentialsParameter", true)
		}
		for j, sec := range v.array(c, path, "secrets", false) {
			sp := fmt.Sprintf("%s.secrets[%d]", path, j)
			if so := v.object(sec, sp, true); so != nil {
				v.str(so, sp, "name", true)
				ct.Secrets = append(ct.Secrets, v.str(so, sp, "valueFrom", true))
			}
		}
		ct.EntryPoint = v.strings(c, path, "entryPoint")
		ct.Command = v.strings(c, path, "command")
		for j, env := range v.array(c, path, "environment", false) {
			ep := fmt.Sprintf("%s.environment[%d]", path, j)
			if eo := v.object(env, ep, true); eo != nil {
				if name := v.str(eo, ep, "name", true); strings.HasPrefix(name, PreflightEnvPrefix) {
					if ct.Environment == nil {
						ct.Environment = map[string]string{}
					}
					ct.Environment[name] = v.str(eo, ep, "value", false)
				}
			}
		}
		fp := path + ".firelensConfiguration"
		if fl := v.object(c["firelensConfiguration"], fp, false); fl != nil {
			ct.FireLens = &FireLens{Type: v.str(fl, fp, "type", true), Options: v.stringMap(fl, fp, "options")}
		}
		lp := path + ".logConfiguration"
		if lc := v.object(c["logConfiguration"], lp, false); lc != nil {
			ct.LogDriver = v.str(lc, lp, "logDriver", true)
			ct.LogOptions = v.stringMap(lc, lp, "options")
			for j, sec := range v.array(lc, lp, "secretOptions", false) {
				sp := fmt.Sprintf("%s.secretOptions[%d]", lp, j)
				if so := v.object(sec, sp, true); so != nil {
					ct.Secrets = append(ct.Secrets, v.str(so, sp, "valueFrom", true))
				}
			}
		}
		td.Containers = append(td.Containers, ct)
	}
	for i, raw := range v.array(root, "", "volumes", false) {
		path := fmt.Sprintf("volumes[%d]", i)
		vol := v.object(raw, path, true)
		if vol == nil {
			continue
		}
		if efs := v.object(vol["efsVolumeConfiguration"], path+".efsVolumeConfiguration", false); efs != nil {
			ep := path + ".efsVolumeConfiguration"
			v.pattern(ep+".fileSystemId", efs["fileSystemId"], awsid.FileSystem)
			td.EFSVolumes = append(td.EFSVolumes, EFSVolume{
				Name:              v.str(vol, path, "name", false),
				FileSystemID:      v.str(efs, ep, "fileSystemId", true),
				TransitEncryption: v.str(efs, ep, "transitEncryption", false) == "ENABLED",
			})
		}
	}
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	return td, compat, nil
}

// tdValidator collects every problem of a task-definition document with
// its JSON path.
type tdValidator struct{ problems []string }

// pattern adds a problem when raw is a string that does not match re (a
// missing or mistyped value is reported by str).
func (v *tdValidator) pattern(path string, raw any, re *regexp.Regexp) {
	if s, ok := raw.(string); ok && s != "" && !re.MatchString(s) {
		v.add(path, fmt.Sprintf("%q does not match %s", s, re))
	}
}

func (v *tdValidator) add(path, problem string) {
	v.problems = append(v.problems, path+": "+problem)
}

func (v *tdValidator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(v.problems, "\n"))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// object returns raw as an object; nil (with a problem when required or
// of the wrong type) otherwise.
func (v *tdValidator) object(raw any, path string, required bool) map[string]any {
	if raw == nil {
		if required {
			v.add(orRoot(path), "missing")
		}
		return nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		v.add(orRoot(path), "want an object, got "+jsonKind(raw))
		return nil
	}
	return obj
}

func (v *tdValidator) array(obj map[string]any, path, key string, required bool) []any {
	raw, present := obj[key]
	if !present || raw == nil {
		if required {
			v.add(join(path, key), "missing")
		}
		return nil
	}
	arr, ok := raw.([]any)
	if !ok {
		v.add(join(path, key), "want an array, got "+jsonKind(raw))
		return nil
	}
	return arr
}

// strings returns obj[key] as a list of strings (nil when absent).
func (v *tdValidator) strings(obj map[string]any, path, key string) []string {
	var out []string
	for i, raw := range v.array(obj, path, key, false) {
		s, ok := raw.(string)
		if !ok {
			v.add(fmt.Sprintf("%s[%d]", join(path, key), i), "want a string, got "+jsonKind(raw))
			continue
		}
		out = append(out, s)
	}
	return out
}

// stringMap reads an optional object of strings (log options, FireLens
// options); a value of another type is a problem.
func (v *tdValidator) stringMap(obj map[string]any, path, key string) map[string]string {
	p := join(path, key)
	raw := v.object(obj[key], p, false)
	if raw == nil {
		return nil
	}
	out := make(map[string]string, len(raw))
	for k, val := range raw {
		if s, ok := val.(string); ok {
			out[k] = s
		} else {
			v.add(p+"."+k, "want a string, got "+jsonKind(val))
		}
	}
	return out
}

func (v *tdValidator) str(obj map[string]any, path, key string, required bool) string {
	raw, present := obj[key]
	if !present || raw == nil {
		if required {
			v.add(join(path, key), "missing")
		}
		return ""
	}
	s, ok := raw.(string)
	if !ok {
		v.add(join(path, key), "want a string, got "+jsonKind(raw))
		return ""
	}
	if required && strings.TrimSpace(s) == "" {
		v.add(join(path, key), "empty")
	}
	return s
}

func orRoot(path string) string {
	if path == "" {
		return "(document)"
	}
	return path
}

func jsonKind(raw any) string {
	switch raw.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

// lineCol turns a byte offset into 1-based line and column numbers.
func lineCol(b []byte, offset int64) (line, col int) {
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	before := b[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}
