// Package portmatrix is every permitted flow between the estate's security-group tiers,
// declared once as data (no SDK): the TierSecurityGroups component turns it into rules,
// the tests and the controls read the same table.
//
// A flow between two tiers of one VPC becomes an ingress rule on the destination's group
// (source: the other group) and an egress rule on the source's group; a flow from a range
// becomes only an ingress rule, a flow to a range only an egress rule.
package portmatrix

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/giftcard/platform-infra/network/subnetplan"
)

// Tier is one security group of a VPC.
type Tier string

const (
	FwUntrust   Tier = "fw-untrust"   // firewall dataplane behind the internet-facing NLB
	FwMgmt      Tier = "fw-mgmt"      // firewall management interfaces
	FwTrust     Tier = "fw-trust"     // firewall trust interfaces towards the internal NLB
	InternalNLB Tier = "nlb-internal" // internal NLB in front of the app tier
	App         Tier = "app"          // IIS/.NET servers
	SQL         Tier = "sql"          // SQL Server Always On nodes
	RDGateway   Tier = "rd-gateway"   // RD gateway, the only internet path for admins
	DC          Tier = "dc"           // Active Directory domain controllers (AWS-side members, replication)
	DCMembers   Tier = "dc-members"   // second group of the DCs: domain members in uat and prod
	DCOnPrem    Tier = "dc-on-prem"   // third group of the DCs: replication with the on-premise DCs
	MgmtHosts   Tier = "mgmt-hosts"   // management and DBA tooling hosts
)

// WorkloadTiers and MgmtTiers are the groups of the uat/prod VPCs and of the mgmt VPC.
// The endpoints and resolver groups belong to the network components, not to this table.
var (
	WorkloadTiers = []Tier{FwUntrust, FwMgmt, FwTrust, InternalNLB, App, SQL}
	MgmtTiers     = []Tier{RDGateway, DC, DCMembers, DCOnPrem, MgmtHosts}
)

// TiersFor is the tier list of the mgmt VPC or of a workload VPC.
func TiersFor(mgmt bool) []Tier {
	if mgmt {
		return MgmtTiers
	}
	return WorkloadTiers
}

// Range is an address range resolved per stack from config and the subnet plans.
type Range string

const (
	World           Range = "world"             // 0.0.0.0/0
	EdgeSubnets     Range = "edge-subnets"      // this VPC's edge subnets (NLB health checks)
	EndpointSubnets Range = "endpoint-subnets"  // this VPC's interface endpoint subnets
	MgmtVpc         Range = "mgmt-vpc"          // the management VPC
	OnPrem          Range = "on-prem"           // the on-premise data centre, over the VPN
	OnPremDCs       Range = "on-prem-dcs"       // on-premise domain controllers
	AdminCidrs      Range = "admin"             // administrators' public egress ranges
	DBAHosts        Range = "dba-hosts"         // DBA workstations and tooling
	DirectorySubnet Range = "directory-subnets" // mgmt VPC directory tier (the DCs)
	ResolverOut     Range = "resolver-endpoint" // the Route 53 Resolver outbound endpoint's fixed addresses
	MgmtSubnets     Range = "mgmt-subnets"      // mgmt VPC mgmt tier (RD gateway, tools)
	MemberSubnets   Range = "member-subnets"    // app and data subnets of uat and prod
	WorkloadVpcs    Range = "workload-vpcs"     // the uat and prod VPCs
	FwMgmtSubnets   Range = "fw-mgmt-subnets"   // fw-mgmt subnets of uat and prod
	WorkloadData    Range = "workload-data"     // data subnets of uat and prod
)

// Protocol of a flow, as EC2 names it.
type Protocol string

const (
	TCP  Protocol = "tcp"
	UDP  Protocol = "udp"
	ICMP Protocol = "icmp"
	All  Protocol = "-1"
)

// Ports is one protocol and an inclusive port range (From = To for one port; ignored for All).
type Ports struct {
	Protocol Protocol
	From, To int
}

