// Package inventory is the plain-data view of a planned stack: every registered resource
// with its inputs and options. The control engine, the plan JSON, the diagram and the
// tests read it; it imports no SDK, so rules over it test in milliseconds.
package inventory

import (
	"sort"
	"strings"
)

// Secret is how a secret value appears in inputs and outputs: its value is never kept.
const Secret = "[secret]"

// LeakedSecret is how the offline plan shows a secret config value that the program put
// into a resource input or output without marking it secret; its value is never kept.
const LeakedSecret = "[secret-in-plaintext]"

// Resource is one registered resource. The JSON field names are the plan's public contract.
type Resource struct {
	URN                 string         `json:"urn"`
	Type                string         `json:"type"`
	Name                string         `json:"name"`
	ID                  string         `json:"id,omitempty"`
	Custom              bool           `json:"custom"`
	Parent              string         `json:"parent"`
	Provider            string         `json:"provider"`
	Inputs              map[string]any `json:"inputs"`
	Dependencies        []string       `json:"dependencies"`
	Protect             bool           `json:"protect"`
	RetainOnDelete      bool           `json:"retainOnDelete"`
	IgnoreChanges       []string       `json:"ignoreChanges"`
	DeleteBeforeReplace bool           `json:"deleteBeforeReplace"`
}

// Stack is every resource of one planned stack, in registration order.
type Stack struct {
	Project   string
	Stack     string
	Resources []*Resource
	Outputs   map[string]any

	byURN map[string]*Resource
	byID  map[string]*Resource
}

// NewStack indexes resources for lookups.
func NewStack(project, stack string, resources []*Resource, outputs map[string]any) *Stack {
	s := &Stack{Project: project, Stack: stack, Resources: resources, Outputs: outputs,
		byURN: map[string]*Resource{}, byID: map[string]*Resource{}}
	for _, r := range resources {
		s.byURN[r.URN] = r
		if r.ID != "" && r.Custom {
			s.byID[r.ID] = r
		}
	}
	return s
}

// ByURN finds a resource by URN.
func (s *Stack) ByURN(urn string) *Resource { return s.byURN[urn] }

// ByID finds a custom resource by the physical ID the plan assigned it.
func (s *Stack) ByID(id string) *Resource { return s.byID[id] }

