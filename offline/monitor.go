// Package offline runs the program under Pulumi mocks, with no cloud, CLI or network: it
// records every registered resource with its inputs and options, answers the program's
// invokes with realistic values, and feeds StackReferences with upstream stacks' outputs.
// The offline plan (cmd/plan) and the tests (tests/) both use it.
package offline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/inventory"
)

// AccountID is the AWS account the mocks report.
const AccountID = "111122223333"

// Monitor is a pulumi.MockResourceMonitor that records what the program registers.
type Monitor struct {
	project, stack, region string
	// upstream holds the outputs of stacks already planned, by stack name, for StackReferences.
	upstream map[string]*Outputs

	mu        sync.Mutex
	resources []*inventory.Resource
	ids       map[string]int
}

var _ pulumi.MockResourceMonitor = (*Monitor)(nil)

// NewMonitor makes a monitor for one stack run.
func NewMonitor(project, stack, region string, upstream map[string]*Outputs) *Monitor {
	return &Monitor{project: project, stack: stack, region: region, upstream: upstream, ids: map[string]int{}}
}

// Resources returns what was registered, in registration order.
func (m *Monitor) Resources() []*inventory.Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*inventory.Resource(nil), m.resources...)
}

func (m *Monitor) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

// NewResource records a registration (or a read) and returns a deterministic ID and state.
func (m *Monitor) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rec := &inventory.Resource{
		Type:   args.TypeToken,
		Name:   args.Name,
		Custom: args.Custom,
		Inputs: PlainMap(args.Inputs),
	}
	var parent string
	if rpc := args.RegisterRPC; rpc != nil {
		parent = rpc.GetParent()
		rec.Provider = rpc.GetProvider()
		rec.Dependencies = sorted(rpc.GetDependencies())
		rec.Protect = rpc.GetProtect()
		rec.RetainOnDelete = rpc.GetRetainOnDelete()
		rec.IgnoreChanges = sorted(rpc.GetIgnoreChanges())
		rec.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
	} else if rpc := args.ReadRPC; rpc != nil {
		parent = rpc.GetParent()
		rec.Provider = rpc.GetProvider()
		rec.Dependencies = sorted(rpc.GetDependencies())
	}
	rec.Parent = parent
	rec.URN = m.urn(parent, args.TypeToken, args.Name)
	if rec.Dependencies == nil {
		rec.Dependencies = []string{}
	}
	if rec.IgnoreChanges == nil {
		rec.IgnoreChanges = []string{}
	}

	state := args.Inputs.Copy()
	id := args.ID
	switch {
	case args.TypeToken == "pulumi:pulumi:StackReference":
		out, err := m.stackReference(args)
		if err != nil {
			return "", nil, err
		}
		state["outputs"] = out
		if id == "" {
			id = args.Name
		}
	case inventory.IsProvider(args.TypeToken):
		id = "provider-" + shortHash(rec.URN)
	case args.Custom:
		if id == "" {
			id = physicalID(args.TypeToken, rec.URN)
		}
		for k, v := range computedOutputs(args.TypeToken, id, m.region, args.Inputs) {
			if _, set := state[resource.PropertyKey(k)]; !set {
				state[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
			}
		}
	}
	if args.Custom {
		rec.ID = id
	}

	m.mu.Lock()
	m.resources = append(m.resources, rec)
	m.mu.Unlock()
	return id, state, nil
}

func (m *Monitor) stackReference(args pulumi.MockResourceArgs) (resource.PropertyValue, error) {
	name := args.Name
	if v, ok := args.Inputs["name"]; ok && v.IsString() {
		name = v.StringValue()
	}
	short := name[strings.LastIndex(name, "/")+1:]
	up := m.upstream[short]
	if up == nil {
		return resource.PropertyValue{}, fmt.Errorf("stack reference %q: stack %q has not been planned; plan it first (the offline plan does, in deploy order)", name, short)
	}
	obj := resource.PropertyMap{}
	for k, v := range up.Values {
		pv := resource.NewPropertyValue(v)
		if up.Secret[k] {
			pv = resource.MakeSecret(pv)
		}
		obj[resource.PropertyKey(k)] = pv
	}
	return resource.NewObjectProperty(obj), nil
}

// Call answers the program's invokes. An invoke the harness does not know is an error,
// so a new data source cannot silently return empty values.
func (m *Monitor) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	answer, ok := invokes[args.Token]
	if !ok {
		return nil, fmt.Errorf("offline: no mock answer for invoke %s; add one to offline/invokes.go", args.Token)
	}
	return resource.NewPropertyMapFromMap(answer(m.region, args.Args)), nil
}

func sorted(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:17]
}

// PlainMap turns a property map into JSON-ready values: secrets become "[secret]",
// unknowns "[unknown]", resource references their URN.
func PlainMap(pm resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(pm))
	for k, v := range pm {
		out[string(k)] = Plain(v)
	}
	return out
}

// Plain converts one property value (see PlainMap).
func Plain(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return inventory.Secret
	case v.IsComputed():
		return "[unknown]"
	case v.IsOutput():
		o := v.OutputValue()
		switch {
		case o.Secret:
			return inventory.Secret
		case !o.Known:
			return "[unknown]"
		}
		return Plain(o.Element)
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = Plain(e)
		}
		return out
	case v.IsObject():
		return PlainMap(v.ObjectValue())
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset():
		return "[asset]"
	case v.IsArchive():
		return "[archive]"
	}
	return fmt.Sprint(v)
}
