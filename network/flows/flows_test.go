package flows

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/network/subnetplan"
)

var (
	mgmtCidr  = netip.MustParsePrefix("10.10.0.0/20")
	uatCidr   = netip.MustParsePrefix("10.20.0.0/20")
	prodCidr  = netip.MustParsePrefix("10.30.0.0/18")
	onPrem    = netip.MustParsePrefix("172.16.0.0/16")
	onPremDCs = []netip.Addr{netip.MustParseAddr("172.16.1.10"), netip.MustParseAddr("172.16.2.10")}
)

func addresses(t *testing.T, role Role, azs int) (Addresses, []subnetplan.Subnet) {
	t.Helper()
	vpc, peers := prodCidr, []netip.Prefix{mgmtCidr}
	if role == MgmtVPC {
		vpc, peers = mgmtCidr, []netip.Prefix{uatCidr, prodCidr}
	}
	plan, err := subnetplan.Carve(vpc, subnetplan.LayoutFor(role == MgmtVPC), azs)
	require.NoError(t, err)
	return Addresses{Role: role, VPC: vpc, Tiers: TierCIDRs(plan), Peers: peers, OnPrem: onPrem, OnPremDCs: onPremDCs,
		ListenerPorts: []int{443, 8443}}, plan
}

func acls(t *testing.T, role Role, azs int) (map[string]ACL, Addresses) {
	t.Helper()
	a, _ := addresses(t, role, azs)
	out, err := NACLs(Table, a)
	require.NoError(t, err)
	return out, a
}

func first(a Addresses, tier string) netip.Addr {
	return a.Tiers[tier][0].Addr().Next().Next().Next().Next()
}
func last(a Addresses, tier string) netip.Addr {
	return a.Tiers[tier][len(a.Tiers[tier])-1].Addr().Next().Next().Next().Next()
}

var internetHost = netip.MustParseAddr("198.51.100.7")

func TestEveryTierGetsAnAclWithinTheRuleQuota(t *testing.T) {
	for _, role := range []Role{MgmtVPC, WorkloadVPC} {
		for _, azs := range []int{2, 3} {
			out, a := acls(t, role, azs)
			require.Len(t, out, len(a.Tiers))
			for tier, acl := range out {
				assert.NotEmpty(t, acl.Ingress, "%s/%s", role, tier)
				assert.LessOrEqual(t, len(acl.Ingress), RuleQuota, "%s/%s ingress with %d AZs", role, tier, azs)
				assert.LessOrEqual(t, len(acl.Egress), RuleQuota, "%s/%s egress with %d AZs", role, tier, azs)
				for i, r := range append(acl.Ingress, acl.Egress...) {
					assert.Positive(t, r.Number)
					if r.Protocol == All {
						assert.Zero(t, r.FromPort+r.ToPort, "protocol -1 takes ports 0-0")
					}
					_ = i
				}
			}
		}
	}
}

func TestNoRuleFromAnywhereCoversAnAdminPort(t *testing.T) {
	for _, role := range []Role{MgmtVPC, WorkloadVPC} {
		out, _ := acls(t, role, 3)
		for tier, acl := range out {
			for _, r := range acl.Ingress {
				if r.CIDR.Bits() != 0 {
					continue
				}
				assert.NotEqual(t, All, r.Protocol, "%s/%s", role, tier)
				for _, port := range []int{22, 3389} {
					assert.False(t, r.FromPort <= port && port <= r.ToPort, "%s/%s rule %d admits %d from anywhere", role, tier, r.Number, port)
				}
			}
		}
	}
}

func TestEphemeralReturnFromTheInternetIsSplitAround3389(t *testing.T) {
	out, _ := acls(t, WorkloadVPC, 2)
	var ranges [][2]int
	for _, r := range out["app"].Ingress {
		if r.CIDR.Bits() == 0 && r.Protocol == TCP {
			ranges = append(ranges, [2]int{r.FromPort, r.ToPort})
		}
	}
	assert.Equal(t, [][2]int{{1024, 3388}, {3390, 65535}}, ranges)
}

func TestDeclaredAdminPortFromTheInternetIsRefused(t *testing.T) {
	a, _ := addresses(t, WorkloadVPC, 2)
	_, err := NACLs([]Flow{{From: Internet, To: Tier(WorkloadVPC, "app"), Protocol: TCP, Ports: []PortRange{{3000, 4000}}}}, a)
	require.ErrorContains(t, err, "3389")
	_, err = NACLs([]Flow{{From: Internet, To: Tier(WorkloadVPC, "edge"), Protocol: UDP, Ports: []PortRange{P(22)}}}, a)
	require.ErrorContains(t, err, "CIS AWS 5.2")
	_, err = NACLs([]Flow{{From: Internet, To: Tier(WorkloadVPC, "edge"), Protocol: All}}, a)
	require.ErrorContains(t, err, "every protocol")
}

