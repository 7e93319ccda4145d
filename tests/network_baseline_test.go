package tests

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/network/flows"
	"github.com/giftcard/platform-infra/network/subnetplan"
	"github.com/giftcard/platform-infra/offline"
)

// The address plan of the stack files (Pulumi.yaml defaults).
var (
	vpcCidrs  = map[string]netip.Prefix{"mgmt": pfx("10.10.0.0/20"), "uat": pfx("10.20.0.0/20"), "prod": pfx("10.30.0.0/18")}
	onPrem    = pfx("172.16.0.0/16")
	onPremDCs = []netip.Addr{netip.MustParseAddr("172.16.10.10"), netip.MustParseAddr("172.16.10.11")}
	// listenerPorts is the default publicListenerPorts (Pulumi.yaml).
	listenerPorts = []int{443}
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func roleOf(stack string) flows.Role { return flows.RoleOf(stack == "mgmt") }

func onlyVpc(t *testing.T, s *inventory.Stack) *inventory.Resource {
	t.Helper()
	vpcs := s.OfType(controls.TypeVpc)
	require.Len(t, vpcs, 1)
	return vpcs[0]
}

// addressesOf rebuilds the flow table's view of a planned stack from what it declares.
func addressesOf(t *testing.T, stack string, s *inventory.Stack) flows.Addresses {
	t.Helper()
	tiers := map[string][]netip.Prefix{}
	for _, sn := range s.OfType(controls.TypeSubnet) {
		tier := inventory.Tags(sn)["tier"]
		tiers[tier] = append(tiers[tier], pfx(inventory.String(sn, "cidrBlock")))
	}
	peers := []netip.Prefix{vpcCidrs["mgmt"]}
	if stack == "mgmt" {
		peers = []netip.Prefix{vpcCidrs["uat"], vpcCidrs["prod"]}
	}
	return flows.Addresses{Role: roleOf(stack), VPC: vpcCidrs[stack], Tiers: tiers, Peers: peers, OnPrem: onPrem, OnPremDCs: onPremDCs,
		ListenerPorts: listenerPorts}
}

type naclEntry struct {
	No                 int
	Protocol           string
	Cidr               string
	From, To           int
	IcmpType, IcmpCode int
}

func entriesOf(t *testing.T, acl *inventory.Resource, key string) []naclEntry {
	t.Helper()
	var out []naclEntry
	for _, raw := range inventory.List(acl.Inputs[key]) {
		m := raw.(map[string]any)
		assert.Equal(t, "allow", m["action"], "%s %s", acl.Name, key)
		e := naclEntry{No: int(m["ruleNo"].(float64)), Protocol: m["protocol"].(string), Cidr: m["cidrBlock"].(string), From: int(m["fromPort"].(float64)), To: int(m["toPort"].(float64))}
		if typ, ok := m["icmpType"].(float64); ok {
			e.IcmpType, e.IcmpCode = int(typ), int(m["icmpCode"].(float64))
		}
		out = append(out, e)
	}
	return out
}

func fromRules(rules []flows.Rule) []naclEntry {
	var out []naclEntry
	for _, r := range rules {
		out = append(out, naclEntry{r.Number, string(r.Protocol), r.CIDR.String(), r.FromPort, r.ToPort, r.IcmpType, r.IcmpCode})
	}
	return out
}

// The NACLs the program declares are exactly what the flow table derives: the declared
// flows and their ephemeral returns, both directions, nothing else.
func TestNaclsAllowExactlyTheDeclaredFlows(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		want, err := flows.NACLs(flows.Table, addressesOf(t, name, s))
		require.NoError(t, err)
		acls := s.OfType(controls.TypeNetworkAcl)
		require.Len(t, acls, len(subnetplan.LayoutFor(name == "mgmt")), name)
		for _, acl := range acls {
			tier := inventory.Tags(acl)["tier"]
			require.Contains(t, want, tier, "%s: NACL %s", name, acl.Name)
			assert.Equal(t, onlyVpc(t, s).ID, inventory.String(acl, "vpcId"))
			assert.Equal(t, fromRules(want[tier].Ingress), entriesOf(t, acl, "ingress"), "%s %s ingress", name, tier)
			assert.Equal(t, fromRules(want[tier].Egress), entriesOf(t, acl, "egress"), "%s %s egress", name, tier)
			assert.LessOrEqual(t, len(entriesOf(t, acl, "ingress")), flows.RuleQuota)
			assert.LessOrEqual(t, len(entriesOf(t, acl, "egress")), flows.RuleQuota)
		}
	}
}