func (p Ports) String() string {
	switch {
	case p.Protocol == All:
		return "all"
	case p.From == p.To:
		return fmt.Sprintf("%s-%d", p.Protocol, p.From)
	}
	return fmt.Sprintf("%s-%d-%d", p.Protocol, p.From, p.To)
}

// Contains is true when the port (of the protocol) falls in p.
func (p Ports) Contains(proto Protocol, port int) bool {
	if p.Protocol == All {
		return true
	}
	return p.Protocol == proto && p.From <= port && port <= p.To
}

func tcp(from int, to ...int) Ports { return span(TCP, from, to) }
func udp(from int, to ...int) Ports { return span(UDP, from, to) }
func span(p Protocol, from int, to []int) Ports {
	if len(to) > 0 {
		return Ports{p, from, to[0]}
	}
	return Ports{p, from, from}
}

// Port sets named once and used by several flows.
var (
	// SQLClusterPorts are the WSFC and Always On (HADR endpoint 5022) ports, only
	// between SQL nodes.
	SQLClusterPorts = []Ports{
		tcp(135), tcp(445), tcp(1433, 1434), tcp(3343), tcp(5022), tcp(5985), tcp(49152, 65535),
		udp(137), udp(1434), udp(3343), udp(49152, 65535),
	}
	// ADPorts are what domain members and replicating DCs need of a domain controller.
	ADPorts = []Ports{
		tcp(53), udp(53), tcp(88), udp(88), udp(123), tcp(135), udp(138),
		tcp(389), udp(389), tcp(445), udp(445), tcp(464), udp(464),
		tcp(636), tcp(3268, 3269), tcp(5985), tcp(9389),
		tcp(49152, 65535), udp(49152, 65535),
	}
	HTTPS   = []Ports{tcp(443)}
	SQLPort = []Ports{tcp(1433)}
	RDP     = []Ports{tcp(3389)}
	// FwAdmin is the firewall's web UI and CLI.
	FwAdmin = []Ports{tcp(443), tcp(22)}
	// RDGatewayPorts are RD gateway over HTTPS and its UDP transport.
	RDGatewayPorts = []Ports{tcp(443), udp(3391)}
	DNS            = []Ports{udp(53), tcp(53)}
	AllTraffic     = []Ports{{Protocol: All}}
)

// Listener marks a flow whose ports are the firewall's public listener ports (config).
var Listener = []Ports{{Protocol: TCP, From: -1, To: -1}}

// MaxRulesPerGroup is AWS's default quota of inbound (and, separately, outbound) rules
// per security group; a deployment that passes it fails at the rule that does.
const MaxRulesPerGroup = 60

// DescriptionRE is what EC2 accepts in a security group or rule description.
var DescriptionRE = regexp.MustCompile(`^[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]{1,255}$`)

// HighRiskPorts are the admin and database ports never open to the world
// (CIS 5.3/5.4: 22, 3389; FSBP EC2.19's list; plus the Windows admin and SMB ports).
var HighRiskPorts = []int{20, 21, 22, 23, 110, 135, 143, 445, 1433, 1434, 3306, 3389, 5432, 5601, 5985, 5986, 8080, 9200, 9300}

// Peer is one end of a flow: a tier's group, or a range.
type Peer struct {
	Tier  Tier
	Range Range
}

func (p Peer) String() string {
	if p.Tier != "" {
		return string(p.Tier)
	}
	return string(p.Range)
}

func T(t Tier) Peer  { return Peer{Tier: t} }
func R(r Range) Peer { return Peer{Range: r} }

// Flow is one permitted flow. Self-referencing flows have From == To.
type Flow struct {
	From, To    Peer
	Ports       []Ports
	Description string
}

