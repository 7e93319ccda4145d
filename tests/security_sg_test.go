package tests

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/security"
	"github.com/giftcard/platform-infra/security/portmatrix"
)

// rule is a planned rule resource in comparable form.
type rule struct {
	proto    string
	from, to int
	peer     string // CIDR, or the tier of the referenced group
}

func (r rule) String() string { return fmt.Sprintf("%s %d-%d %s", r.proto, r.from, r.to, r.peer) }

func groupsByID(s *inventory.Stack) map[string]string {
	out := map[string]string{}
	for _, sg := range s.OfType(controls.TypeSecurityGroup) {
		out[sg.ID] = inventory.Tags(sg)["tier"]
	}
	return out
}

func rulesOf(t *testing.T, s *inventory.Stack, tier string, typ string) []rule {
	t.Helper()
	tiers := groupsByID(s)
	var out []rule
	for _, r := range s.OfType(typ) {
		if tiers[inventory.String(r, "securityGroupId")] != tier {
			continue
		}
		peer := inventory.String(r, "cidrIpv4")
		if peer == "" {
			peer = tiers[inventory.String(r, "referencedSecurityGroupId")]
			require.NotEmpty(t, peer, r.Name)
		}
		out = append(out, rule{inventory.String(r, "ipProtocol"), int(num(r, "fromPort")), int(num(r, "toPort")), peer})
	}
	return out
}

func num(r *inventory.Resource, k string) float64 { f, _ := r.Inputs[k].(float64); return f }

func ports(ps []portmatrix.Ports, peer string) []rule {
	var out []rule
	for _, p := range ps {
		out = append(out, rule{string(p.Protocol), p.From, p.To, peer})
	}
	return out
}

func TestSecurityGroupPerTierWithRevokeOnDelete(t *testing.T) {
	for _, env := range stacks {
		s := stackOf(t, env)
		vpc := s.OfType(controls.TypeVpc)[0]
		var tiers []string
		for _, sg := range s.OfType(controls.TypeSecurityGroup) {
			if c := s.Component(sg); c != nil && c.Type == security.TierSecurityGroupsType {
				tiers = append(tiers, inventory.Tags(sg)["tier"])
			}
			assert.True(t, inventory.Bool(sg, "revokeRulesOnDelete"), sg.Name)
			assert.Equal(t, vpc.ID, inventory.String(sg, "vpcId"), sg.Name)
			assert.NotEmpty(t, inventory.String(sg, "description"))
			assert.Empty(t, sg.Inputs["ingress"], "rules are separate resources")
			assert.Empty(t, sg.Inputs["egress"], "rules are separate resources")
		}
		var want []string
		for _, tier := range portmatrix.TiersFor(env == "mgmt") {
			want = append(want, string(tier))
		}
		assert.ElementsMatch(t, want, tiers, env)
		for _, typ := range []string{controls.TypeSGIngressRule, controls.TypeSGEgressRule} {
			for _, r := range s.OfType(typ) {
				assert.NotEmpty(t, inventory.String(r, "description"), r.Name)
			}
		}
	}
}

// Every SQL and AD port of the matrix is present, and nothing wider.
func TestSQLGroupHasExactlyTheMatrixPorts(t *testing.T) {
	s := stackOf(t, "prod")
	var want []rule
	want = append(want, ports(portmatrix.SQLClusterPorts, "sql")...)
	want = append(want, rule{"tcp", 1433, 1433, "app"}, rule{"tcp", 1433, 1433, "172.16.20.0/24"})
	for _, cidr := range []string{"10.10.0.0/23", "10.10.2.0/23", "172.16.0.0/16"} {
		want = append(want, rule{"tcp", 3389, 3389, cidr})
	}
	assert.ElementsMatch(t, want, rulesOf(t, s, "sql", controls.TypeSGIngressRule))

	out := rulesOf(t, s, "sql", controls.TypeSGEgressRule)
	var self []rule
	for _, r := range out {
		if r.peer == "sql" {
			self = append(self, r)
		}
	}
	assert.ElementsMatch(t, ports(portmatrix.SQLClusterPorts, "sql"), self)
	assert.Contains(t, self, rule{"tcp", 5022, 5022, "sql"}, "HADR endpoint")
	assert.Contains(t, self, rule{"udp", 3343, 3343, "sql"}, "cluster service")
}