// From 0.0.0.0/0 the NACLs admit only what a flow from the internet declares, the
// replies to flows to the internet (split around 3389), and never 22 or 3389.
func TestNothingElseFromTheInternet(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		for _, acl := range s.OfType(controls.TypeNetworkAcl) {
			tier := inventory.Tags(acl)["tier"]
			var declared []naclEntry
			for _, f := range flows.Table {
				if f.From == flows.Internet && (f.To == flows.Tier(roleOf(name), tier) || f.Via == tier && f.To.VPC == roleOf(name)) {
					if f.Icmp != nil {
						declared = append(declared, naclEntry{Protocol: string(f.Protocol), IcmpType: f.Icmp.Type, IcmpCode: f.Icmp.Code})
					}
					for _, p := range f.PortsWith(listenerPorts) {
						declared = append(declared, naclEntry{Protocol: string(f.Protocol), From: p.From, To: p.To})
					}
				}
			}
			for _, e := range entriesOf(t, acl, "ingress") {
				if e.Cidr != "0.0.0.0/0" {
					continue
				}
				assert.NotEqual(t, "-1", e.Protocol, "%s %s", name, tier)
				for _, port := range []int{22, 3389} {
					assert.False(t, e.From <= port && port <= e.To, "%s %s rule %d admits %d from anywhere", name, tier, e.No, port)
				}
				e.No, e.Cidr = 0, ""
				isReply := e.From >= 1024 && e.To == 3388 || e.From == 3390 && e.To == 65535
				assert.True(t, isReply || containsEntry(declared, e), "%s %s: %+v from anywhere is neither a declared flow nor a reply", name, tier, e)
			}
		}
	}
}

func containsEntry(list []naclEntry, e naclEntry) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}

func TestEverySubnetIsOnItsTiersNacl(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		for _, acl := range s.OfType(controls.TypeNetworkAcl) {
			var pmtud bool
			for _, e := range entriesOf(t, acl, "ingress") {
				pmtud = pmtud || e.Protocol == "1" && e.Cidr == "0.0.0.0/0" && e.IcmpType == 3 && e.IcmpCode == 4
			}
			assert.True(t, pmtud, "%s %s drops ICMP fragmentation-needed: path MTU discovery breaks over the VPN", name, acl.Name)
		}
		assocs := s.OfType(controls.TypeNetworkAclAssoc)
		require.Len(t, assocs, len(s.OfType(controls.TypeSubnet)), name)
		seen := map[string]bool{}
		for _, a := range assocs {
			sn, acl := s.ByID(inventory.String(a, "subnetId")), s.ByID(inventory.String(a, "networkAclId"))
			require.NotNil(t, sn)
			require.NotNil(t, acl)
			assert.False(t, seen[sn.ID], "%s: subnet %s associated twice", name, sn.Name)
			seen[sn.ID] = true
			assert.Equal(t, inventory.Tags(sn)["tier"], inventory.Tags(acl)["tier"], "%s: %s", name, sn.Name)
		}
	}
}

