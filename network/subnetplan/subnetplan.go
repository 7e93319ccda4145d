// Package subnetplan carves a VPC into its subnet tiers: one subnet per tier per AZ.
// It is pure address math (no cloud SDK), shared by config validation and the Vpc component.
package subnetplan

import (
	"fmt"
	"net"
	"net/netip"
	"sort"

	"github.com/apparentlymart/go-cidr/cidr"
)

// Egress is where a tier's default route goes.
type Egress string

const (
	ViaInternetGateway Egress = "igw"  // public tier
	ViaNAT             Egress = "nat"  // private tier with outbound internet through its own AZ's NAT
	Isolated           Egress = "none" // no route off the VPC's own networks
)

// Tier is one subnet tier of a VPC.
type Tier struct {
	Name string
	// NewBits is how many bits longer than the VPC prefix each of its subnets is, so a
	// tier scales with the VPC it is carved from.
	NewBits int
	Egress  Egress
	Purpose string
}

// Public is true for the tier that holds internet-facing addresses.
func (t Tier) Public() bool { return t.Egress == ViaInternetGateway }

// The tiers of DESIGN §3, declared once.
var (
	// WorkloadTiers are the tiers of the uat and prod VPCs.
	WorkloadTiers = []Tier{
		{"edge", 5, ViaInternetGateway, "internet-facing NLB addresses, NAT gateways, firewall untrust interfaces"},
		{"fw-mgmt", 6, ViaNAT, "firewall management interfaces (licensing and updates through NAT)"},
		{"fw-trust", 5, Isolated, "firewall trust interfaces towards the internal NLB"},
		{"app", 3, ViaNAT, "IIS/.NET app servers and the internal NLB"},
		{"data", 4, ViaNAT, "SQL Server Always On nodes"},
		{"endpoints", 6, Isolated, "VPC interface endpoints"},
	}
	// MgmtTiers are the tiers of the management VPC.
	MgmtTiers = []Tier{
		{"edge", 5, ViaInternetGateway, "NAT gateways and the RD gateway's public addresses"},
		{"mgmt", 3, ViaNAT, "RD gateway, NTP and management applications"},
		{"directory", 5, ViaNAT, "Active Directory domain controllers"},
		{"endpoints", 5, Isolated, "VPC interface endpoints"},
	}
)

// LayoutFor is the tier list of the management VPC or of a workload VPC.
func LayoutFor(mgmt bool) []Tier {
	if mgmt {
		return MgmtTiers
	}
	return WorkloadTiers
}

// MaxAZs is how many AZs the plan always reserves room for, so that growing from two AZs
// to three adds subnets without moving (and so replacing) any existing one.
const MaxAZs = 3

// Subnet is one carved subnet.
type Subnet struct {
	Tier    Tier
	AZIndex int
	CIDR    netip.Prefix
}

// Carve lays out every tier in every AZ inside vpc. Addresses are assigned largest
// subnets first (so every block is aligned), and always for MaxAZs AZs, so that a
// subnet's CIDR depends only on the VPC, its tier and its AZ index.
func Carve(vpc netip.Prefix, tiers []Tier, azCount int) ([]Subnet, error) {
	if azCount < 1 || azCount > MaxAZs {
		return nil, fmt.Errorf("AZ count %d is outside 1..%d", azCount, MaxAZs)
	}
	type slot struct {
		tier, az int
	}
	var slots []slot
	for az := 0; az < MaxAZs; az++ {
		for t := range tiers {
			slots = append(slots, slot{t, az})
		}
	}
	sort.SliceStable(slots, func(i, j int) bool { return tiers[slots[i].tier].NewBits < tiers[slots[j].tier].NewBits })

	base := &net.IPNet{IP: vpc.Addr().AsSlice(), Mask: net.CIDRMask(vpc.Bits(), 32)}
	var carved []*net.IPNet
	var out []Subnet
	var prev *net.IPNet
	for _, s := range slots {
		tier := tiers[s.tier]
		prefixLen := vpc.Bits() + tier.NewBits
		if prefixLen > 28 {
			return nil, fmt.Errorf("tier %s would be a /%d, smaller than AWS's /28 minimum", tier.Name, prefixLen)
		}
		var next *net.IPNet
		if prev == nil {
			var err error
			if next, err = cidr.Subnet(base, tier.NewBits, 0); err != nil {
				return nil, err
			}
		} else {
			var overflow bool
			if next, overflow = cidr.NextSubnet(prev, prefixLen); overflow {
				return nil, fmt.Errorf("tier %s does not fit in %s", tier.Name, vpc)
			}
		}
		carved = append(carved, next)
		prev = next
		p, _ := netip.AddrFromSlice(next.IP.To4())
		if s.az < azCount {
			out = append(out, Subnet{Tier: tier, AZIndex: s.az, CIDR: netip.PrefixFrom(p, prefixLen)})
		}
	}
	if err := cidr.VerifyNoOverlap(carved, base); err != nil {
		return nil, fmt.Errorf("%d tiers in %d AZs do not fit in %s: %v", len(tiers), MaxAZs, vpc, err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].AZIndex != out[j].AZIndex {
			return out[i].AZIndex < out[j].AZIndex
		}
		return tierIndex(tiers, out[i].Tier.Name) < tierIndex(tiers, out[j].Tier.Name)
	})
	return out, nil
}

