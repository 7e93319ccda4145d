package inventory

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProviderReferencesAndEffectiveTags(t *testing.T) {
	provURN := "urn:pulumi:prod::giftcard-platform::pulumi:providers:aws::gc-prod-aws"
	prov := &Resource{URN: provURN, Type: "pulumi:providers:aws", Custom: true, ID: "p",
		Inputs: map[string]any{"defaultTags": map[string]any{"tags": map[string]any{"owner": "platform", "environment": "prod"}}}}
	vpc := &Resource{URN: "urn:pulumi:prod::giftcard-platform::aws:ec2/vpc:Vpc::v", Type: "aws:ec2/vpc:Vpc", Custom: true, ID: "vpc-1",
		Provider: provURN + "::p", Inputs: map[string]any{"tags": map[string]any{"owner": "dba", "Name": "v"}}}
	s := NewStack("p", "prod", []*Resource{prov, vpc}, nil)

	// Provider references are "<urn>::<id>" and URNs contain "::" themselves.
	assert.Same(t, prov, s.ProviderOf(vpc))
	assert.Equal(t, map[string]string{"owner": "dba", "environment": "prod", "Name": "v"}, s.EffectiveTags(vpc))
	assert.True(t, IsAWS(vpc))
	assert.False(t, IsAWS(prov))
	assert.Same(t, vpc, s.ByID("vpc-1"))
	assert.Equal(t, "aws", Package(prov.Type))
}

func TestChildrenAndComponent(t *testing.T) {
	comp := &Resource{URN: "c", Type: "giftcard:network:Vpc"}
	child := &Resource{URN: "x", Parent: "c", Custom: true, Type: "aws:ec2/vpc:Vpc"}
	grandchild := &Resource{URN: "y", Parent: "x", Custom: true, Type: "aws:ec2/subnet:Subnet"}
	other := &Resource{URN: "z", Custom: true, Type: "aws:ec2/eip:Eip"}
	s := NewStack("p", "s", []*Resource{comp, child, grandchild, other}, nil)
	assert.Equal(t, []*Resource{child, grandchild}, s.Children("c"))
	assert.Same(t, comp, s.Component(grandchild))
	assert.Nil(t, s.Component(other))
	assert.Equal(t, []*Resource{comp}, s.Components())
}

func TestInDeployOrderIsStableAndRespectsParentsAndDependencies(t *testing.T) {
	prov := &Resource{URN: "p", Type: "pulumi:providers:aws"}
	comp := &Resource{URN: "c"}
	vpc := &Resource{URN: "z-vpc", Parent: "c", Provider: "p::id"}
	subnet := &Resource{URN: "a-subnet", Parent: "c", Dependencies: []string{"z-vpc"}, Provider: "p::id"}
	other := &Resource{URN: "b-other"}
	want := []*Resource{other, comp, prov, vpc, subnet}
	for _, in := range [][]*Resource{{subnet, vpc, comp, prov, other}, {other, prov, comp, vpc, subnet}, {vpc, other, subnet, prov, comp}} {
		assert.Equal(t, want, InDeployOrder(in))
	}
}