func TestDefaultSecurityGroupAndNaclAdoptedWithNoRules(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		sgs, nacls := s.OfType(controls.TypeDefaultSG), s.OfType(controls.TypeDefaultNacl)
		require.Len(t, sgs, 1, name)
		require.Len(t, nacls, 1, name)
		assert.Equal(t, onlyVpc(t, s).ID, inventory.String(sgs[0], "vpcId"))
		for _, r := range []*inventory.Resource{sgs[0], nacls[0]} {
			assert.Empty(t, inventory.List(r.Inputs["ingress"]), "%s %s", name, r.Name)
			assert.Empty(t, inventory.List(r.Inputs["egress"]), "%s %s", name, r.Name)
		}
		assert.True(t, strings.HasPrefix(inventory.String(nacls[0], "defaultNetworkAclId"), "acl-"), "adopts the VPC's default NACL")
		assert.Contains(t, nacls[0].IgnoreChanges, "subnetIds")
	}
}

func TestEachVpcHasItsFlowLogToAnEncryptedRetainedLogGroup(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		vpc := onlyVpc(t, s)
		logs := s.OfType(controls.TypeFlowLog)
		require.Len(t, logs, 1, name)
		fl := logs[0]
		assert.Equal(t, vpc.ID, inventory.String(fl, "vpcId"))
		assert.Equal(t, "ALL", inventory.String(fl, "trafficType"))
		assert.Equal(t, "cloud-watch-logs", inventory.String(fl, "logDestinationType"))

		group := s.Named("gc-"+name+"-flow-logs", controls.TypeLogGroup)
		require.NotNil(t, group)
		assert.Equal(t, fmt.Sprintf("arn:aws:logs:ap-south-1:%s:log-group:%s", offline.AccountID, inventory.String(group, "name")), inventory.String(fl, "logDestination"))
		assert.EqualValues(t, 365, group.Inputs["retentionInDays"])
		assert.True(t, group.Protect && group.RetainOnDelete, "audit logs are protected and retained")
		key := []*inventory.Resource{keyOf(t, s, name, "logs")} // the key ring's logs key
		require.Len(t, key, 1)
		assert.Equal(t, fmt.Sprintf("arn:aws:kms:ap-south-1:%s:key/%s", offline.AccountID, key[0].ID), inventory.String(group, "kmsKeyId"))

		role := s.Named("gc-"+name+"-flow-logs", "aws:iam/role:Role")
		require.NotNil(t, role)
		assert.Equal(t, "arn:aws:iam::"+offline.AccountID+":role/gc-"+name+"-flow-logs", inventory.String(fl, "iamRoleArn"))
		var trust struct {
			Statement []struct {
				Principal map[string]string
				Action    string
				Condition map[string]map[string]string
			}
		}
		require.NoError(t, json.Unmarshal([]byte(inventory.String(role, "assumeRolePolicy")), &trust))
		require.Len(t, trust.Statement, 1)
		st := trust.Statement[0]
		assert.Equal(t, map[string]string{"Service": "vpc-flow-logs.amazonaws.com"}, st.Principal)
		assert.Equal(t, offline.AccountID, st.Condition["StringEquals"]["aws:SourceAccount"])
		assert.Equal(t, "arn:aws:ec2:ap-south-1:"+offline.AccountID+":vpc-flow-log/*", st.Condition["ArnLike"]["aws:SourceArn"])

		policy := s.Named("gc-"+name+"-flow-logs", "aws:iam/rolePolicy:RolePolicy")
		require.NotNil(t, policy)
		assert.Contains(t, inventory.String(policy, "policy"), inventory.String(fl, "logDestination")+":log-stream:*")
		assert.NotContains(t, inventory.String(policy, "policy"), `"logs:*"`)
	}
}