// Flows is the whole matrix. Egress is listed per tier: nothing leaves a tier that is
// not here (no 0.0.0.0/0 all-traffic egress anywhere); 443 to the world goes through
// the tier's NAT gateway, for Windows Update, licensing and the AWS APIs.
var Flows = []Flow{
	// Workload VPCs: internet -> NLB -> firewall untrust -> trust -> internal NLB -> app -> SQL.
	{R(World), T(FwUntrust), Listener, "public listener from the internet through the internet-facing NLB (client IP preserved)"},
	{R(EdgeSubnets), T(FwUntrust), Listener, "NLB health checks from the edge subnets"},
	{R(MgmtVpc), T(FwMgmt), FwAdmin, "firewall administration from the management VPC"},
	{R(OnPrem), T(FwMgmt), FwAdmin, "firewall administration from on-premise over the VPN"},
	{T(FwMgmt), R(World), HTTPS, "firewall licensing, content and software updates through NAT"},
	{T(FwTrust), T(InternalNLB), HTTPS, "inspected traffic to the internal NLB"},
	{T(InternalNLB), T(App), HTTPS, "internal NLB to IIS, and its health checks"},
	{T(FwTrust), T(App), HTTPS, "inspected traffic to IIS (the internal NLB preserves the firewall address)"},
	{T(App), T(SQL), SQLPort, "app to the SQL availability group listener"},
	{R(DBAHosts), T(SQL), SQLPort, "DBA hosts to SQL Server"},
	{T(SQL), T(SQL), SQLClusterPorts, "WSFC and Always On between SQL nodes"},
	{R(MgmtSubnets), T(App), RDP, "RDP from the RD gateway and management hosts"},
	{R(OnPrem), T(App), RDP, "RDP from on-premise over the VPN"},
	{R(MgmtSubnets), T(SQL), RDP, "RDP from the RD gateway and management hosts"},
	{R(OnPrem), T(SQL), RDP, "RDP from on-premise over the VPN"},
	// To the whole mgmt VPC: one rule per port whatever the AZ count (the DCs' own groups
	// admit AD traffic; nothing else in the mgmt VPC listens on these ports).
	{T(App), R(MgmtVpc), ADPorts, "domain member to the domain controllers"},
	{T(SQL), R(MgmtVpc), ADPorts, "domain member to the domain controllers"},
	{T(App), R(World), HTTPS, "Windows Update, AWS APIs and SSM through NAT"},
	{T(SQL), R(World), HTTPS, "Windows Update, AWS APIs, SSM and backups to S3 through NAT"},
	{T(App), R(EndpointSubnets), HTTPS, "interface endpoints (SSM, logs, KMS, Secrets Manager)"},
	{T(SQL), R(EndpointSubnets), HTTPS, "interface endpoints (SSM, logs, KMS, Secrets Manager)"},

	// Management VPC: admins -> RD gateway -> hosts; domain controllers for every member.
	{R(AdminCidrs), T(RDGateway), RDGatewayPorts, "RD gateway from the administrator ranges only"},
	{T(RDGateway), T(MgmtHosts), RDP, "RD gateway to management hosts"},
	{T(RDGateway), T(DC), RDP, "RD gateway to the domain controllers"},
	{T(RDGateway), R(MemberSubnets), RDP, "RD gateway to app and SQL servers over peering"},
	{R(OnPrem), T(MgmtHosts), RDP, "RDP from on-premise over the VPN"},
	{T(RDGateway), T(DC), ADPorts, "domain member to the domain controllers"},
	{T(MgmtHosts), T(DC), ADPorts, "domain member to the domain controllers"},
	// Per VPC, not per member subnet: 19 ports x 8 subnets would pass the 60-rule quota
	// of a group. Only the app and data tiers there have egress rules to the DCs.
	{R(WorkloadVpcs), T(DCMembers), ADPorts, "domain members of uat and prod over peering"},
	{R(OnPremDCs), T(DCOnPrem), ADPorts, "replication from the on-premise domain controllers"},
	{T(DCOnPrem), R(OnPremDCs), ADPorts, "replication to the on-premise domain controllers"},
	{T(DC), T(DC), AllTraffic, "replication between the AWS domain controllers"},
	// Every VPC resolves the AD domain through the Resolver rule, whose queries reach the
	// DCs from the outbound endpoint's addresses.
	{R(ResolverOut), T(DC), DNS, "AD domain queries forwarded by the Route 53 Resolver outbound endpoint"},
	{T(MgmtHosts), R(FwMgmtSubnets), FwAdmin, "firewall administration in uat and prod"},
	{T(MgmtHosts), R(WorkloadData), SQLPort, "DBA tooling to SQL Server in uat and prod"},
	{T(RDGateway), R(World), HTTPS, "Windows Update, AWS APIs and SSM through NAT"},
	{T(DC), R(World), HTTPS, "Windows Update, AWS APIs and SSM through NAT"},
	{T(MgmtHosts), R(World), HTTPS, "Windows Update, AWS APIs and SSM through NAT"},
}