// Every declared flow passes every NACL on its path, both the request and the reply.
func TestEveryFlowPassesBothWaysOnItsPath(t *testing.T) {
	for _, role := range []Role{MgmtVPC, WorkloadVPC} {
		out, a := acls(t, role, 3)
		host := func(p Place) netip.Addr {
			switch p.Kind {
			case InternetAny:
				return internetHost
			case OnPremNet:
				return netip.MustParseAddr("172.16.200.1")
			case OnPremDCs:
				return onPremDCs[1]
			}
			if p.VPC == role {
				return last(a, p.Tier)
			}
			return a.Peers[len(a.Peers)-1].Addr().Next()
		}
		for _, f := range Table {
			if f.Protocol == ICMP {
				if f.To.Kind == TierPlace && f.To.VPC == role {
					assert.True(t, out[f.To.Tier].AllowsIcmp(false, host(f.From), *f.Icmp), "%s: %s", f.To, f.Why)
					assert.False(t, out[f.To.Tier].AllowsIcmp(false, host(f.From), Icmp{8, 0}), "%s: only the declared ICMP message", f.To)
				}
				continue
			}
			port, reply := 0, 50000
			switch {
			case f.PublicListeners:
				port = a.ListenerPorts[len(a.ListenerPorts)-1]
			case f.Protocol != All:
				port = f.Ports[len(f.Ports)-1].To
			}
			if f.ClientPorts != nil {
				reply = f.ClientPorts.From
			}
			src, dst := host(f.From), host(f.To)
			check := func(tier string, egress bool, peer netip.Addr, p int, what string) {
				assert.True(t, out[tier].Allows(egress, peer, f.Protocol, p), "%s VPC, tier %s: %s of %s -> %s (%s)", role, tier, what, f.From, f.To, f.Why)
			}
			if f.From.Kind == TierPlace && f.From.VPC == role {
				check(f.From.Tier, true, dst, port, "request out")
				check(f.From.Tier, false, dst, reply, "reply in")
			}
			if f.To.Kind == TierPlace && f.To.VPC == role {
				check(f.To.Tier, false, src, port, "request in")
				check(f.To.Tier, true, src, reply, "reply out")
			}
			if f.Via != "" && (f.From.VPC == role || f.To.VPC == role) {
				check(f.Via, false, src, port, "request in (transit)")
				check(f.Via, true, dst, port, "request out (transit)")
				check(f.Via, false, dst, reply, "reply in (transit)")
				check(f.Via, true, src, reply, "reply out (transit)")
			}
		}
	}
}

// What no flow declares is denied.
func TestUndeclaredTrafficIsDenied(t *testing.T) {
	wl, a := acls(t, WorkloadVPC, 2)
	mg, m := acls(t, MgmtVPC, 2)
	cases := []struct {
		acl    ACL
		egress bool
		peer   netip.Addr
		proto  Protocol
		port   int
		what   string
	}{
		// Stateless NACLs must admit replies from the internet (through the NAT gateways) on
		// the ephemeral ports from anywhere, so the denials a NACL can make are below 1024.
		{wl["data"], false, first(a, "edge"), TCP, 445, "edge cannot reach the SQL nodes"},
		{wl["data"], false, first(a, "fw-trust"), TCP, 135, "the firewall trust side cannot reach the SQL nodes"},
		{wl["app"], false, first(a, "edge"), TCP, 443, "edge cannot bypass the firewall to the app tier"},
		{wl["app"], false, internetHost, TCP, 443, "the internet cannot reach the app tier directly"},
		{wl["app"], false, internetHost, TCP, 3389, "no RDP from the internet"},
		{wl["edge"], false, internetHost, TCP, 22, "no SSH from the internet"},
		{wl["edge"], false, internetHost, TCP, 3389, "no RDP from the internet"},
		{wl["fw-trust"], true, internetHost, TCP, 443, "the trust side has no internet path"},
		{wl["app"], false, onPremDCs[0], TCP, 3389, "on-premise is not reachable from a workload VPC"},
		{wl["endpoints"], false, first(a, "edge"), TCP, 443, "the edge tier does not use the endpoints"},
		{wl["endpoints"], false, internetHost, TCP, 443, "endpoints serve the VPC only"},
		{mg["directory"], false, internetHost, TCP, 389, "no LDAP from the internet"},
		{mg["edge"], false, onPremDCs[0], TCP, 3389, "on-premise reaches the mgmt and directory tiers only"},
		{mg["endpoints"], false, onPrem.Addr().Next(), TCP, 443, "on-premise does not use the endpoints"},
		{mg["mgmt"], false, first(m, "edge"), TCP, 445, "edge cannot reach the management hosts' SMB"},
		{mg["mgmt"], false, internetHost, TCP, 3389, "the RD gateway takes 443 and UDP 3391, never 3389 from the internet"},
	}
	for _, tc := range cases {
		assert.False(t, tc.acl.Allows(tc.egress, tc.peer, tc.proto, tc.port), tc.what)
	}
}