func TestEachVpcHasItsEndpoints(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		vpc := onlyVpc(t, s)
		tierOfSubnet, tierOfRT := map[string]string{}, map[string]string{}
		for _, sn := range s.OfType(controls.TypeSubnet) {
			tierOfSubnet[sn.ID] = inventory.Tags(sn)["tier"]
		}
		var private []string
		for _, rt := range s.OfType(controls.TypeRouteTable) {
			tierOfRT[rt.ID] = inventory.Tags(rt)["tier"]
			if tierOfRT[rt.ID] != "edge" {
				private = append(private, rt.ID)
			}
		}
		sgs := s.OfType("aws:ec2/securityGroup:SecurityGroup")
		var endpointSG *inventory.Resource
		for _, sg := range sgs {
			if sg.Name == "gc-"+name+"-endpoints-sg" {
				endpointSG = sg
			}
		}
		require.NotNil(t, endpointSG)
		assert.Empty(t, inventory.List(endpointSG.Inputs["egress"]), "the endpoints SG opens nothing")
		var rules []*inventory.Resource
		for _, r := range s.OfType(controls.TypeSecurityGroupRule) {
			if inventory.String(r, "securityGroupId") == endpointSG.ID {
				rules = append(rules, r)
			}
		}
		require.Len(t, rules, 1, name)
		assert.Equal(t, "ingress", inventory.String(rules[0], "type"))
		assert.EqualValues(t, 443, rules[0].Inputs["fromPort"])
		assert.EqualValues(t, 443, rules[0].Inputs["toPort"])
		assert.Equal(t, []any{vpcCidrs[name].String()}, rules[0].Inputs["cidrBlocks"])
		assert.NotEmpty(t, inventory.String(rules[0], "description"))

		services := map[string]bool{}
		var s3 []*inventory.Resource
		for _, ep := range s.OfType(controls.TypeVpcEndpoint) {
			assert.Equal(t, vpc.ID, inventory.String(ep, "vpcId"))
			svc := strings.TrimPrefix(inventory.String(ep, "serviceName"), "com.amazonaws.ap-south-1.")
			if inventory.String(ep, "vpcEndpointType") == "Gateway" {
				s3 = append(s3, ep)
				continue
			}
			services[svc] = true
			assert.True(t, inventory.Bool(ep, "privateDnsEnabled"), "%s %s", name, svc)
			assert.Equal(t, []any{endpointSG.ID}, ep.Inputs["securityGroupIds"])
			subnets := inventory.List(ep.Inputs["subnetIds"])
			assert.Len(t, subnets, 2, "one ENI per AZ")
			for _, id := range subnets {
				assert.Equal(t, flows.EndpointsTier, tierOfSubnet[id.(string)], "%s %s", name, svc)
			}
		}
		assert.ElementsMatch(t, flows.InterfaceEndpointServices, inventory.SortedKeys(services), name)
		assert.Len(t, flows.InterfaceEndpointServices, 7)
		require.Len(t, s3, 1, name)
		assert.Equal(t, "com.amazonaws.ap-south-1.s3", inventory.String(s3[0], "serviceName"))
		var onS3 []string
		for _, id := range inventory.List(s3[0].Inputs["routeTableIds"]) {
			onS3 = append(onS3, id.(string))
		}
		assert.ElementsMatch(t, private, onS3, "%s: the S3 gateway is on every private route table and no public one", name)
	}
}