// OfType lists the resources of a type token, in registration order.
func (s *Stack) OfType(typ string) []*Resource {
	var out []*Resource
	for _, r := range s.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Named finds the resource with a logical name (and optional type), or nil.
func (s *Stack) Named(name string, typ ...string) *Resource {
	for _, r := range s.Resources {
		if r.Name == name && (len(typ) == 0 || r.Type == typ[0]) {
			return r
		}
	}
	return nil
}

// Children lists the resources whose parent chain reaches the component urn.
func (s *Stack) Children(urn string) []*Resource {
	var out []*Resource
	for _, r := range s.Resources {
		for p := r.Parent; p != ""; p = s.parentOf(p) {
			if p == urn {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

func (s *Stack) parentOf(urn string) string {
	if r := s.byURN[urn]; r != nil {
		return r.Parent
	}
	return ""
}

// Component is the nearest component resource above r, or nil.
func (s *Stack) Component(r *Resource) *Resource {
	for p := r.Parent; p != ""; p = s.parentOf(p) {
		if c := s.byURN[p]; c != nil && !c.Custom && !IsProvider(c.Type) {
			return c
		}
	}
	return nil
}

// Components lists the component resources (not custom, not providers).
func (s *Stack) Components() []*Resource {
	var out []*Resource
	for _, r := range s.Resources {
		if !r.Custom && !IsProvider(r.Type) && !strings.HasPrefix(r.Type, "pulumi:pulumi:") {
			out = append(out, r)
		}
	}
	return out
}

// IsAWS is true for AWS resources that AWS itself stores (not providers or components).
func IsAWS(r *Resource) bool {
	return r.Custom && !IsProvider(r.Type) && Package(r.Type) == "aws"
}

// IsProvider is true for provider resources (pulumi:providers:<pkg>).
func IsProvider(typ string) bool { return strings.HasPrefix(typ, "pulumi:providers:") }

// ProviderOf is the explicit provider a resource was registered with, or nil for the
// default provider. Provider references are "<urn>::<id>".
func (s *Stack) ProviderOf(r *Resource) *Resource {
	if r.Provider == "" {
		return nil
	}
	urn := r.Provider
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		urn = urn[:i] // the reference is "<urn>::<id>", and URNs contain "::" themselves
	}
	return s.byURN[urn]
}

// Tags is a resource's own tags (the "tags" input), as strings.
func Tags(r *Resource) map[string]string { return StringMap(r.Inputs["tags"]) }

// EffectiveTags is what AWS will store: the provider's default tags merged with the
// resource's own, which win. Default tags appear only on the provider's inputs, because
// the provider merges them during its Check step, not in the program.
func (s *Stack) EffectiveTags(r *Resource) map[string]string {
	out := map[string]string{}
	if p := s.ProviderOf(r); p != nil {
		if dt, ok := p.Inputs["defaultTags"].(map[string]any); ok {
			for k, v := range StringMap(dt["tags"]) {
				out[k] = v
			}
		}
	}
	for k, v := range Tags(r) {
		out[k] = v
	}
	return out
}

// Package is the provider package of a type token ("aws" of "aws:ec2/vpc:Vpc").
func Package(typ string) string {
	if IsProvider(typ) {
		return strings.TrimPrefix(typ, "pulumi:providers:")
	}
	pkg, _, _ := strings.Cut(typ, ":")
	return pkg
}

// String reads a string input ("" when absent or not a string).
func String(r *Resource, key string) string {
	s, _ := r.Inputs[key].(string)
	return s
}

// Bool reads a boolean input (false when absent).
func Bool(r *Resource, key string) bool {
	b, _ := r.Inputs[key].(bool)
	return b
}

// StringMap converts a decoded object to string values, dropping non-strings.
func StringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := make(map[string]string, len(m))
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}

// List converts a decoded array input to its elements.
func List(v any) []any {
	l, _ := v.([]any)
	return l
}

// Strings reads a value that is a string or a list of strings, as policy elements
// (Action, Resource, principals) are; other elements are dropped.
func Strings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// SortedKeys returns a map's keys in order, for deterministic output.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// InDeployOrder orders resources so that every resource comes after its parent and its
// dependencies, breaking ties by URN. The program registers resources concurrently, so
// registration order varies from run to run; this order does not, which keeps plans
// diffable.
func InDeployOrder(resources []*Resource) []*Resource {
	byURN := make(map[string]*Resource, len(resources))
	for _, r := range resources {
		byURN[r.URN] = r
	}
	waiting := make(map[string]int, len(resources)) // URN -> predecessors not yet placed
	next := map[string][]string{}                   // URN -> resources waiting for it
	for _, r := range resources {
		preds := map[string]bool{}
		if byURN[r.Parent] != nil {
			preds[r.Parent] = true
		}
		for _, d := range r.Dependencies {
			if byURN[d] != nil && d != r.URN {
				preds[d] = true
			}
		}
		if p := r.Provider; p != "" {
			if i := strings.LastIndex(p, "::"); i >= 0 && byURN[p[:i]] != nil {
				preds[p[:i]] = true
			}
		}
		waiting[r.URN] = len(preds)
		for p := range preds {
			next[p] = append(next[p], r.URN)
		}
	}
	var ready []string
	for _, r := range resources {
		if waiting[r.URN] == 0 {
			ready = append(ready, r.URN)
		}
	}
	out := make([]*Resource, 0, len(resources))
	for len(ready) > 0 {
		sort.Strings(ready)
		urn := ready[0]
		ready = ready[1:]
		out = append(out, byURN[urn])
		for _, n := range next[urn] {
			if waiting[n]--; waiting[n] == 0 {
				ready = append(ready, n)
			}
		}
	}
	if len(out) < len(resources) { // a cycle cannot happen in a Pulumi program; keep everything anyway
		placed := map[string]bool{}
		for _, r := range out {
			placed[r.URN] = true
		}
		var rest []*Resource
		for _, r := range resources {
			if !placed[r.URN] {
				rest = append(rest, r)
			}
		}
		sort.Slice(rest, func(i, j int) bool { return rest[i].URN < rest[j].URN })
		out = append(out, rest...)
	}
	return out
}
