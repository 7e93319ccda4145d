// Package flows is the tier-to-tier traffic of DESIGN §4, declared once as data. The
// network ACL of every tier, their ephemeral return rules, the route tables that need a
// peering route and those that learn the on-premise routes from the VPN are all derived
// from Table. It imports no cloud SDK.
//
// NACLs are the coarse, subnet-level layer: stateless, evaluated per subnet, and limited
// by AWS to 20 rules per direction by default (40 at most). The security groups are the
// port-exact layer. So a flow names the ports a subnet boundary must pass, and where a
// service needs dozens of ports between two trusted tiers (Active Directory, the SQL
// cluster), the flow admits all traffic between exactly those subnets and leaves the ports
// to the security groups.
package flows

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"

	"github.com/giftcard/platform-infra/network/subnetplan"
)

// Role is which kind of VPC a tier belongs to: the mgmt VPC, or a workload VPC (uat and
// prod have the same layout and the same flows).
type Role string

const (
	MgmtVPC     Role = "mgmt"
	WorkloadVPC Role = "workload"
)

// Kind is what a Place is.
type Kind int

const (
	TierPlace   Kind = iota // a subnet tier of a VPC
	InternetAny             // 0.0.0.0/0
	OnPremNet               // the on-premise data centre's range, over the VPN
	OnPremDCs               // the on-premise domain controllers (/32 each)
)

// Place is one end of a flow.
type Place struct {
	Kind Kind
	VPC  Role
	Tier string
}

// Tier is a subnet tier of a VPC.
func Tier(vpc Role, name string) Place { return Place{Kind: TierPlace, VPC: vpc, Tier: name} }

var (
	Internet     = Place{Kind: InternetAny}
	OnPremise    = Place{Kind: OnPremNet}
	OnPremiseDCs = Place{Kind: OnPremDCs}
	anyIPv4      = netip.MustParsePrefix("0.0.0.0/0")
	// ephemeral is the range return traffic comes back on. NAT gateways and NLBs use
	// 1024-65535 (Windows clients 49152-65535, Linux 32768-60999), so the NACLs use AWS's
	// recommended 1024-65535.
	ephemeral     = PortRange{1024, 65535}
	maxRuleNumber = 32766
)

func (p Place) String() string {
	switch p.Kind {
	case InternetAny:
		return "internet"
	case OnPremNet:
		return "on-premise"
	case OnPremDCs:
		return "on-premise DCs"
	}
	return string(p.VPC) + "/" + p.Tier
}

// Protocol is an IP protocol number as NACL entries take it ("-1" is every protocol).
type Protocol string

const (
	ICMP Protocol = "1"
	TCP  Protocol = "6"
	UDP  Protocol = "17"
	All  Protocol = "-1"
)

// Icmp is an ICMP type and code.
type Icmp struct{ Type, Code int }

// FragmentationNeeded is ICMP destination unreachable, fragmentation needed (type 3,
// code 4): path MTU discovery. The VPN tunnels carry at most 1399 bytes while instances
// send 9001-byte frames, so a NACL that drops it stalls large transfers (AD replication,
// RDP) over the VPN.
var FragmentationNeeded = Icmp{3, 4}

// PortRange is an inclusive port range.
type PortRange struct{ From, To int }

func (r PortRange) contains(port int) bool { return r.From <= port && port <= r.To }

// P is a single port.
func P(port int) PortRange { return PortRange{port, port} }

// AdminPorts are SSH and RDP, which no NACL may admit from anywhere (CIS AWS 5.2, FSBP
// EC2.21); the derivation and the control read the same list.
var AdminPorts = []int{22, 3389}

// Flow is one allowed conversation: From opens connections to To on Ports. Via is a tier
// the packets transit without being addressed to it by the client (the NAT gateways of
// the edge tier, the NLB in front of the RD gateway); its NACL passes the flow both ways.
type Flow struct {
	From, To Place
	Via      string
	Protocol Protocol
	Ports    []PortRange
	// PublicListeners means the ports are the public NLB listener ports of the stack's
	// config (Addresses.ListenerPorts), not a fixed list.
	PublicListeners bool
	// ClientPorts is where replies go; nil means the ephemeral range. NTP is the
	// exception: Windows Time sends from port 123, so replies come back to 123.
	ClientPorts *PortRange
	// Icmp is the message an ICMP flow admits; ICMP errors have no replies.
	Icmp *Icmp
	Why  string
}