// Peering: created by uat and prod to mgmt, routes for the peer's CIDR in exactly the
// route tables of the tiers that talk across it, on both sides; never uat<->prod.
func TestPeeringRoutesBothWaysOnlyForAllowedPairs(t *testing.T) {
	all := planned(t)
	mgmt := stackOf(t, "mgmt")
	assert.Empty(t, mgmt.OfType(controls.TypePeering), "mgmt creates no peering")
	mgmtOut := all["mgmt"].Result.Outputs.Values
	mgmtVpcID := mgmtOut["vpcId"].(string)
	mgmtRTs := map[string]string{} // id -> tier
	for tier, ids := range mgmtOut["routeTableIds"].(map[string]any) {
		for _, id := range ids.([]any) {
			mgmtRTs[id.(string)] = tier
			require.NotNil(t, mgmt.ByID(id.(string)), "mgmt exports route table %s it does not declare", id)
		}
	}
	otherVpc := map[string]string{}
	for _, name := range []string{"uat", "prod"} {
		otherVpc[name] = onlyVpc(t, stackOf(t, name)).ID
	}
	for _, name := range []string{"uat", "prod"} {
		s := stackOf(t, name)
		vpc := onlyVpc(t, s)
		pcxs := s.OfType(controls.TypePeering)
		require.Len(t, pcxs, 1, name)
		pcx := pcxs[0]
		assert.Equal(t, vpc.ID, inventory.String(pcx, "vpcId"))
		assert.Equal(t, mgmtVpcID, inventory.String(pcx, "peerVpcId"), "%s peers with the mgmt VPC", name)
		for other, id := range otherVpc {
			if other != name {
				assert.NotEqual(t, id, inventory.String(pcx, "peerVpcId"), "uat and prod never peer")
			}
		}
		assert.True(t, inventory.Bool(pcx, "autoAccept"))
		for _, side := range []string{"requester", "accepter"} {
			assert.Equal(t, true, pcx.Inputs[side].(map[string]any)["allowRemoteVpcDnsResolution"], "%s %s", name, side)
		}
		assert.Empty(t, inventory.String(pcx, "peerOwnerId"))
		assert.Empty(t, inventory.String(pcx, "peerRegion"))

		localRTs := map[string]string{}
		for _, rt := range s.OfType(controls.TypeRouteTable) {
			localRTs[rt.ID] = inventory.Tags(rt)["tier"]
		}
		got := map[string]string{} // route table id -> destination
		for _, r := range s.OfType(controls.TypeRoute) {
			if inventory.String(r, "vpcPeeringConnectionId") == "" {
				continue
			}
			assert.Equal(t, pcx.ID, inventory.String(r, "vpcPeeringConnectionId"))
			got[inventory.String(r, "routeTableId")] = inventory.String(r, "destinationCidrBlock")
		}
		want := map[string]string{}
		for id, tier := range localRTs {
			if slices.Contains(flows.PeeredTiers(flows.Table, flows.WorkloadVPC), tier) {
				want[id] = vpcCidrs["mgmt"].String()
			}
		}
		for id, tier := range mgmtRTs {
			if slices.Contains(flows.PeeredTiers(flows.Table, flows.MgmtVPC), tier) {
				want[id] = vpcCidrs[name].String()
			}
		}
		assert.Equal(t, want, got, "%s: peering routes", name)
		assert.Len(t, want, 2*(3+2), "three workload tiers and two mgmt tiers, in two AZs each")
	}
}

func TestVpnInMgmtOnlyWithSecretKeysAndPropagationToTheTiersThatNeedIt(t *testing.T) {
	for _, name := range []string{"uat", "prod"} {
		s := stackOf(t, name)
		for _, typ := range []string{"aws:ec2/customerGateway:CustomerGateway", "aws:ec2/vpnGateway:VpnGateway", controls.TypeVpnConnection} {
			assert.Empty(t, s.OfType(typ), "%s declares %s", name, typ)
		}
	}
	s := stackOf(t, "mgmt")
	vpc := onlyVpc(t, s)
	cgws := s.OfType("aws:ec2/customerGateway:CustomerGateway")
	require.Len(t, cgws, 1)
	assert.Equal(t, "203.0.113.10", inventory.String(cgws[0], "ipAddress"))
	assert.Equal(t, "65010", inventory.String(cgws[0], "bgpAsn"))
	assert.Equal(t, "ipsec.1", inventory.String(cgws[0], "type"))
	vgws := s.OfType("aws:ec2/vpnGateway:VpnGateway")
	require.Len(t, vgws, 1)
	assert.Equal(t, vpc.ID, inventory.String(vgws[0], "vpcId"))
	assert.Equal(t, "64512", inventory.String(vgws[0], "amazonSideAsn"))
	vpns := s.OfType(controls.TypeVpnConnection)
	require.Len(t, vpns, 1)
	v := vpns[0]
	assert.Equal(t, cgws[0].ID, inventory.String(v, "customerGatewayId"))
	assert.Equal(t, vgws[0].ID, inventory.String(v, "vpnGatewayId"))
	assert.False(t, inventory.Bool(v, "staticRoutesOnly"), "BGP")
	for _, tunnel := range []string{"tunnel1", "tunnel2"} {
		assert.Equal(t, inventory.Secret, v.Inputs[tunnel+"PresharedKey"], tunnel)
		assert.Equal(t, []any{"ikev2"}, v.Inputs[tunnel+"IkeVersions"], tunnel)
	}

	var want, got []string
	for _, rt := range s.OfType(controls.TypeRouteTable) {
		if slices.Contains(flows.OnPremTiers(flows.Table, flows.MgmtVPC), inventory.Tags(rt)["tier"]) {
			want = append(want, rt.ID)
		}
	}
	for _, p := range s.OfType("aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation") {
		assert.Equal(t, vgws[0].ID, inventory.String(p, "vpnGatewayId"))
		got = append(got, inventory.String(p, "routeTableId"))
	}
	sort.Strings(want)
	sort.Strings(got)
	assert.Equal(t, want, got, "on-premise routes reach the directory and mgmt tiers only")
	assert.Len(t, got, 4)
}