func TestRoutesDerivedFromTheFlows(t *testing.T) {
	assert.Equal(t, []string{"app", "data", "fw-mgmt"}, PeeredTiers(Table, WorkloadVPC))
	assert.Equal(t, []string{"directory", "mgmt"}, PeeredTiers(Table, MgmtVPC))
	assert.Equal(t, []string{"directory", "mgmt"}, OnPremTiers(Table, MgmtVPC))
	assert.Empty(t, OnPremTiers(Table, WorkloadVPC), "peering is not transitive: no workload tier routes to on-premise")
}

func TestMergeJoinsAdjacentRangesAndAllProtocolsWins(t *testing.T) {
	a, _ := addresses(t, WorkloadVPC, 2)
	app := Tier(WorkloadVPC, "app")
	out, err := NACLs([]Flow{
		{From: Tier(WorkloadVPC, "data"), To: app, Protocol: TCP, Ports: []PortRange{{100, 200}, {201, 300}, {250, 260}}},
		{From: Tier(WorkloadVPC, "edge"), To: app, Protocol: TCP, Ports: []PortRange{P(443)}},
		{From: Tier(WorkloadVPC, "edge"), To: app, Protocol: All},
	}, a)
	require.NoError(t, err)
	var fromData, fromEdge []Rule
	for _, r := range out["app"].Ingress {
		switch {
		case a.Tiers["data"][0] == r.CIDR:
			fromData = append(fromData, r)
		case a.Tiers["edge"][0] == r.CIDR:
			fromEdge = append(fromEdge, r)
		}
	}
	require.Len(t, fromData, 1)
	assert.Equal(t, [2]int{100, 300}, [2]int{fromData[0].FromPort, fromData[0].ToPort})
	require.Len(t, fromEdge, 1)
	assert.Equal(t, All, fromEdge[0].Protocol)
}

func TestNtpRepliesReturnToPort123(t *testing.T) {
	a, _ := addresses(t, WorkloadVPC, 2)
	ntp := PortRange{123, 123}
	out, err := NACLs([]Flow{{From: Tier(WorkloadVPC, "app"), To: Internet, Via: "edge", Protocol: UDP, Ports: []PortRange{ntp}, ClientPorts: &ntp}}, a)
	require.NoError(t, err)
	assert.True(t, out["app"].Allows(false, internetHost, UDP, 123))
	assert.False(t, out["app"].Allows(false, internetHost, UDP, 50000))
}

func TestIcmpFlowsHaveNoRepliesAndNeedAType(t *testing.T) {
	a, _ := addresses(t, MgmtVPC, 2)
	out, err := NACLs([]Flow{{From: OnPremise, To: Tier(MgmtVPC, "mgmt"), Protocol: ICMP, Icmp: &FragmentationNeeded}}, a)
	require.NoError(t, err)
	require.Len(t, out["mgmt"].Ingress, 1)
	assert.Empty(t, out["mgmt"].Egress)
	r := out["mgmt"].Ingress[0]
	assert.Equal(t, [4]int{3, 4, 0, 0}, [4]int{r.IcmpType, r.IcmpCode, r.FromPort, r.ToPort})
	_, err = NACLs([]Flow{{From: OnPremise, To: Tier(MgmtVPC, "mgmt"), Protocol: ICMP}}, a)
	require.ErrorContains(t, err, "names no ICMP type")
}

// The internet reaches the edge tier on exactly the configured listener ports.
func TestEdgeAdmitsTheInternetOnTheListenerPortsOnly(t *testing.T) {
	out, _ := acls(t, WorkloadVPC, 2)
	for _, p := range []int{443, 8443} {
		assert.True(t, out["edge"].Allows(false, internetHost, TCP, p), "listener %d", p)
	}
	for _, p := range []int{22, 80, 1023} { // below the ephemeral range: only listeners
		assert.False(t, out["edge"].Allows(false, internetHost, TCP, p), "port %d is no listener", p)
	}

	a, _ := addresses(t, WorkloadVPC, 2)
	a.ListenerPorts = nil
	_, err := NACLs(Table, a)
	require.ErrorContains(t, err, "no public listener ports")
	m, _ := addresses(t, MgmtVPC, 2)
	m.ListenerPorts = nil
	_, err = NACLs(Table, m)
	require.NoError(t, err, "the mgmt VPC serves no public listener")
}
