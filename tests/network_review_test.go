package tests

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/estate"
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/network/subnetplan"
	"github.com/giftcard/platform-infra/offline"
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

// The flow log names only the role's ARN; the role's permissions are a separate
// RolePolicy, which must exist before the flow log starts delivering.
func TestFlowLogWaitsForItsRolesPermissions(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		logs := s.OfType(controls.TypeFlowLog)
		require.Len(t, logs, 1, name)
		policy := s.Named("gc-"+name+"-flow-logs", "aws:iam/rolePolicy:RolePolicy")
		require.NotNil(t, policy, name)
		assert.Contains(t, logs[0].Dependencies, policy.URN, "%s: the flow log does not wait for its role's policy", name)
	}
}

// A workload stack whose mgmtVpcCidr disagrees with what mgmt reports fails before it
// declares anything: its NACLs and peering routes would be built for the wrong range.
func TestMgmtCidrMismatchFailsBeforeAnyResource(t *testing.T) {
	up, err := planWith(t, "mgmt", map[string]map[string]string{"mgmt": {key("mgmtVpcCidr"): "10.11.0.0/20"}})
	require.NoError(t, err)
	chain, err := offline.NewChain(projectDir)
	require.NoError(t, err)
	sc, err := chain.Config("uat")
	require.NoError(t, err)
	mon := offline.NewMonitor(chain.Project.Name, "uat", sc.Values["aws:region"], map[string]*offline.Outputs{"mgmt": up["mgmt"].Result.Outputs})
	err = pulumi.RunErr(estate.Run, pulumi.WithMocks(chain.Project.Name, "uat", mon), func(ri *pulumi.RunInfo) {
		ri.Config = sc.Values
		ri.ConfigSecretKeys = sc.Secrets
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `reports its VPC CIDR as "10.11.0.0/20"`)
	for _, r := range mon.Resources() {
		assert.False(t, inventory.IsAWS(r), "%s declared before the address plan was checked", r.Name)
	}
}

// Replacing the VPN gateway or connection gives the tunnels new AWS outside addresses,
// which the on-premise device is configured with.
func TestVpnGatewayAndConnectionAreProtected(t *testing.T) {
	s := stackOf(t, "mgmt")
	for _, typ := range []string{"aws:ec2/vpnGateway:VpnGateway", controls.TypeVpnConnection} {
		rs := s.OfType(typ)
		require.Len(t, rs, 1, typ)
		assert.True(t, rs[0].Protect, "%s is not protected", rs[0].Name)
	}
}
