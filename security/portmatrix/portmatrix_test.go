package portmatrix

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/network/subnetplan"
)

func carve(t *testing.T, cidr string, mgmt bool) []subnetplan.Subnet {
	t.Helper()
	plan, err := subnetplan.Carve(netip.MustParsePrefix(cidr), subnetplan.LayoutFor(mgmt), 2)
	require.NoError(t, err)
	return plan
}

func addresses(t *testing.T, own string, mgmt bool) Addresses {
	return Addresses{
		Own: carve(t, own, mgmt), Mgmt: carve(t, "10.10.0.0/20", true),
		Workloads: [][]subnetplan.Subnet{carve(t, "10.20.0.0/20", false), carve(t, "10.30.0.0/18", false)},
		MgmtVpc:   netip.MustParsePrefix("10.10.0.0/20"), OnPrem: netip.MustParsePrefix("172.16.0.0/16"),
		Admin:     []netip.Prefix{netip.MustParsePrefix("203.0.113.0/28")},
		DBA:       []netip.Prefix{netip.MustParsePrefix("172.16.20.0/24")},
		OnPremDCs: []netip.Prefix{netip.MustParsePrefix("172.16.10.0/28")},
	}
}

func rules(t *testing.T, mgmt bool) []Rule {
	t.Helper()
	own := "10.30.0.0/18"
	if mgmt {
		own = "10.10.0.0/20"
	}
	rs, err := Rules(Params{Tiers: TiersFor(mgmt), Ranges: addresses(t, own, mgmt).Ranges(), ListenerPorts: []int{443, 8443}})
	require.NoError(t, err)
	return rs
}

func of(rs []Rule, tier Tier, dir Direction) []Rule {
	var out []Rule
	for _, r := range rs {
		if r.Tier == tier && r.Direction == dir {
			out = append(out, r)
		}
	}
	return out
}

// The WSFC/HADR set exactly as the issue lists it.
func TestSQLClusterPortsAreTheIssuesSet(t *testing.T) {
	want := []Ports{
		{TCP, 135, 135}, {TCP, 445, 445}, {TCP, 1433, 1434}, {TCP, 3343, 3343}, {TCP, 5022, 5022}, {TCP, 5985, 5985}, {TCP, 49152, 65535},
		{UDP, 137, 137}, {UDP, 1434, 1434}, {UDP, 3343, 3343}, {UDP, 49152, 65535},
	}
	assert.Equal(t, want, SQLClusterPorts)
}

func TestSQLIngressIsClusterFromItselfAnd1433FromAppAndDBAOnly(t *testing.T) {
	in := of(rules(t, false), SQL, Ingress)
	var self []Ports
	for _, r := range in {
		switch {
		case r.PeerTier == SQL:
			self = append(self, r.Ports)
		case r.Ports == (Ports{TCP, 3389, 3389}):
			assert.Contains(t, []string{string(MgmtSubnets), string(OnPrem)}, r.PeerLabel, "RDP only from admin paths")
		default:
			assert.Equal(t, Ports{TCP, 1433, 1433}, r.Ports, r.Name())
			if r.PeerTier != "" {
				assert.Equal(t, App, r.PeerTier)
			} else {
				assert.Equal(t, "172.16.20.0/24", r.Cidr.String())
			}
		}
	}
	assert.ElementsMatch(t, SQLClusterPorts, self)
	// and the same set out to itself, nothing else between SQL nodes
	var selfOut []Ports
	for _, r := range of(rules(t, false), SQL, Egress) {
		if r.PeerTier == SQL {
			selfOut = append(selfOut, r.Ports)
		}
	}
	assert.ElementsMatch(t, SQLClusterPorts, selfOut)
}

func TestDomainControllersTakeADPortsFromMembersAndOnPremDCsOnly(t *testing.T) {
	rs := rules(t, true)
	bySource := map[string][]Ports{}
	for _, r := range of(rs, DC, Ingress) {
		src := r.PeerLabel
		if r.PeerTier == DC {
			assert.Equal(t, Ports{Protocol: All}, r.Ports, "DC to DC: all traffic")
			continue
		}
		if r.Ports == (Ports{TCP, 3389, 3389}) {
			assert.Equal(t, RDGateway, r.PeerTier)
			continue
		}
		bySource[src] = append(bySource[src], r.Ports)
	}
	assert.ElementsMatch(t, []string{string(RDGateway), string(MgmtHosts), string(MemberSubnets), string(OnPremDCs)}, keys(bySource))
	assert.ElementsMatch(t, ADPorts, bySource[string(RDGateway)])
	assert.ElementsMatch(t, ADPorts, bySource[string(OnPremDCs)])
	// member subnets: the app and data subnets of uat and prod, two AZs each
	assert.Len(t, bySource[string(MemberSubnets)], len(ADPorts)*8)
	for _, want := range []Ports{{TCP, 53, 53}, {UDP, 53, 53}, {UDP, 123, 123}, {TCP, 135, 135}, {UDP, 138, 138}, {TCP, 389, 389},
		{TCP, 445, 445}, {TCP, 464, 464}, {TCP, 636, 636}, {TCP, 3268, 3269}, {TCP, 5985, 5985}, {TCP, 9389, 9389}, {TCP, 49152, 65535}, {UDP, 49152, 65535}} {
		assert.Contains(t, ADPorts, want)
	}
}

