package offline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Project is Pulumi.yaml as the offline plan needs it: the name and the config schema.
type Project struct {
	Dir    string
	Name   string
	Config map[string]ProjectKey // by full key ("giftcard-platform:azCount", "aws:region")
}

// ProjectKey is one entry of Pulumi.yaml's config block.
type ProjectKey struct {
	Type        string
	Description string
	Default     any
	HasDefault  bool
}

// StackConfig is one stack's effective config: the stack file over Pulumi.yaml defaults,
// in the string form Pulumi hands a program.
type StackConfig struct {
	Stack  string
	Values map[string]string
	// Secrets are the keys whose stack-file values are `secure:` ciphertext; the plan
	// cannot decrypt them and feeds placeholders, marked secret, that it never prints.
	Secrets []string
}

// LoadProject reads dir/Pulumi.yaml.
func LoadProject(dir string) (*Project, error) {
	path := filepath.Join(dir, "Pulumi.yaml")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Name   string               `yaml:"name"`
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p := &Project{Dir: dir, Name: doc.Name, Config: map[string]ProjectKey{}}
	for k, node := range doc.Config {
		full := k
		if !strings.Contains(k, ":") {
			full = doc.Name + ":" + k
		}
		var key ProjectKey
		if node.Kind == yaml.MappingNode && hasKey(&node, "type") {
			var decl struct {
				Type        string    `yaml:"type"`
				Description string    `yaml:"description"`
				Default     yaml.Node `yaml:"default"`
			}
			if err := node.Decode(&decl); err != nil {
				return nil, fmt.Errorf("%s: config %s: %w", path, k, err)
			}
			key = ProjectKey{Type: decl.Type, Description: decl.Description}
			if !decl.Default.IsZero() {
				key.HasDefault = true
				if err := decl.Default.Decode(&key.Default); err != nil {
					return nil, fmt.Errorf("%s: config %s default: %w", path, k, err)
				}
			}
		} else { // a bare value, or {value: ...} for provider keys
			key.HasDefault = true
			if err := node.Decode(&key.Default); err != nil {
				return nil, fmt.Errorf("%s: config %s: %w", path, k, err)
			}
			if m, ok := key.Default.(map[string]any); ok && len(m) == 1 && m["value"] != nil {
				key.Default = m["value"]
			}
		}
		p.Config[full] = key
	}
	return p, nil
}

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// Stacks lists the stacks that have a Pulumi.<stack>.yaml in the project directory.
func (p *Project) Stacks() []string {
	matches, _ := filepath.Glob(filepath.Join(p.Dir, "Pulumi.*.yaml"))
	var out []string
	for _, m := range matches {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "Pulumi."), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// LoadStack reads Pulumi.<stack>.yaml and applies the project's defaults to unset keys.
func (p *Project) LoadStack(stack string) (*StackConfig, error) {
	path := filepath.Join(p.Dir, "Pulumi."+stack+".yaml")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sc := &StackConfig{Stack: stack, Values: map[string]string{}}
	for k, v := range doc.Config {
		if !strings.Contains(k, ":") {
			k = p.Name + ":" + k
		}
		if m, ok := v.(map[string]any); ok && len(m) == 1 && m["secure"] != nil {
			sc.Values[k] = Placeholder(k)
			sc.Secrets = append(sc.Secrets, k)
			continue
		}
		s, err := configString(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, k, err)
		}
		sc.Values[k] = s
	}
	for k, decl := range p.Config {
		if _, set := sc.Values[k]; !set && decl.HasDefault {
			s, err := configString(decl.Default)
			if err != nil {
				return nil, fmt.Errorf("Pulumi.yaml: %s default: %w", k, err)
			}
			sc.Values[k] = s
		}
	}
	sort.Strings(sc.Secrets)
	return sc, nil
}

// Placeholder stands in for a secret the plan cannot decrypt: alphanumeric, so it passes
// the format rules real secrets follow (VPN pre-shared keys, passwords), and derived from
// the key name only, so it reveals nothing.
func Placeholder(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "OfflinePlaceholder" + hex.EncodeToString(sum[:])[:16]
}

// configString renders a YAML value the way Pulumi passes config to a program: scalars
// as text, objects and arrays as JSON.
func configString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case nil:
		return "", nil
	default:
		b, err := json.Marshal(x)
		return string(b), err
	}
}