// Direction of a rule on a group.
type Direction string

const (
	Ingress Direction = "ingress"
	Egress  Direction = "egress"
)

// Rule is one rule of one tier's group, derived from a flow. Exactly one of PeerTier
// (a group of the same VPC, possibly itself) and Cidr is set.
type Rule struct {
	Tier        Tier
	Direction   Direction
	Ports       Ports
	PeerTier    Tier
	Cidr        netip.Prefix
	PeerLabel   string // the peer's tier or range name, for naming and descriptions
	Description string
}

// Name is a stable identifier of the rule inside its tier, for resource names.
func (r Rule) Name() string {
	peer := r.PeerLabel
	if r.Cidr.IsValid() {
		peer += "-" + strings.NewReplacer(".", "-", "/", "-").Replace(r.Cidr.String())
	}
	dir := "in"
	if r.Direction == Egress {
		dir = "out"
	}
	return fmt.Sprintf("%s-%s-%s-%s", r.Tier, dir, r.Ports, peer)
}

// Params are what a stack's rules depend on besides the table.
type Params struct {
	// Tiers present in this VPC: flows touching another tier are skipped.
	Tiers []Tier
	// Ranges resolves every range a flow of these tiers names; an empty list means the
	// range has no members in this stack (e.g. no admin ranges configured).
	Ranges map[Range][]netip.Prefix
	// ListenerPorts replace Listener.
	ListenerPorts []int
}