func TestDomainControllerGroupsHaveExactlyTheADPorts(t *testing.T) {
	s := stackOf(t, "mgmt")
	byPeer := map[string][]rule{}
	for _, tier := range []string{"dc", "dc-members", "dc-on-prem"} {
		for _, r := range rulesOf(t, s, tier, controls.TypeSGIngressRule) {
			byPeer[tier+" <- "+r.peer] = append(byPeer[tier+" <- "+r.peer], rule{r.proto, r.from, r.to, ""})
		}
	}
	ad := ports(portmatrix.ADPorts, "")
	assert.ElementsMatch(t, ad, byPeer["dc <- mgmt-hosts"])
	assert.ElementsMatch(t, append(append([]rule{}, ad...), rule{"tcp", 3389, 3389, ""}), byPeer["dc <- rd-gateway"])
	assert.Equal(t, []rule{{"-1", 0, 0, ""}}, byPeer["dc <- dc"], "DC to DC: all traffic")
	assert.ElementsMatch(t, ad, byPeer["dc-members <- 10.20.0.0/20"], "uat domain members")
	assert.ElementsMatch(t, ad, byPeer["dc-members <- 10.30.0.0/18"], "prod domain members")
	for _, dc := range []string{"172.16.10.10/32", "172.16.10.11/32"} { // onPremDcIps
		assert.ElementsMatch(t, ad, byPeer["dc-on-prem <- "+dc], "on-premise DC %s", dc)
	}
	// DNS from the Resolver outbound endpoint, at the addresses the endpoint takes.
	endpoint := s.OfType("aws:route53/resolverEndpoint:ResolverEndpoint")
	require.Len(t, endpoint, 1)
	for _, ipAddr := range inventory.List(endpoint[0].Inputs["ipAddresses"]) {
		ip := inventory.StringMap(ipAddr)["ip"]
		assert.ElementsMatch(t, ports(portmatrix.DNS, ""), byPeer["dc <- "+ip+"/32"], "DNS from the Resolver endpoint at %s", ip)
	}
	assert.Len(t, byPeer, 9, "nothing else reaches a domain controller")
	assert.Contains(t, ad, rule{"udp", 123, 123, ""})
	assert.Contains(t, ad, rule{"tcp", 3268, 3269, ""})
	assert.Contains(t, ad, rule{"tcp", 49152, 65535, ""})

	// in uat and prod only the domain members (app, SQL) have egress to the directory
	for _, env := range []string{"uat", "prod"} {
		w := stackOf(t, env)
		for _, tier := range portmatrix.WorkloadTiers {
			var toMgmt []rule
			for _, r := range rulesOf(t, w, string(tier), controls.TypeSGEgressRule) {
				if r.peer == "10.10.0.0/20" {
					toMgmt = append(toMgmt, rule{r.proto, r.from, r.to, ""})
				}
			}
			if tier == portmatrix.App || tier == portmatrix.SQL {
				assert.ElementsMatch(t, ad, toMgmt, "%s %s", env, tier)
			} else {
				assert.Empty(t, toMgmt, "%s %s is not a domain member", env, tier)
			}
		}
	}
}

func TestNoGroupPassesTheRuleQuota(t *testing.T) {
	for _, env := range stacks {
		s := stackOf(t, env)
		count := map[string]int{}
		for _, typ := range []string{controls.TypeSGIngressRule, controls.TypeSGEgressRule} {
			for _, r := range s.OfType(typ) {
				count[typ+" "+inventory.String(r, "securityGroupId")]++
			}
		}
		for k, n := range count {
			assert.LessOrEqual(t, n, portmatrix.MaxRulesPerGroup, "%s %s", env, k)
		}
	}
}

