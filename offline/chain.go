package offline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/estate"
	"github.com/giftcard/platform-infra/plan"
)

// Planned is one stack of a chain: its mock run and its plan document.
type Planned struct {
	Stack    string
	Result   *Result
	Document *plan.Document
	// Requested is false for a stack planned only to feed another's StackReference.
	Requested bool
}

// Chain plans stacks of the estate in deploy order, feeding each workload stack's
// StackReference with the outputs of the mgmt stack planned before it.
type Chain struct {
	Project *Project
	// Overrides replace stack-file values per stack (full keys); tests use them.
	Overrides map[string]map[string]string
	planned   map[string]*Outputs
}

// NewChain reads the project in dir.
func NewChain(dir string) (*Chain, error) {
	p, err := LoadProject(dir)
	if err != nil {
		return nil, err
	}
	return &Chain{Project: p, Overrides: map[string]map[string]string{}, planned: map[string]*Outputs{}}, nil
}

// DeployOrder sorts stack names by their environment's place in the deploy order
// (mgmt, uat, prod), then by name.
func DeployOrder(stacks []string) []string {
	rank := func(s string) int {
		for i, env := range config.Environments {
			if s == string(env) || strings.HasPrefix(s, string(env)+"-") {
				return i
			}
		}
		return len(config.Environments)
	}
	out := append([]string(nil), stacks...)
	slices.SortStableFunc(out, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return out
}

// Config loads a stack's effective config, with the chain's overrides applied.
func (c *Chain) Config(stack string) (*StackConfig, error) {
	sc, err := c.Project.LoadStack(stack)
	if err != nil {
		return nil, err
	}
	for k, v := range c.Overrides[stack] {
		sc.Values[k] = v
	}
	return sc, nil
}

// Plan plans the named stacks (all stacks with a stack file when none are named) in
// deploy order. A workload stack whose mgmt stack was not named gets it planned first,
// marked not requested. It stops at the first stack that fails.
func (c *Chain) Plan(stacks ...string) ([]*Planned, error) {
	if len(stacks) == 0 {
		stacks = c.Project.Stacks()
	}
	var out []*Planned
	for _, stack := range DeployOrder(stacks) {
		planned, err := c.plan(stack, true)
		out = append(out, planned...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func (c *Chain) plan(stack string, requested bool) ([]*Planned, error) {
	sc, err := c.Config(stack)
	if err != nil {
		return nil, err
	}
	var out []*Planned
	if up := upstreamOf(c.Project.Name, sc); up != "" && c.planned[up] == nil {
		if out, err = c.plan(up, false); err != nil {
			return out, fmt.Errorf("stack %s reads stack %s, which failed: %w", stack, up, err)
		}
	}
	res, err := Plan(c.Project.Name, sc, c.planned, estate.Run)
	if err != nil {
		return out, fmt.Errorf("stack %s: %w", stack, err)
	}
	c.planned[stack] = res.Outputs
	var warnings []string
	if cfg, err := config.Load(stack, lookup(sc)); err == nil {
		warnings = cfg.Warnings()
	}
	doc := plan.NewDocument(res.Inventory, warnings, controls.Catalogue)
	return append(out, &Planned{Stack: stack, Result: res, Document: doc, Requested: requested}), nil
}

// upstreamOf is the stack a workload stack reads through its StackReference.
func upstreamOf(project string, sc *StackConfig) string {
	if sc.Values[project+":environment"] == string(config.Mgmt) {
		return ""
	}
	ref := sc.Values[config.FullKey("mgmtStackName")]
	return ref[strings.LastIndex(ref, "/")+1:]
}

func lookup(sc *StackConfig) config.Getter {
	return func(k string) (string, bool) { v, ok := sc.Values[k]; return v, ok }
}
