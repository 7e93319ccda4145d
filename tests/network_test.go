package tests

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/network/subnetplan"
)

var stacks = []string{"mgmt", "uat", "prod"}

func TestEveryStackHasOneVpcWithDNS(t *testing.T) {
	want := map[string]string{"mgmt": "10.10.0.0/20", "uat": "10.20.0.0/20", "prod": "10.30.0.0/18"}
	for _, name := range stacks {
		s := stackOf(t, name)
		vpcs := s.OfType(controls.TypeVpc)
		require.Len(t, vpcs, 1, name)
		assert.Equal(t, want[name], inventory.String(vpcs[0], "cidrBlock"), name)
		assert.True(t, inventory.Bool(vpcs[0], "enableDnsSupport"), name)
		assert.True(t, inventory.Bool(vpcs[0], "enableDnsHostnames"), name)
		assert.Len(t, s.OfType(controls.TypeInternetGateway), 1, name)
	}
}

func TestSubnetsPerTierAndAZDisjointInsideTheVpc(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		vpc := netip.MustParsePrefix(inventory.String(s.OfType(controls.TypeVpc)[0], "cidrBlock"))
		tiers := subnetplan.LayoutFor(name == "mgmt")
		count := map[string]map[string]int{}
		var cidrs []netip.Prefix
		for _, sn := range s.OfType(controls.TypeSubnet) {
			tier := inventory.Tags(sn)["tier"]
			az := inventory.String(sn, "availabilityZone")
			if count[tier] == nil {
				count[tier] = map[string]int{}
			}
			count[tier][az]++
			p := netip.MustParsePrefix(inventory.String(sn, "cidrBlock"))
			assert.True(t, vpc.Contains(p.Addr()) && p.Bits() > vpc.Bits(), "%s: %s outside %s", name, p, vpc)
			for _, o := range cidrs {
				assert.False(t, p.Overlaps(o), "%s: %s overlaps %s", name, p, o)
			}
			cidrs = append(cidrs, p)
			assert.False(t, inventory.Bool(sn, "mapPublicIpOnLaunch"), "%s: %s", name, sn.Name)
		}
		require.Len(t, count, len(tiers), name)
		for _, tier := range tiers {
			assert.Equal(t, map[string]int{"ap-south-1a": 1, "ap-south-1b": 1}, count[tier.Name], "%s tier %s", name, tier.Name)
		}
	}
}

func TestEachSubnetHasItsOwnRouteTable(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		seen := map[string]bool{}
		assocs := s.OfType(controls.TypeRouteTableAssoc)
		require.Len(t, assocs, len(s.OfType(controls.TypeSubnet)), name)
		for _, a := range assocs {
			rt := inventory.String(a, "routeTableId")
			assert.False(t, seen[rt], "%s: route table %s shared", name, rt)
			seen[rt] = true
			sn, table := s.ByID(inventory.String(a, "subnetId")), s.ByID(rt)
			require.NotNil(t, sn)
			require.NotNil(t, table)
			assert.Equal(t, inventory.Tags(sn)["tier"], inventory.Tags(table)["tier"])
		}
	}
}

func TestNatPerAZAndPrivateRoutesUseTheirOwnAZsNat(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		natAZ := map[string]string{}
		for _, nat := range s.OfType(controls.TypeNatGateway) {
			sn := s.ByID(inventory.String(nat, "subnetId"))
			require.NotNil(t, sn)
			assert.Equal(t, "edge", inventory.Tags(sn)["tier"], "%s: NAT outside the edge tier", name)
			eip := s.ByID(inventory.String(nat, "allocationId"))
			require.NotNil(t, eip, "%s: NAT without its EIP", name)
			assert.Equal(t, "vpc", inventory.String(eip, "domain"))
			natAZ[nat.ID] = inventory.String(sn, "availabilityZone")
		}
		assert.ElementsMatch(t, []string{"ap-south-1a", "ap-south-1b"}, values(natAZ), name)

		egress := map[string]subnetplan.Egress{}
		for _, tier := range subnetplan.LayoutFor(name == "mgmt") {
			egress[tier.Name] = tier.Egress
		}
		defaults := map[string]*inventory.Resource{}
		for _, r := range s.OfType(controls.TypeRoute) {
			if inventory.String(r, "destinationCidrBlock") == "0.0.0.0/0" {
				defaults[inventory.String(r, "routeTableId")] = r
			}
		}
		for _, a := range s.OfType(controls.TypeRouteTableAssoc) {
			sn := s.ByID(inventory.String(a, "subnetId"))
			tier, az := inventory.Tags(sn)["tier"], inventory.String(sn, "availabilityZone")
			route := defaults[inventory.String(a, "routeTableId")]
			switch egress[tier] {
			case subnetplan.ViaNAT:
				require.NotNil(t, route, "%s: %s has no default route", name, sn.Name)
				assert.Equal(t, az, natAZ[inventory.String(route, "natGatewayId")], "%s: %s routes to another AZ's NAT", name, sn.Name)
			case subnetplan.ViaInternetGateway:
				require.NotNil(t, route, "%s: %s has no default route", name, sn.Name)
				igw := s.ByID(inventory.String(route, "gatewayId"))
				require.NotNil(t, igw)
				assert.Equal(t, controls.TypeInternetGateway, igw.Type)
			case subnetplan.Isolated:
				assert.Nil(t, route, "%s: isolated %s has a default route", name, sn.Name)
			}
		}
	}
}

func TestNatGatewaysWaitForTheInternetGateway(t *testing.T) {
	s := stackOf(t, "prod")
	igw := s.OfType(controls.TypeInternetGateway)[0]
	for _, nat := range s.OfType(controls.TypeNatGateway) {
		assert.Contains(t, nat.Dependencies, igw.URN, nat.Name)
	}
}

func TestVpcComponentOwnsItsResources(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		comps := s.OfType("giftcard:network:Vpc")
		require.Len(t, comps, 1)
		children := s.Children(comps[0].URN)
		types := map[string]int{}
		for _, c := range children {
			types[c.Type]++
			assert.Equal(t, comps[0].URN, c.Parent, c.Name)
		}
		subnets := len(s.OfType(controls.TypeSubnet))
		assert.Equal(t, subnets, types[controls.TypeSubnet])
		assert.Equal(t, subnets, types[controls.TypeRouteTable])
		assert.Equal(t, 1, types[controls.TypeVpc])
		assert.Equal(t, 2, types[controls.TypeNatGateway])
		assert.Equal(t, 2, types["aws:ec2/eip:Eip"])
	}
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