func TestOnlyTheUntrustTierTakesTheInternetOnListenerPorts(t *testing.T) {
	for _, mgmt := range []bool{false, true} {
		for _, r := range rules(t, mgmt) {
			if r.Direction != Ingress || r.Cidr.String() != "0.0.0.0/0" {
				continue
			}
			assert.Equal(t, FwUntrust, r.Tier, r.Name())
			assert.Contains(t, []Ports{{TCP, 443, 443}, {TCP, 8443, 8443}}, r.Ports)
		}
	}
	var health []string
	for _, r := range of(rules(t, false), FwUntrust, Ingress) {
		if r.PeerLabel == string(EdgeSubnets) {
			health = append(health, r.Cidr.String()+" "+r.Ports.String())
		}
	}
	assert.Len(t, health, 4, "two edge subnets x two listener ports")
}

func TestAdminPathsAreNarrow(t *testing.T) {
	for _, r := range of(rules(t, false), FwMgmt, Ingress) {
		assert.Contains(t, []string{"10.10.0.0/20", "172.16.0.0/16"}, r.Cidr.String(), r.Name())
		assert.Contains(t, FwAdmin, r.Ports)
	}
	in := of(rules(t, true), RDGateway, Ingress)
	require.Len(t, in, 2)
	for _, r := range in {
		assert.Equal(t, "203.0.113.0/28", r.Cidr.String())
		assert.Contains(t, RDGatewayPorts, r.Ports)
	}
}

func TestNoTierLetsEverythingOutToTheInternet(t *testing.T) {
	for _, mgmt := range []bool{false, true} {
		rs := rules(t, mgmt)
		for _, tier := range TiersFor(mgmt) {
			assert.NotEmpty(t, append(of(rs, tier, Ingress), of(rs, tier, Egress)...), tier)
		}
		for _, r := range rs {
			assert.NotEmpty(t, r.Description, r.Name())
			if r.Direction == Egress && r.Cidr.String() == "0.0.0.0/0" {
				assert.Equal(t, Ports{TCP, 443, 443}, r.Ports, r.Name())
			}
		}
	}
}

func TestTierToTierFlowsAreGroupReferencesBothWays(t *testing.T) {
	rs := rules(t, false)
	in := of(rs, App, Ingress)
	out := of(rs, FwTrust, Egress)
	find := func(rs []Rule, peer Tier) bool {
		for _, r := range rs {
			if r.PeerTier == peer && r.Ports == (Ports{TCP, 443, 443}) {
				return true
			}
		}
		return false
	}
	assert.True(t, find(in, FwTrust))
	assert.True(t, find(out, App))
}

func TestUnresolvedRangeIsAnError(t *testing.T) {
	ranges := addresses(t, "10.30.0.0/18", false).Ranges()
	delete(ranges, DBAHosts)
	_, err := Rules(Params{Tiers: WorkloadTiers, Ranges: ranges, ListenerPorts: []int{443}})
	assert.ErrorContains(t, err, `range "dba-hosts"`)
}

func TestEveryRangeOfTheTableResolves(t *testing.T) {
	ranges := addresses(t, "10.30.0.0/18", false).Ranges()
	for _, f := range Flows {
		for _, p := range []Peer{f.From, f.To} {
			if p.Range != "" {
				_, ok := ranges[p.Range]
				assert.True(t, ok, p.Range)
			}
		}
	}
	assert.Len(t, ranges[DirectorySubnet], 2)
	assert.Len(t, ranges[FwMgmtSubnets], 4)
}

func TestHighRisk(t *testing.T) {
	assert.True(t, IsHighRisk(TCP, 3389, 3389))
	assert.True(t, IsHighRisk(TCP, 1000, 2000), "1433 inside the range")
	assert.True(t, IsHighRisk(All, 0, 0))
	assert.False(t, IsHighRisk(TCP, 443, 443))
	assert.False(t, IsHighRisk(ICMP, 22, 22), "ICMP has no ports")
}

func keys(m map[string][]Ports) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