var (
	wl   = func(t string) Place { return Tier(WorkloadVPC, t) }
	mg   = func(t string) Place { return Tier(MgmtVPC, t) }
	http = []PortRange{P(80), P(443)}
)

// Table is every flow the estate allows: the declared flows and path MTU discovery into
// every tier.
var Table = append(slices.Clone(declared), pathMTUDiscovery()...)

// declared are the flows of DESIGN §4 (reference workloads.md §3-4).
// Traffic to the Amazon DNS resolver (VPC+2, 169.254.169.253), the instance metadata
// service and Amazon Time Sync (169.254.169.123) is never filtered by NACLs, so it has no
// flow here.
var declared = []Flow{
	// Customer traffic: internet -> NLB -> firewall untrust (edge), firewall trust -> internal NLB -> app -> SQL.
	{From: Internet, To: wl("edge"), Protocol: TCP, PublicListeners: true,
		Why: "customers reach the internet-facing NLBs, which keep client IPs, and through them the firewall untrust interfaces"},
	{From: wl("edge"), To: wl("edge"), Protocol: TCP, Ports: []PortRange{P(443)},
		Why: "the NLB nodes of every AZ health-check the firewall untrust interfaces (and forward across AZs if cross-zone is ever on)"},
	{From: wl("fw-trust"), To: wl("app"), Protocol: TCP, Ports: []PortRange{P(443)},
		Why: "the firewalls forward inspected traffic, SNATed to their trust interfaces, to the internal NLB"},
	{From: wl("app"), To: wl("app"), Protocol: TCP, Ports: []PortRange{P(443)},
		Why: "the internal NLB forwards to and health-checks the app servers in every AZ"},
	{From: wl("app"), To: wl("data"), Protocol: TCP, Ports: []PortRange{P(1433)},
		Why: "the app reaches the SQL Server availability group listener"},
	{From: wl("data"), To: wl("data"), Protocol: All,
		Why: "WSFC and AG replication between the SQL nodes (3343, 5022, SMB, RPC); the SQL security groups narrow the ports"},

	// AWS APIs, patches and licences.
	{From: wl("app"), To: wl("endpoints"), Protocol: TCP, Ports: []PortRange{P(443)}, Why: "SSM, CloudWatch, KMS and Secrets Manager through the interface endpoints"},
	{From: wl("data"), To: wl("endpoints"), Protocol: TCP, Ports: []PortRange{P(443)}, Why: "SSM, CloudWatch, KMS and Secrets Manager through the interface endpoints"},
	{From: wl("fw-mgmt"), To: wl("endpoints"), Protocol: TCP, Ports: []PortRange{P(443)}, Why: "the firewalls' CloudWatch metrics and logs through the interface endpoints"},
	{From: wl("app"), To: Internet, Via: "edge", Protocol: TCP, Ports: http,
		Why: "Windows Update, CRL and OCSP checks through the AZ's NAT gateway; S3 through its gateway endpoint"},
	{From: wl("data"), To: Internet, Via: "edge", Protocol: TCP, Ports: http,
		Why: "Windows Update, CRL and OCSP checks through the AZ's NAT gateway; S3 backups through its gateway endpoint"},
	{From: wl("fw-mgmt"), To: Internet, Via: "edge", Protocol: TCP, Ports: []PortRange{P(443)},
		Why: "PAN-OS licensing, content updates and the S3 bootstrap bucket"},

	// Administration from the management VPC over the peering. Automation runs through
	// SSM Run Command and Session Manager over the interface endpoints, so WinRM never
	// crosses the network.
	{From: mg("mgmt"), To: wl("app"), Protocol: TCP, Ports: []PortRange{P(3389)},
		Why: "administrators reach the app servers through the RD gateway"},
	{From: mg("mgmt"), To: wl("data"), Protocol: TCP, Ports: []PortRange{P(1433), P(3389)},
		Why: "DBA hosts reach SQL Server (DESIGN §4: 1433 from the app tier and the DBA hosts only); administrators through the RD gateway"},
	{From: mg("mgmt"), To: wl("fw-mgmt"), Protocol: TCP, Ports: []PortRange{P(22), P(443)},
		Why: "firewall management web UI and CLI from the management tier"},

	// Active Directory. Domain members need TCP/UDP 53, 88, 123, 135, 389, 445, 464, TCP
	// 636, 3268-3269, 9389 and the whole RPC range 49152-65535, both ways.
	{From: wl("app"), To: mg("directory"), Protocol: All, Why: "domain members authenticate against and resolve through the domain controllers"},
	{From: wl("data"), To: mg("directory"), Protocol: All, Why: "domain members (and the WSFC cluster objects) use the domain controllers"},
	{From: mg("mgmt"), To: mg("directory"), Protocol: All, Why: "the RD gateway and management hosts are domain members"},
	// The Route 53 Resolver outbound endpoint sits in the directory tier beside the DCs it
	// forwards the AD domain to, so its DNS traffic needs no rule of its own.
	{From: mg("directory"), To: mg("directory"), Protocol: All, Why: "replication between the AWS domain controllers in different AZs; the Resolver outbound endpoint's queries to them"},
	{From: mg("directory"), To: OnPremiseDCs, Protocol: All, Why: "AD replication with the on-premise domain controllers over the VPN"},
	{From: OnPremiseDCs, To: mg("directory"), Protocol: All, Why: "AD replication initiated by the on-premise domain controllers"},

	// Management VPC.
	{From: Internet, To: mg("mgmt"), Via: "edge", Protocol: TCP, Ports: []PortRange{P(443)},
		Why: "the RD gateway behind its NLB (HTTPS transport); its security group admits only the admin CIDRs"},
	{From: Internet, To: mg("mgmt"), Via: "edge", Protocol: UDP, Ports: []PortRange{P(3391)},
		Why: "the RD gateway's UDP transport"},
	{From: OnPremise, To: mg("mgmt"), Protocol: TCP, Ports: []PortRange{P(443), P(3389)},
		Why: "administrators on premise reach the management tier over the VPN"},
	{From: mg("mgmt"), To: mg("endpoints"), Protocol: TCP, Ports: []PortRange{P(443)}, Why: "SSM and CloudWatch through the interface endpoints"},
	{From: mg("directory"), To: mg("endpoints"), Protocol: TCP, Ports: []PortRange{P(443)}, Why: "SSM and CloudWatch through the interface endpoints"},
	{From: mg("mgmt"), To: Internet, Via: "edge", Protocol: TCP, Ports: http, Why: "Windows Update, CRL and OCSP checks through the AZ's NAT gateway"},
	{From: mg("directory"), To: Internet, Via: "edge", Protocol: TCP, Ports: http, Why: "Windows Update, CRL and OCSP checks through the AZ's NAT gateway"},
}

