package controls

import (
	"fmt"
	"slices"

	"github.com/giftcard/platform-infra/inventory"
)

// fixture builds plain inventory stacks by hand, the way the offline plan records them,
// so each control can be shown passing on a compliant stack and failing on a broken one.
type fixture struct {
	resources []*inventory.Resource
	n         int
	outputs   map[string]any // the stack's outputs (empty when nil)
}

const fixtureProvider = "urn:pulumi:test::giftcard-platform::pulumi:providers:aws::aws"

func (f *fixture) add(typ, name string, inputs map[string]any) *inventory.Resource {
	f.n++
	r := &inventory.Resource{
		URN: fmt.Sprintf("urn:pulumi:test::giftcard-platform::%s::%s", typ, name), Type: typ, Name: name,
		ID: fmt.Sprintf("%s-%d", name, f.n), Custom: true, Provider: fixtureProvider + "::p1", Inputs: inputs,
	}
	// Stateful resources are protected, as the program declares them (GC-STATE-1).
	r.Protect = slices.Contains(StatefulTypes, typ)
	f.resources = append(f.resources, r)
	return r
}

func (f *fixture) stack() *inventory.Stack {
	outputs := f.outputs
	if outputs == nil {
		outputs = map[string]any{}
	}
	return inventory.NewStack("giftcard-platform", "test", f.resources, outputs)
}

func allTags() map[string]any {
	tags := map[string]any{}
	for _, k := range RequiredTags {
		tags[k] = "x"
	}
	return tags
}

// compliantNetwork is a two-AZ VPC with an edge and an app tier, a NAT per AZ and
// per-AZ routes: every control of the catalogue passes on it.
func compliantNetwork() *fixture {
	f := &fixture{}
	f.resources = append(f.resources, &inventory.Resource{
		URN: fixtureProvider, Type: "pulumi:providers:aws", Name: "aws", ID: "p1", Custom: true,
		Inputs: map[string]any{"region": "ap-south-1", "defaultTags": map[string]any{"tags": allTags()}},
	})
	vpc := f.add(TypeVpc, "vpc", map[string]any{"cidrBlock": "10.0.0.0/16"})
	igw := f.add(TypeInternetGateway, "igw", map[string]any{"vpcId": vpc.ID})
	for _, az := range []string{"a", "b"} {
		edge := f.add(TypeSubnet, "edge-"+az, map[string]any{"vpcId": vpc.ID, "availabilityZone": "ap-south-1" + az, "tags": map[string]any{TierTag: "edge"}})
		app := f.add(TypeSubnet, "app-"+az, map[string]any{"vpcId": vpc.ID, "availabilityZone": "ap-south-1" + az, "tags": map[string]any{TierTag: "app"}})
		edgeRT := f.add(TypeRouteTable, "edge-rt-"+az, map[string]any{"vpcId": vpc.ID})
		appRT := f.add(TypeRouteTable, "app-rt-"+az, map[string]any{"vpcId": vpc.ID})
		f.add(TypeRouteTableAssoc, "edge-assoc-"+az, map[string]any{"subnetId": edge.ID, "routeTableId": edgeRT.ID})
		f.add(TypeRouteTableAssoc, "app-assoc-"+az, map[string]any{"subnetId": app.ID, "routeTableId": appRT.ID})
		f.add(TypeRoute, "edge-default-"+az, map[string]any{"routeTableId": edgeRT.ID, "destinationCidrBlock": "0.0.0.0/0", "gatewayId": igw.ID})
		nat := f.add(TypeNatGateway, "nat-"+az, map[string]any{"subnetId": edge.ID})
		f.add(TypeRoute, "app-default-"+az, map[string]any{"routeTableId": appRT.ID, "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": nat.ID})
	}
	return f
}

func (f *fixture) named(name string) *inventory.Resource {
	for _, r := range f.resources {
		if r.Name == name {
			return r
		}
	}
	panic("no fixture resource " + name)
}

// compliantFixtures are the hand-built stacks on which every control of the catalogue
// passes or does not apply; each concern adds its own (in an init of its fixture file).
var compliantFixtures = map[string]func() *fixture{"network": compliantNetwork}

// baseFixture is, per control id, the compliant fixture its breakages start from
// (compliantNetwork when absent).
var baseFixture = map[string]func() *fixture{}

// breakage is one way to break a compliant fixture and the resource the failure must name.
type breakage struct {
	name    string
	breakIt func(f *fixture)
	culprit string
}

// breakages are, per control, ways to break a compliant stack. Every control of the
// catalogue must have at least one; a concern's fixture file adds its controls' cases.
var breakages = map[string][]breakage{
	"GC-TAG-1": {
		{"missing owner tag", func(f *fixture) {
			tags := allTags()
			delete(tags, "owner")
			f.named("aws").Inputs["defaultTags"] = map[string]any{"tags": tags}
		}, "vpc"},
		{"empty own tag overrides the default", func(f *fixture) { f.named("igw").Inputs["tags"] = map[string]any{"environment": ""} }, "igw"},
		{"default provider", func(f *fixture) { f.named("app-a").Provider = "" }, "app-a"},
	},
	"GC-DATA-1": {
		{"provider in Ireland", func(f *fixture) { f.named("aws").Inputs["region"] = "eu-west-1" }, "aws"},
		{"default provider", func(f *fixture) { f.named("nat-b").Provider = "" }, "nat-b"},
		{"Azure resource in Europe", func(f *fixture) {
			f.resources = append(f.resources, &inventory.Resource{URN: "urn:rg", Type: "azure-native:resources:ResourceGroup", Name: "rg", Custom: true, Inputs: map[string]any{"location": "West Europe"}})
		}, "rg"},
	},
	"GC-SEC-1": {
		{"secret in a tag", func(f *fixture) { f.named("vpc").Inputs["tags"] = map[string]any{"owner": inventory.LeakedSecret} }, "vpc"},
		{"secret nested in a list", func(f *fixture) {
			f.named("igw").Inputs["rules"] = []any{map[string]any{"key": inventory.LeakedSecret}}
		}, "igw"},
	},
	"GC-NET-1": {
		{"app subnet maps public IPs", func(f *fixture) { f.named("app-a").Inputs["mapPublicIpOnLaunch"] = true }, "app-a"},
	},
	"GC-NET-2": {
		{"AZ b without NAT", func(f *fixture) {
			f.resources = removeNamed(f.resources, "nat-b", "app-default-b")
		}, "vpc"},
		{"route across AZs", func(f *fixture) { f.named("app-default-b").Inputs["natGatewayId"] = f.named("nat-a").ID }, "app-default-b"},
		{"NAT in a private subnet", func(f *fixture) { f.named("nat-a").Inputs["subnetId"] = f.named("app-a").ID }, "nat-a"},
	},
}

func removeNamed(rs []*inventory.Resource, names ...string) []*inventory.Resource {
	var out []*inventory.Resource
outer:
	for _, r := range rs {
		for _, n := range names {
			if r.Name == n {
				continue outer
			}
		}
		out = append(out, r)
	}
	return out
}