// The tunnel keys a stack file holds never reach the recorded inputs in the clear.
func TestVpnTunnelKeysAreSecretInTheInputs(t *testing.T) {
	psk1, psk2 := "Known.Tunnel1_Key", "Known.Tunnel2_Key"
	resources, err := runRaw(t, "mgmt", map[string]string{key("vpnTunnel1PreSharedKey"): psk1, key("vpnTunnel2PreSharedKey"): psk2})
	require.NoError(t, err)
	raw, err := json.Marshal(resources)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), psk1)
	assert.NotContains(t, string(raw), psk2)
	var found bool
	for _, r := range resources {
		if r.Type == controls.TypeVpnConnection {
			found = true
			assert.Equal(t, inventory.Secret, r.Inputs["tunnel1PresharedKey"])
		}
	}
	assert.True(t, found)
}

func TestMgmtWithoutTunnelKeysFailsBeforeAnyResource(t *testing.T) {
	resources, err := runRaw(t, "mgmt", map[string]string{key("vpnTunnel1PreSharedKey"): ""})
	require.ErrorContains(t, err, "vpnTunnel1PreSharedKey")
	for _, r := range resources {
		assert.False(t, inventory.IsAWS(r), "%s declared before validation failed", r.Name)
	}
}

func TestPrivateZoneAndResolverRuleAssociatedWithEveryVpc(t *testing.T) {
	all := planned(t)
	mgmt := stackOf(t, "mgmt")
	out := all["mgmt"].Result.Outputs.Values

	zones := mgmt.OfType("aws:route53/zone:Zone")
	require.Len(t, zones, 2)
	var public, private *inventory.Resource
	for _, z := range zones {
		if inventory.List(z.Inputs["vpcs"]) == nil {
			public = z
		} else {
			private = z
		}
	}
	require.NotNil(t, public)
	require.NotNil(t, private)
	assert.Equal(t, "giftcard.example.in", inventory.String(public, "name"))
	assert.True(t, public.Protect, "losing the public zone loses the delegation")
	assert.Equal(t, "svc.giftcard.example.in", inventory.String(private, "name"))
	assert.Equal(t, []any{map[string]any{"vpcId": onlyVpc(t, mgmt).ID}}, private.Inputs["vpcs"])
	assert.Contains(t, private.IgnoreChanges, "vpcs", "uat and prod add associations the zone must not remove")
	assert.Equal(t, private.ID, out["privateZoneId"])
	assert.Len(t, out["publicZoneNameServers"], 4)

	rules := mgmt.OfType("aws:route53/resolverRule:ResolverRule")
	require.Len(t, rules, 1)
	rule := rules[0]
	assert.Equal(t, rule.ID, out["resolverRuleId"])
	assert.Equal(t, "FORWARD", inventory.String(rule, "ruleType"))
	assert.Equal(t, "corp.giftcard.example.in", inventory.String(rule, "domainName"))
	// Registration order is concurrent; the plan is in AZ order.
	var mgmtPlan []subnetplan.Subnet
	for _, sn := range mgmt.OfType(controls.TypeSubnet) {
		if inventory.Tags(sn)["tier"] == subnetplan.DirectoryTier {
			az := inventory.String(sn, "availabilityZone")
			mgmtPlan = append(mgmtPlan, subnetplan.Subnet{Tier: subnetplan.Tier{Name: subnetplan.DirectoryTier},
				AZIndex: int(az[len(az)-1] - 'a'), CIDR: pfx(inventory.String(sn, "cidrBlock"))})
		}
	}
	sort.Slice(mgmtPlan, func(i, j int) bool { return mgmtPlan[i].AZIndex < mgmtPlan[j].AZIndex })
	dcs, err := subnetplan.DomainControllerIPs(mgmtPlan)
	require.NoError(t, err)
	var targets []any
	for _, ip := range dcs {
		targets = append(targets, map[string]any{"ip": ip.String(), "port": 53.0})
	}
	assert.Equal(t, targets, rule.Inputs["targetIps"])
	assert.Equal(t, []any{dcs[0].String(), dcs[1].String()}, out["domainControllerIps"])

	ep := mgmt.ByID(inventory.String(rule, "resolverEndpointId"))
	require.NotNil(t, ep)
	assert.Equal(t, "OUTBOUND", inventory.String(ep, "direction"))
	azs := map[string]bool{}
	for _, ip := range inventory.List(ep.Inputs["ipAddresses"]) {
		sn := mgmt.ByID(ip.(map[string]any)["subnetId"].(string))
		require.NotNil(t, sn)
		assert.Equal(t, subnetplan.DirectoryTier, inventory.Tags(sn)["tier"])
		azs[inventory.String(sn, "availabilityZone")] = true
	}
	assert.Len(t, azs, 2, "the Resolver endpoint spans two AZs")
	sg := mgmt.ByID(inventory.List(ep.Inputs["securityGroupIds"])[0].(string))
	require.NotNil(t, sg)
	for _, r := range mgmt.OfType(controls.TypeSecurityGroupRule) {
		if inventory.String(r, "securityGroupId") == sg.ID {
			assert.Equal(t, "egress", inventory.String(r, "type"))
			assert.EqualValues(t, 53, r.Inputs["fromPort"])
			assert.Equal(t, []any{dcs[0].String() + "/32", dcs[1].String() + "/32"}, r.Inputs["cidrBlocks"])
		}
	}

	associatedRule, associatedZone := map[string]string{}, map[string]string{"mgmt": onlyVpc(t, mgmt).ID}
	for _, name := range stacks {
		s := stackOf(t, name)
		vpc := onlyVpc(t, s)
		assocs := s.OfType("aws:route53/resolverRuleAssociation:ResolverRuleAssociation")
		require.Len(t, assocs, 1, name)
		assert.Equal(t, rule.ID, inventory.String(assocs[0], "resolverRuleId"), name)
		associatedRule[name] = inventory.String(assocs[0], "vpcId")
		assert.Equal(t, vpc.ID, associatedRule[name])
		if name == "mgmt" {
			continue
		}
		za := s.OfType("aws:route53/zoneAssociation:ZoneAssociation")
		require.Len(t, za, 1, name)
		assert.Equal(t, private.ID, inventory.String(za[0], "zoneId"))
		associatedZone[name] = inventory.String(za[0], "vpcId")
		assert.Equal(t, vpc.ID, associatedZone[name])
		assert.Empty(t, s.OfType("aws:route53/zone:Zone"), "%s owns no zone", name)
		assert.Empty(t, s.OfType("aws:route53/resolverRule:ResolverRule"), "%s owns no rule", name)
	}
	assert.Len(t, associatedRule, 3)
	assert.Len(t, associatedZone, 3)
}