// pathMTUDiscovery admits ICMP "fragmentation needed" into every tier of both layouts,
// from anywhere: the router that sends it can be any hop of the path (an on-premise
// router, an AWS tunnel endpoint, an internet router), and it opens no port.
func pathMTUDiscovery() []Flow {
	var out []Flow
	for role, tiers := range map[Role][]subnetplan.Tier{WorkloadVPC: subnetplan.WorkloadTiers, MgmtVPC: subnetplan.MgmtTiers} {
		for _, t := range tiers {
			out = append(out, Flow{From: Internet, To: Tier(role, t.Name), Protocol: ICMP, Icmp: &FragmentationNeeded,
				Why: "path MTU discovery: the VPN tunnels carry 1399 bytes, the internet 1500, instances send 9001"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].To.String() < out[j].To.String() })
	return out
}

// PortsWith is the ports of the flow: listenerPorts for a PublicListeners flow.
func (f Flow) PortsWith(listenerPorts []int) []PortRange {
	if !f.PublicListeners {
		return f.Ports
	}
	out := make([]PortRange, len(listenerPorts))
	for i, p := range listenerPorts {
		out[i] = P(p)
	}
	return out
}

// Addresses resolves the places of the flows for one VPC.
type Addresses struct {
	// Role is the VPC whose NACLs are derived.
	Role Role
	// VPC is this VPC's range.
	VPC netip.Prefix
	// Tiers are this VPC's subnets per tier. A local peer tier is addressed by its
	// subnets; a tier of the peered VPC by that VPC's whole range (the 20-rule quota).
	Tiers map[string][]netip.Prefix
	// Peers are the peered VPC ranges: mgmt for a workload VPC, uat and prod for mgmt.
	Peers []netip.Prefix
	// OnPrem is the on-premise range and OnPremDCs its domain controllers.
	OnPrem    netip.Prefix
	OnPremDCs []netip.Addr
	// ListenerPorts are the public NLB listener ports (config publicListenerPorts), the
	// ports of the PublicListeners flows.
	ListenerPorts []int
}

func (a Addresses) resolve(p Place) (cidrs []netip.Prefix, local bool) {
	switch p.Kind {
	case InternetAny:
		return []netip.Prefix{anyIPv4}, false
	case OnPremNet:
		return []netip.Prefix{a.OnPrem}, false
	case OnPremDCs:
		for _, ip := range a.OnPremDCs {
			cidrs = append(cidrs, netip.PrefixFrom(ip, 32))
		}
		return cidrs, false
	}
	if p.VPC == a.Role {
		return a.Tiers[p.Tier], true
	}
	return a.Peers, false
}

// Rule is one NACL entry. All entries allow; the implicit final rule denies.
type Rule struct {
	Number   int
	Egress   bool
	Protocol Protocol
	CIDR     netip.Prefix
	FromPort int
	ToPort   int
	// IcmpType and IcmpCode are set for ICMP rules (-1 would be any).
	IcmpType, IcmpCode int
}

// ACL is the derived NACL of one tier.
type ACL struct {
	Tier            string
	Ingress, Egress []Rule
}

type entry struct {
	egress   bool
	cidr     netip.Prefix
	protocol Protocol
	ports    PortRange // for ICMP: From is the type, To the code
	isReturn bool
}

// NACLs derives the NACL of every tier of a VPC from table. It fails when a declared flow
// would admit the admin ports (22, 3389) from the internet (CIS AWS 5.2); return traffic
// from the internet is split around them.
func NACLs(table []Flow, a Addresses) (map[string]ACL, error) {
	entries := map[string][]entry{}
	for _, f := range table {
		if f.Via != "" {
			if _, ok := a.Tiers[f.Via]; !ok && (f.From.VPC == a.Role || f.To.VPC == a.Role) {
				return nil, fmt.Errorf("flow %s -> %s: transit tier %q is not a tier of the %s VPC", f.From, f.To, f.Via, a.Role)
			}
		}
		from, fromLocal := a.resolve(f.From)
		to, toLocal := a.resolve(f.To)
		viaLocal := f.Via != "" && (f.From.VPC == a.Role && f.From.Kind == TierPlace || f.To.VPC == a.Role && f.To.Kind == TierPlace)
		ports, replies := f.Ports, []PortRange{ephemeral}
		if f.PublicListeners && (fromLocal || toLocal || viaLocal) {
			if len(a.ListenerPorts) == 0 {
				return nil, fmt.Errorf("flow %s -> %s: no public listener ports to admit", f.From, f.To)
			}
			ports = f.PortsWith(a.ListenerPorts)
		}
		if f.ClientPorts != nil {
			replies = []PortRange{*f.ClientPorts}
		}
		switch f.Protocol {
		case All:
			ports, replies = []PortRange{{0, 0}}, []PortRange{{0, 0}}
		case ICMP:
			if f.Icmp == nil {
				return nil, fmt.Errorf("ICMP flow %s -> %s names no ICMP type", f.From, f.To)
			}
			ports, replies = []PortRange{{f.Icmp.Type, f.Icmp.Code}}, nil
		}
		add := func(tier string, egress bool, cidrs []netip.Prefix, rs []PortRange, isReturn bool) {
			for _, c := range cidrs {
				for _, r := range rs {
					entries[tier] = append(entries[tier], entry{egress, c, f.Protocol, r, isReturn})
				}
			}
		}
		if fromLocal {
			add(f.From.Tier, true, to, ports, false)
			add(f.From.Tier, false, to, replies, true)
		}
		if toLocal {
			add(f.To.Tier, false, from, ports, false)
			add(f.To.Tier, true, from, replies, true)
		}
		if viaLocal {
			// The transit tier admits the VPC as a whole: its NAT gateways and NLBs serve
			// every private tier, whose own NACLs are tier-exact, and one rule per range
			// keeps the edge NACL inside the quota.
			vfrom, vto := from, to
			if fromLocal {
				vfrom = []netip.Prefix{a.VPC}
			}
			if toLocal {
				vto = []netip.Prefix{a.VPC}
			}
			add(f.Via, false, vfrom, ports, false)
			add(f.Via, true, vto, ports, false)
			add(f.Via, false, vto, replies, true)
			add(f.Via, true, vfrom, replies, true)
		}
	}
	out := map[string]ACL{}
	for tier := range a.Tiers {
		var kept []entry
		for _, e := range entries[tier] {
			split, err := guardAdminPorts(e)
			if err != nil {
				return nil, fmt.Errorf("tier %s: %w", tier, err)
			}
			kept = append(kept, split...)
		}
		acl := ACL{Tier: tier}
		for _, e := range merge(kept) {
			r := Rule{Egress: e.egress, Protocol: e.protocol, CIDR: e.cidr, FromPort: e.ports.From, ToPort: e.ports.To}
			if e.protocol == ICMP {
				r.FromPort, r.ToPort, r.IcmpType, r.IcmpCode = 0, 0, e.ports.From, e.ports.To
			}
			if e.egress {
				r.Number = 100 + 10*len(acl.Egress)
				acl.Egress = append(acl.Egress, r)
			} else {
				r.Number = 100 + 10*len(acl.Ingress)
				acl.Ingress = append(acl.Ingress, r)
			}
			if r.Number > maxRuleNumber {
				return nil, fmt.Errorf("tier %s: more NACL rules than rule numbers", tier)
			}
		}
		out[tier] = acl
	}
	return out, nil
}

// guardAdminPorts refuses a declared ingress flow from anywhere that reaches 22 or 3389
// and splits return-traffic ranges around them, so no rule from 0.0.0.0/0 covers an admin
// port (CIS 5.2 and FSBP EC2.21 flag 1024-65535 because it contains 3389).
func guardAdminPorts(e entry) ([]entry, error) {
	if e.egress || e.cidr != anyIPv4 {
		return []entry{e}, nil
	}
	switch e.protocol {
	case All:
		return nil, fmt.Errorf("a flow admits every protocol from %s", anyIPv4)
	case ICMP:
		return []entry{e}, nil
	}
	var hit []int
	for _, p := range AdminPorts {
		if e.ports.contains(p) {
			hit = append(hit, p)
		}
	}
	if len(hit) == 0 {
		return []entry{e}, nil
	}
	if !e.isReturn {
		return nil, fmt.Errorf("a flow admits admin port(s) %v from %s (CIS AWS 5.2)", hit, anyIPv4)
	}
	var out []entry
	from := e.ports.From
	for _, p := range hit {
		if p > from {
			out = append(out, entry{e.egress, e.cidr, e.protocol, PortRange{from, p - 1}, true})
		}
		from = p + 1
	}
	if from <= e.ports.To {
		out = append(out, entry{e.egress, e.cidr, e.protocol, PortRange{from, e.ports.To}, true})
	}
	return out, nil
}

// merge joins overlapping and adjacent ranges of one direction, range and protocol, drops
// what an all-protocols entry for the same range already admits, and sorts the result.
func merge(in []entry) []entry {
	type key struct {
		egress   bool
		cidr     netip.Prefix
		protocol Protocol
	}
	groups := map[key][]PortRange{}
	for _, e := range in {
		k := key{e.egress, e.cidr, e.protocol}
		groups[k] = append(groups[k], e.ports)
	}
	var out []entry
	for k, ranges := range groups {
		if k.protocol != All {
			if _, all := groups[key{k.egress, k.cidr, All}]; all {
				continue
			}
		}
		if k.protocol == ICMP { // one entry per distinct type and code
			seen := map[PortRange]bool{}
			for _, r := range ranges {
				if !seen[r] {
					seen[r] = true
					out = append(out, entry{k.egress, k.cidr, k.protocol, r, false})
				}
			}
			continue
		}
		sort.Slice(ranges, func(i, j int) bool { return ranges[i].From < ranges[j].From })
		cur := ranges[0]
		for _, r := range ranges[1:] {
			if r.From <= cur.To+1 {
				cur.To = max(cur.To, r.To)
				continue
			}
			out = append(out, entry{k.egress, k.cidr, k.protocol, cur, false})
			cur = r
		}
		out = append(out, entry{k.egress, k.cidr, k.protocol, cur, false})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.egress != b.egress {
			return !a.egress
		}
		if c := a.cidr.Addr().Compare(b.cidr.Addr()); c != 0 {
			return c < 0
		}
		if a.cidr.Bits() != b.cidr.Bits() {
			return a.cidr.Bits() < b.cidr.Bits()
		}
		if a.protocol != b.protocol {
			return a.protocol < b.protocol
		}
		return a.ports.From < b.ports.From
	})
	return out
}

