package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/network/subnetplan"
)

// The Resolver endpoint exists before the domain controllers; an address EC2 picks for it
// could be a DC's fixed address, which the DC instance could then never take.
func TestResolverEndpointTakesFixedAddressesThatAreNotTheDCs(t *testing.T) {
	mgmt := stackOf(t, "mgmt")
	eps := mgmt.OfType("aws:route53/resolverEndpoint:ResolverEndpoint")
	require.Len(t, eps, 1)
	dcs := map[string]bool{}
	for _, ip := range inventory.List(mgmt.Outputs["domainControllerIps"]) {
		dcs[ip.(string)] = true
	}
	require.Len(t, dcs, subnetplan.DomainControllerCount)
	ips := inventory.List(eps[0].Inputs["ipAddresses"])
	require.Len(t, ips, 2)
	for _, raw := range ips {
		m := raw.(map[string]any)
		sn := mgmt.ByID(m["subnetId"].(string))
		require.NotNil(t, sn)
		ip, _ := m["ip"].(string)
		require.NotEmpty(t, ip, "the endpoint address in %s is left to EC2", sn.Name)
		want := subnetplan.ResolverEndpointIP(pfx(inventory.String(sn, "cidrBlock"))).String()
		assert.Equal(t, want, ip, sn.Name)
		assert.False(t, dcs[ip], "the Resolver endpoint takes DC address %s", ip)
	}
}