func TestOnlyUntrustListenersAreOpenToTheInternet(t *testing.T) {
	for _, env := range stacks {
		s := stackOf(t, env)
		tiers := groupsByID(s)
		for _, r := range s.OfType(controls.TypeSGIngressRule) {
			if inventory.String(r, "cidrIpv4") != "0.0.0.0/0" {
				continue
			}
			assert.Equal(t, "fw-untrust", tiers[inventory.String(r, "securityGroupId")], r.Name)
			assert.Equal(t, "tcp", inventory.String(r, "ipProtocol"))
			assert.Equal(t, 443.0, num(r, "fromPort"))
			assert.Equal(t, 443.0, num(r, "toPort"))
		}
		for _, r := range s.OfType(controls.TypeSGEgressRule) {
			if inventory.String(r, "cidrIpv4") == "0.0.0.0/0" {
				assert.Equal(t, []any{"tcp", 443.0, 443.0}, []any{inventory.String(r, "ipProtocol"), num(r, "fromPort"), num(r, "toPort")}, r.Name)
			}
		}
	}
	prod := stackOf(t, "prod")
	untrust := rulesOf(t, prod, "fw-untrust", controls.TypeSGIngressRule)
	var edges []string
	for _, sn := range prod.OfType(controls.TypeSubnet) {
		if inventory.Tags(sn)["tier"] == "edge" {
			edges = append(edges, inventory.String(sn, "cidrBlock"))
		}
	}
	want := []rule{{"tcp", 443, 443, "0.0.0.0/0"}}
	for _, e := range edges {
		want = append(want, rule{"tcp", 443, 443, e})
	}
	assert.ElementsMatch(t, want, untrust, "listener from the internet and NLB health checks from the edge subnets")
	fwMgmt := rulesOf(t, prod, "fw-mgmt", controls.TypeSGIngressRule)
	assert.ElementsMatch(t, []rule{{"tcp", 443, 443, "10.10.0.0/20"}, {"tcp", 22, 22, "10.10.0.0/20"}, {"tcp", 443, 443, "172.16.0.0/16"}, {"tcp", 22, 22, "172.16.0.0/16"}}, fwMgmt)
	assert.ElementsMatch(t, []rule{{"tcp", 443, 443, "fw-trust"}, {"tcp", 443, 443, "nlb-internal"}, {"tcp", 3389, 3389, "10.10.0.0/23"}, {"tcp", 3389, 3389, "10.10.2.0/23"}, {"tcp", 3389, 3389, "172.16.0.0/16"}},
		rulesOf(t, prod, "app", controls.TypeSGIngressRule))
}

func TestListenerPortsAndAdminCidrsComeFromConfig(t *testing.T) {
	out, err := planWith(t, "prod", map[string]map[string]string{
		"mgmt": {key("adminCidrs"): `["203.0.113.0/28"]`},
		"prod": {key("publicListenerPorts"): `[443, 8443]`},
	})
	require.NoError(t, err)
	prod := out["prod"].Result.Inventory
	var world []rule
	for _, r := range rulesOf(t, prod, "fw-untrust", controls.TypeSGIngressRule) {
		if r.peer == "0.0.0.0/0" {
			world = append(world, r)
		}
	}
	assert.ElementsMatch(t, []rule{{"tcp", 443, 443, "0.0.0.0/0"}, {"tcp", 8443, 8443, "0.0.0.0/0"}}, world)
	mgmt := out["mgmt"].Result.Inventory
	assert.ElementsMatch(t, []rule{{"tcp", 443, 443, "203.0.113.0/28"}, {"udp", 3391, 3391, "203.0.113.0/28"}}, rulesOf(t, mgmt, "rd-gateway", controls.TypeSGIngressRule))
	for _, p := range []*inventory.Stack{prod, mgmt} {
		for _, r := range controls.Evaluate(p, controls.Catalogue) {
			assert.NotEqual(t, controls.Fail, r.Status, "%s: %v", r.ID, r.Failures)
		}
	}
	// by default the RD gateway takes nothing from the internet
	assert.Empty(t, rulesOf(t, stackOf(t, "mgmt"), "rd-gateway", controls.TypeSGIngressRule))

	_, err = planWith(t, "prod", map[string]map[string]string{"prod": {key("publicListenerPorts"): `[3389]`}})
	assert.ErrorContains(t, err, "publicListenerPorts")
}