// Rules expands the matrix for one VPC, in a stable order.
func Rules(p Params) ([]Rule, error) {
	has := func(t Tier) bool { return slices.Contains(p.Tiers, t) }
	var out []Rule
	for _, f := range Flows {
		ports := f.Ports
		if isListener(ports) {
			ports = nil
			for _, port := range p.ListenerPorts {
				ports = append(ports, tcp(port))
			}
		}
		add := func(tier Tier, dir Direction, peer Peer) error {
			for _, pr := range ports {
				if peer.Tier != "" {
					out = append(out, Rule{Tier: tier, Direction: dir, Ports: pr, PeerTier: peer.Tier, PeerLabel: string(peer.Tier), Description: f.Description})
					continue
				}
				cidrs, ok := p.Ranges[peer.Range]
				if !ok {
					return fmt.Errorf("portmatrix: range %q of flow %q is not resolved", peer.Range, f.Description)
				}
				for _, c := range cidrs {
					out = append(out, Rule{Tier: tier, Direction: dir, Ports: pr, Cidr: c, PeerLabel: string(peer.Range), Description: f.Description})
				}
			}
			return nil
		}
		var err error
		switch {
		case f.To.Tier != "" && f.From.Tier != "":
			if !has(f.To.Tier) || !has(f.From.Tier) {
				continue
			}
			if err = add(f.To.Tier, Ingress, f.From); err == nil {
				err = add(f.From.Tier, Egress, f.To)
			}
		case f.To.Tier != "":
			if has(f.To.Tier) {
				err = add(f.To.Tier, Ingress, f.From)
			}
		case f.From.Tier != "":
			if has(f.From.Tier) {
				err = add(f.From.Tier, Egress, f.To)
			}
		default:
			err = fmt.Errorf("portmatrix: flow %q joins two ranges", f.Description)
		}
		if err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for _, r := range out {
		key := r.Tier + Tier(r.Name())
		if seen[string(key)] {
			return nil, fmt.Errorf("portmatrix: duplicate rule %s", r.Name())
		}
		seen[string(key)] = true
	}
	count := map[string]int{}
	for _, r := range out {
		k := string(r.Tier) + " " + string(r.Direction)
		if count[k]++; count[k] > MaxRulesPerGroup {
			return nil, fmt.Errorf("portmatrix: %s has more than %d %s rules (the EC2 quota per group)", r.Tier, MaxRulesPerGroup, r.Direction)
		}
		if !DescriptionRE.MatchString(r.Description) {
			return nil, fmt.Errorf("portmatrix: rule %s: description %q has characters EC2 rejects", r.Name(), r.Description)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return tierIndex(p.Tiers, out[i].Tier) < tierIndex(p.Tiers, out[j].Tier) })
	return out, nil
}

func isListener(ps []Ports) bool { return len(ps) == 1 && ps[0].From == -1 }

func tierIndex(tiers []Tier, t Tier) int { return slices.Index(tiers, t) }

// IsHighRisk is true when the ports include an admin or database port.
func IsHighRisk(proto Protocol, from, to int) bool {
	for _, hr := range HighRiskPorts {
		if proto == All || ((proto == TCP || proto == UDP) && from <= hr && hr <= to) {
			return true
		}
	}
	return false
}

// Addresses are the inputs the ranges resolve from: config ranges and the carved subnet
// plans of the VPCs.
type Addresses struct {
	// Own is this VPC's plan; Mgmt and Workloads the mgmt VPC's and the uat/prod VPCs'.
	Own, Mgmt []subnetplan.Subnet
	Workloads [][]subnetplan.Subnet
	MgmtVpc   netip.Prefix
	OnPrem    netip.Prefix
	Admin     []netip.Prefix
	DBA       []netip.Prefix
	OnPremDCs []netip.Prefix
	// WorkloadVpcs are the uat and prod VPC ranges.
	WorkloadVpcs []netip.Prefix
}

// hosts turns addresses into /32 ranges; a plan without them resolves to none.
func hosts(ips []netip.Addr, err error) []netip.Prefix {
	out := []netip.Prefix{}
	if err != nil {
		return out
	}
	for _, ip := range ips {
		out = append(out, netip.PrefixFrom(ip, 32))
	}
	return out
}

// Ranges resolves every range of the table.
func (a Addresses) Ranges() map[Range][]netip.Prefix {
	tiers := func(plans [][]subnetplan.Subnet, names ...string) []netip.Prefix {
		out := []netip.Prefix{}
		for _, plan := range plans {
			for _, s := range plan {
				if slices.Contains(names, s.Tier.Name) {
					out = append(out, s.CIDR)
				}
			}
		}
		return out
	}
	own, mgmt := [][]subnetplan.Subnet{a.Own}, [][]subnetplan.Subnet{a.Mgmt}
	return map[Range][]netip.Prefix{
		World:           {netip.MustParsePrefix("0.0.0.0/0")},
		EdgeSubnets:     tiers(own, "edge"),
		EndpointSubnets: tiers(own, "endpoints"),
		MgmtVpc:         {a.MgmtVpc},
		OnPrem:          {a.OnPrem},
		OnPremDCs:       append([]netip.Prefix{}, a.OnPremDCs...),
		AdminCidrs:      append([]netip.Prefix{}, a.Admin...),
		DBAHosts:        append([]netip.Prefix{}, a.DBA...),
		DirectorySubnet: tiers(mgmt, "directory"),
		ResolverOut:     hosts(subnetplan.ResolverEndpointIPs(a.Mgmt)),
		MgmtSubnets:     tiers(mgmt, "mgmt"),
		MemberSubnets:   tiers(a.Workloads, "app", "data"),
		WorkloadVpcs:    append([]netip.Prefix{}, a.WorkloadVpcs...),
		FwMgmtSubnets:   tiers(a.Workloads, "fw-mgmt"),
		WorkloadData:    tiers(a.Workloads, "data"),
	}
}
