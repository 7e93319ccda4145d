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
		Admin:        []netip.Prefix{netip.MustParsePrefix("203.0.113.0/28")},
		DBA:          []netip.Prefix{netip.MustParsePrefix("172.16.20.0/24")},
		OnPremDCs:    []netip.Prefix{netip.MustParsePrefix("172.16.10.0/28")},
		WorkloadVpcs: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/20"), netip.MustParsePrefix("10.30.0.0/18")},
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

// The DCs carry three groups (dc, dc-members, dc-on-prem): one holding every AD rule
// would pass the 60-rule quota.
func TestDomainControllersTakeADPortsFromMembersAndOnPremDCsOnly(t *testing.T) {
	rs := rules(t, true)
	bySource := map[string][]Ports{}
	for _, tier := range []Tier{DC, DCMembers, DCOnPrem} {
		for _, r := range of(rs, tier, Ingress) {
			src := string(tier) + " <- " + r.PeerLabel
			if r.Cidr.IsValid() {
				src += " " + r.Cidr.String()
			}
			bySource[src] = append(bySource[src], r.Ports)
		}
	}
	assert.Equal(t, []Ports{{Protocol: All}}, bySource["dc <- dc"], "DC to DC: all traffic")
	assert.ElementsMatch(t, append(append([]Ports{}, ADPorts...), Ports{TCP, 3389, 3389}), bySource["dc <- rd-gateway"])
	assert.ElementsMatch(t, ADPorts, bySource["dc <- mgmt-hosts"])
	assert.ElementsMatch(t, ADPorts, bySource["dc-members <- workload-vpcs 10.20.0.0/20"])
	assert.ElementsMatch(t, ADPorts, bySource["dc-members <- workload-vpcs 10.30.0.0/18"])
	assert.ElementsMatch(t, ADPorts, bySource["dc-on-prem <- on-prem-dcs 172.16.10.0/28"])
	// The Resolver outbound endpoint forwards the AD domain's queries: DNS only, from its
	// two fixed addresses in the mgmt VPC's first two directory subnets.
	plan, err := subnetplan.Carve(netip.MustParsePrefix("10.10.0.0/20"), subnetplan.MgmtTiers, 2)
	require.NoError(t, err)
	endpoint, err := subnetplan.ResolverEndpointIPs(plan)
	require.NoError(t, err)
	require.Len(t, endpoint, 2)
	for _, ip := range endpoint {
		assert.ElementsMatch(t, DNS, bySource["dc <- resolver-endpoint "+ip.String()+"/32"], "DNS from the Resolver endpoint at %s", ip)
	}
	assert.Len(t, bySource, 8, "no other source reaches a domain controller")
	assert.ElementsMatch(t, ADPorts, portsOf(of(rs, DCOnPrem, Egress)), "replication out to the on-premise DCs")
	for _, want := range []Ports{{TCP, 53, 53}, {UDP, 53, 53}, {UDP, 123, 123}, {TCP, 135, 135}, {UDP, 138, 138}, {TCP, 389, 389},
		{TCP, 445, 445}, {TCP, 464, 464}, {TCP, 636, 636}, {TCP, 3268, 3269}, {TCP, 5985, 5985}, {TCP, 9389, 9389}, {TCP, 49152, 65535}, {UDP, 49152, 65535}} {
		assert.Contains(t, ADPorts, want)
	}
	// the members' own egress narrows the peered VPCs to the app and data tiers
	for _, tier := range WorkloadTiers {
		n := 0
		for _, r := range of(rules(t, false), tier, Egress) {
			if r.Ports == (Ports{TCP, 88, 88}) {
				n++
				assert.Equal(t, "10.10.0.0/20", r.Cidr.String())
			}
		}
		if tier == App || tier == SQL {
			assert.Equal(t, 1, n, tier)
		} else {
			assert.Zero(t, n, "%s is not a domain member", tier)
		}
	}
}

func portsOf(rs []Rule) []Ports {
	var out []Ports
	for _, r := range rs {
		out = append(out, r.Ports)
	}
	return out
}

// At the config caps and three AZs every group stays under EC2's quota.
func TestEveryGroupFitsTheRuleQuotaAtTheConfigCaps(t *testing.T) {
	carve3 := func(cidr string, mgmt bool) []subnetplan.Subnet {
		plan, err := subnetplan.Carve(netip.MustParsePrefix(cidr), subnetplan.LayoutFor(mgmt), 3)
		require.NoError(t, err)
		return plan
	}
	many := func(base string, n int) []netip.Prefix {
		var out []netip.Prefix
		p := netip.MustParsePrefix(base)
		for i := 0; i < n; i++ {
			out = append(out, p)
			a := p.Addr().As4()
			a[2]++
			p = netip.PrefixFrom(netip.AddrFrom4(a), p.Bits())
		}
		return out
	}
	a := Addresses{
		Mgmt: carve3("10.10.0.0/20", true), Workloads: [][]subnetplan.Subnet{carve3("10.20.0.0/20", false), carve3("10.30.0.0/18", false)},
		MgmtVpc: netip.MustParsePrefix("10.10.0.0/20"), OnPrem: netip.MustParsePrefix("172.16.0.0/16"),
		Admin: many("203.0.0.0/28", 20), DBA: many("172.16.20.0/24", 20), OnPremDCs: many("172.16.100.0/28", 3),
		WorkloadVpcs: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/20"), netip.MustParsePrefix("10.30.0.0/18")},
	}
	listeners := []int{443, 8443, 9443, 10443, 11443, 12443, 13443, 14443, 15443, 16443}
	for _, mgmt := range []bool{false, true} {
		a.Own = a.Mgmt
		if !mgmt {
			a.Own = a.Workloads[1]
		}
		rs, err := Rules(Params{Tiers: TiersFor(mgmt), Ranges: a.Ranges(), ListenerPorts: listeners})
		require.NoError(t, err)
		count := map[string]int{}
		for _, r := range rs {
			count[string(r.Tier)+" "+string(r.Direction)]++
		}
		for k, n := range count {
			assert.LessOrEqual(t, n, MaxRulesPerGroup, k)
		}
	}
	_, err := Rules(Params{Tiers: WorkloadTiers, Ranges: a.Ranges(), ListenerPorts: append(listeners, 1, 2, 3, 4, 5, 6)})
	assert.ErrorContains(t, err, "more than 60 ingress rules")
}

func TestDescriptionsAreWhatEC2Accepts(t *testing.T) {
	for _, f := range Flows {
		assert.Regexp(t, DescriptionRE, f.Description)
	}
	assert.NotRegexp(t, DescriptionRE, "the firewall's address")
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