func tierIndex(tiers []Tier, name string) int {
	for i, t := range tiers {
		if t.Name == name {
			return i
		}
	}
	return -1
}

// DirectoryTier is the mgmt VPC tier that holds the domain controllers.
const DirectoryTier = "directory"

// DomainControllerCount is how many domain controllers the mgmt VPC runs: one in each of
// the first two AZs (DESIGN §5), whatever azCount is.
const DomainControllerCount = 2

// DomainControllerHost is the host number of a DC inside its subnet: the 10th address,
// as the AWS AD quick start does (10.0.0.10, 10.0.32.10). AWS reserves the first four
// and the last address of a subnet, so it is free in any subnet of /28 or more.
const DomainControllerHost = 10

// ResolverEndpointHost is the host number of the Route 53 Resolver outbound endpoint's
// address in each directory subnet. The endpoint is created long before the domain
// controllers, and an address left to EC2 can be any free one, the DC's included: the DC
// instance would then fail to launch on its fixed IP and the rule forward to the endpoint.
const ResolverEndpointHost = 11

// DomainControllerIP is the fixed address of the domain controller in a directory subnet.
func DomainControllerIP(subnet netip.Prefix) netip.Addr { return host(subnet, DomainControllerHost) }

// ResolverEndpointIP is the fixed address of the Resolver outbound endpoint in a directory
// subnet.
func ResolverEndpointIP(subnet netip.Prefix) netip.Addr { return host(subnet, ResolverEndpointHost) }

func host(subnet netip.Prefix, number uint32) netip.Addr {
	a := subnet.Masked().Addr().As4()
	n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	n += number
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// DomainControllerIPs are the fixed DC addresses of a carved mgmt VPC, in AZ order: the
// Resolver rule forwards the AD domain to them and the DC instances take them. It fails
// when the plan has fewer directory subnets than DomainControllerCount.
func DomainControllerIPs(plan []Subnet) ([]netip.Addr, error) {
	return fixedHosts(plan, DomainControllerHost, DomainControllerCount, "domain controllers")
}

// ResolverEndpointCount is how many addresses the Resolver outbound endpoint takes: one
// in each of the first two directory subnets (Route 53 requires at least two).
const ResolverEndpointCount = 2

// ResolverEndpointIPs are the Resolver outbound endpoint's fixed addresses, in AZ order:
// the endpoint takes them, and the domain controllers' security group admits DNS from them.
func ResolverEndpointIPs(plan []Subnet) ([]netip.Addr, error) {
	return fixedHosts(plan, ResolverEndpointHost, ResolverEndpointCount, "Resolver endpoint addresses")
}

// fixedHosts is host number n of each of the first count directory subnets.
func fixedHosts(plan []Subnet, n uint32, count int, what string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range plan {
		if s.Tier.Name == DirectoryTier && len(out) < count {
			out = append(out, host(s.CIDR, n))
		}
	}
	if len(out) < count {
		return nil, fmt.Errorf("the plan has %d %s subnet(s); %d %s need one each", len(out), DirectoryTier, count, what)
	}
	return out, nil
}
