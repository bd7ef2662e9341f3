package cloudformation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// MaxTemplateBytes bounds one template file. CloudFormation takes at most
// 1 MB from S3 (51,200 bytes inline); 8 MiB leaves room for a cdk.out
// template before its assets are published, and keeps a 1 GB file or a
// device from filling memory.
const MaxTemplateBytes = 8 << 20

// stack is one template to read, with the name it is known by.
type stack struct {
	// Name is the stack's name in a cdk.out manifest ("" for a lone file).
	Name string
	Path string
	Doc  map[string]any
	// Keys is where each logical id of Resources stands in the file.
	Keys map[string]position
}

// readInput reads FILE, or every stack of the cdk.out directory DIR.
func readInput(path string) ([]*stack, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		doc, keys, err := readTemplate(path)
		if err != nil {
			return nil, err
		}
		return []*stack{{Path: path, Doc: doc, Keys: keys}}, nil
	}
	return readAssembly(path, 0)
}

// readFile reads a regular file of at most limit bytes.
func readFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, larger than %d MiB, the most preflight reads (CloudFormation takes at most 1 MB)", path, st.Size(), limit>>20)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d MiB, the most preflight reads (CloudFormation takes at most 1 MB)", path, limit>>20)
	}
	return b, nil
}

// readTemplate reads one JSON or YAML template, with where each of its
// logical ids stands.
func readTemplate(path string) (map[string]any, map[string]position, error) {
	b, err := readFile(path, MaxTemplateBytes)
	if err != nil {
		return nil, nil, err
	}
	doc, keys, err := parseTemplate(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, keys, nil
}

// parseTemplate parses JSON (a document that starts with "{") or YAML,
// and gives the line and column of each key of its Resources.
func parseTemplate(b []byte) (map[string]any, map[string]position, error) {
	// An editor shows no byte order mark: lines and columns count from
	// after it.
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var doc any
	var offsets map[string]int
	if trimmed := bytes.TrimLeft(b, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		var err error
		if doc, offsets, err = parseJSON(trimmed); err != nil {
			return nil, nil, fmt.Errorf("invalid JSON: %v", err)
		}
		skipped := len(b) - len(trimmed)
		for k, off := range offsets {
			offsets[k] = off + skipped
		}
	} else {
		var err error
		if doc, offsets, err = parseYAMLResources(b); err != nil {
			return nil, nil, fmt.Errorf("invalid YAML: %w", err)
		}
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, nil, errors.New("not a CloudFormation template: want a mapping at the top")
	}
	res, ok := m["Resources"].(map[string]any)
	if !ok {
		if _, state := m["terraform_version"]; state {
			return nil, nil, errors.New("not a CloudFormation template: this is Terraform's JSON (use --plan)")
		}
		return nil, nil, errors.New("not a CloudFormation template: no Resources mapping")
	}
	if len(res) == 0 {
		return nil, nil, errors.New("not a CloudFormation template: Resources is empty")
	}
	return m, positions(b, offsets), nil
}

// manifest is the part of a cloud assembly's manifest.json that lists
// its stacks (and nested assemblies, one per CDK Stage).
type manifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile  string `json:"templateFile"`
			StackName     string `json:"stackName"`
			DirectoryName string `json:"directoryName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

// readAssembly reads every stack of the cloud assembly in dir (cdk.out):
// the artifacts of type aws:cloudformation:stack and, for CDK Stages, the
// nested assemblies (cdk:cloud-assembly) a level down.
func readAssembly(dir string, depth int) ([]*stack, error) {
	b, err := readFile(filepath.Join(dir, "manifest.json"), MaxTemplateBytes)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: a directory without manifest.json: give a template file or a cdk.out directory (cdk synth writes it)", dir)
		}
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: invalid JSON: %v", filepath.Join(dir, "manifest.json"), err)
	}
	names := make([]string, 0, len(m.Artifacts))
	for name := range m.Artifacts {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []*stack
	for _, name := range names {
		a := m.Artifacts[name]
		switch a.Type {
		case "aws:cloudformation:stack":
			file, err := inside(dir, a.Properties.TemplateFile)
			if err != nil {
				return nil, fmt.Errorf("%s: artifact %s: %w", dir, name, err)
			}
			doc, keys, err := readTemplate(file)
			if err != nil {
				return nil, err
			}
			stackName := a.Properties.StackName
			if stackName == "" {
				stackName = name
			}
			out = append(out, &stack{Name: stackName, Path: file, Doc: doc, Keys: keys})
		case "cdk:cloud-assembly":
			if depth >= 4 {
				return nil, fmt.Errorf("%s: cloud assemblies nested deeper than 4 levels", dir)
			}
			sub, err := inside(dir, a.Properties.DirectoryName)
			if err != nil {
				return nil, fmt.Errorf("%s: artifact %s: %w", dir, name, err)
			}
			more, err := readAssembly(sub, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: manifest.json lists no CloudFormation stack", dir)
	}
	return out, nil
}

// inside joins a manifest's relative file name to dir, refusing one that
// leaves it (a crafted manifest must not make preflight read elsewhere).
func inside(dir, name string) (string, error) {
	if name == "" || filepath.IsAbs(name) || !filepath.IsLocal(name) || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("file %q is not inside the assembly", name)
	}
	return filepath.Join(dir, name), nil
}
