package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/giftcard/platform-infra/inventory"
)

// Outputs are a planned stack's exports, with the names of the secret ones.
type Outputs struct {
	Values map[string]any
	Secret map[string]bool
}

// Masked is the outputs as the plan shows them: secret values replaced.
func (o *Outputs) Masked() map[string]any {
	out := make(map[string]any, len(o.Values))
	for k, v := range o.Values {
		if o.Secret[k] {
			v = inventory.Secret
		}
		out[k] = v
	}
	return out
}

// Result is one stack planned under mocks.
type Result struct {
	Inventory *inventory.Stack
	Outputs   *Outputs
}

// Plan runs program for one stack under mocks. upstream holds the outputs of the stacks
// already planned, which feed its StackReferences. The error is the program's own
// (invalid config included), exactly as `pulumi up` would report it.
func Plan(project string, sc *StackConfig, upstream map[string]*Outputs, program pulumi.RunFunc) (*Result, error) {
	mon := NewMonitor(project, sc.Stack, sc.Values["aws:region"], upstream)
	exports := map[string]pulumi.Output{}
	body := func(ctx *pulumi.Context) error {
		if err := program(ctx); err != nil {
			return err
		}
		for k, v := range ctx.GetCurrentExportMap() {
			exports[k] = pulumi.ToOutput(v)
		}
		return nil
	}
	withConfig := func(ri *pulumi.RunInfo) {
		ri.Config = map[string]string{}
		for k, v := range sc.Values {
			ri.Config[k] = v
		}
		ri.ConfigSecretKeys = append([]string(nil), sc.Secrets...)
		ri.DryRun = false // resolved values everywhere, so every apply runs (see reference notes)
	}
	if err := pulumi.RunErr(body, pulumi.WithMocks(project, sc.Stack, mon), withConfig); err != nil {
		return nil, err
	}

	outs := &Outputs{Values: map[string]any{}, Secret: map[string]bool{}}
	keys := make([]string, 0, len(exports))
	for k := range exports {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		res, err := internals.UnsafeAwaitOutput(context.Background(), exports[k])
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", k, err)
		}
		v := any("[unknown]")
		if res.Known {
			if v, err = plainJSON(res.Value); err != nil {
				return nil, fmt.Errorf("output %s: %w", k, err)
			}
		}
		outs.Values[k] = v
		outs.Secret[k] = res.Secret
	}
	// A placeholder is never printed, even where the program forgot to mark the value
	// secret: there it becomes inventory.LeakedSecret, which the GC-SEC-1 control fails on,
	// because `pulumi up` would store the real secret in plain text in the state.
	placeholders := make([]string, len(sc.Secrets))
	for i, k := range sc.Secrets {
		placeholders[i] = sc.Values[k]
	}
	resources := inventory.InDeployOrder(mon.Resources())
	for _, r := range resources {
		r.Inputs = maskPlaceholders(r.Inputs, placeholders).(map[string]any)
	}
	return &Result{
		Inventory: inventory.NewStack(project, sc.Stack, resources, maskPlaceholders(outs.Masked(), placeholders).(map[string]any)),
		Outputs:   outs,
	}, nil
}

// maskPlaceholders replaces every string that contains a secret's placeholder with
// inventory.LeakedSecret, at any depth. (Values the program marked secret are already
// inventory.Secret.)
func maskPlaceholders(v any, placeholders []string) any {
	switch x := v.(type) {
	case string:
		for _, p := range placeholders {
			if p != "" && strings.Contains(x, p) {
				return inventory.LeakedSecret
			}
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = maskPlaceholders(e, placeholders)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = maskPlaceholders(e, placeholders)
		}
		return out
	}
	return v
}

// plainJSON turns SDK values (IDs, typed slices and maps) into plain JSON values.
func plainJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(b, &out)
}