func TestEachVpcHasDhcpOptionsAndQueryLogging(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		vpc := onlyVpc(t, s)
		opts := s.OfType("aws:ec2/vpcDhcpOptions:VpcDhcpOptions")
		require.Len(t, opts, 1, name)
		o := opts[0]
		assert.Equal(t, "corp.giftcard.example.in", inventory.String(o, "domainName"))
		assert.Equal(t, []any{"AmazonProvidedDNS"}, o.Inputs["domainNameServers"])
		assert.Equal(t, []any{"169.254.169.123"}, o.Inputs["ntpServers"])
		assoc := s.OfType("aws:ec2/vpcDhcpOptionsAssociation:VpcDhcpOptionsAssociation")
		require.Len(t, assoc, 1, name)
		assert.Equal(t, o.ID, inventory.String(assoc[0], "dhcpOptionsId"))
		assert.Equal(t, vpc.ID, inventory.String(assoc[0], "vpcId"))

		qlc := s.OfType("aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig")
		require.Len(t, qlc, 1, name)
		group := s.Named("gc-"+name+"-dns-query-logs", controls.TypeLogGroup)
		require.NotNil(t, group)
		assert.True(t, strings.HasSuffix(inventory.String(qlc[0], "destinationArn"), ":log-group:"+inventory.String(group, "name")))
		assert.NotEmpty(t, inventory.String(group, "kmsKeyId"))
		qla := s.OfType("aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation")
		require.Len(t, qla, 1, name)
		assert.Equal(t, qlc[0].ID, inventory.String(qla[0], "resolverQueryLogConfigId"))
		assert.Equal(t, vpc.ID, inventory.String(qla[0], "resourceId"))
	}
}