// PeeredTiers are the tiers of a role's VPC that talk to the peered VPC(s): their route
// tables need a route to the peer's range through the peering connection.
func PeeredTiers(table []Flow, role Role) []string {
	return tiersWhere(table, role, func(other Place) bool { return other.Kind == TierPlace && other.VPC != role })
}

// OnPremTiers are the tiers of a role's VPC that talk to the on-premise network: their
// route tables learn its routes from the VPN gateway. On-premise is reachable from no
// other tier (and never from a workload VPC: peering is not transitive).
func OnPremTiers(table []Flow, role Role) []string {
	return tiersWhere(table, role, func(other Place) bool { return other.Kind == OnPremNet || other.Kind == OnPremDCs })
}

func tiersWhere(table []Flow, role Role, match func(other Place) bool) []string {
	var out []string
	for _, f := range table {
		for _, pair := range [][2]Place{{f.From, f.To}, {f.To, f.From}} {
			self, other := pair[0], pair[1]
			if self.Kind == TierPlace && self.VPC == role && match(other) && !slices.Contains(out, self.Tier) {
				out = append(out, self.Tier)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Allows reports whether an ACL admits one packet (direction, source or destination
// address, protocol, port): the reference the tests check derived and planned rules by.
// ICMP is checked with AllowsIcmp.
func (acl ACL) Allows(egress bool, addr netip.Addr, protocol Protocol, port int) bool {
	rules := acl.Ingress
	if egress {
		rules = acl.Egress
	}
	for _, r := range rules {
		if !r.CIDR.Contains(addr) {
			continue
		}
		if r.Protocol == All || r.Protocol == protocol && protocol != ICMP && r.FromPort <= port && port <= r.ToPort {
			return true
		}
	}
	return false
}

// TierCIDRs groups a carved plan's subnets by tier, in AZ order.
func TierCIDRs(plan []subnetplan.Subnet) map[string][]netip.Prefix {
	out := map[string][]netip.Prefix{}
	for _, s := range plan {
		out[s.Tier.Name] = append(out[s.Tier.Name], s.CIDR)
	}
	return out
}

// RoleOf is the flow role of a VPC layout.
func RoleOf(mgmt bool) Role {
	if mgmt {
		return MgmtVPC
	}
	return WorkloadVPC
}

// RuleQuota is AWS's default number of rules per NACL and direction.
const RuleQuota = 20

// AllowsIcmp reports whether an ACL admits an ICMP message.
func (acl ACL) AllowsIcmp(egress bool, addr netip.Addr, m Icmp) bool {
	rules := acl.Ingress
	if egress {
		rules = acl.Egress
	}
	for _, r := range rules {
		if r.CIDR.Contains(addr) && (r.Protocol == All || r.Protocol == ICMP && r.IcmpType == m.Type && r.IcmpCode == m.Code) {
			return true
		}
	}
	return false
}