// Three AZs: every NACL stays inside AWS's rule quota, the Resolver keeps two ENIs and
// the rule two DCs, and peering routes follow mgmt's AZs.
func TestThreeAZsStayInsideTheQuotas(t *testing.T) {
	three := map[string]string{key("azCount"): "3"}
	out, err := planWith(t, "prod", map[string]map[string]string{"mgmt": three, "prod": three})
	require.NoError(t, err)
	for _, name := range []string{"mgmt", "prod"} {
		s := out[name].Result.Inventory
		for _, acl := range s.OfType(controls.TypeNetworkAcl) {
			assert.LessOrEqual(t, len(inventory.List(acl.Inputs["ingress"])), flows.RuleQuota, "%s %s", name, acl.Name)
			assert.LessOrEqual(t, len(inventory.List(acl.Inputs["egress"])), flows.RuleQuota, "%s %s", name, acl.Name)
		}
		for _, r := range out[name].Document.Controls {
			assert.NotEqual(t, "fail", string(r.Status), "%s %s: %v", name, r.ID, r.Failures)
		}
	}
	rule := out["mgmt"].Result.Inventory.OfType("aws:route53/resolverRule:ResolverRule")[0]
	assert.Len(t, inventory.List(rule.Inputs["targetIps"]), subnetplan.DomainControllerCount)
	var mgmtSide int
	for _, r := range out["prod"].Result.Inventory.OfType(controls.TypeRoute) {
		if strings.HasPrefix(r.Name, "gc-prod-mgmt-") && inventory.String(r, "vpcPeeringConnectionId") != "" {
			mgmtSide++
		}
	}
	assert.Equal(t, 2*3, mgmtSide, "directory and mgmt tiers in three AZs")
}

// A tunnel key written into the stack file in plain text fails the run before any
// resource: it would sit unencrypted in the file and in the state.
func TestPlainTunnelKeyInTheStackFileFailsTheRun(t *testing.T) {
	dir := copyProject(t)
	path := dir + "/Pulumi.mgmt.yaml"
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	edited := strings.Replace(string(raw), "secure: REPLACE-WITH-pulumi-config-set-secret-vpnTunnel2PreSharedKey", "Plain.Text_Key2", 1)
	require.NotEqual(t, string(raw), edited)
	require.NoError(t, os.WriteFile(path, []byte(edited), 0o644))
	chain, err := offline.NewChain(dir)
	require.NoError(t, err)
	planned, err := chain.Plan("mgmt")
	require.ErrorContains(t, err, "pulumi config set --secret vpnTunnel2PreSharedKey")
	assert.NotContains(t, err.Error(), "Plain.Text_Key2")
	assert.Empty(t, planned)
}
