package subnetplan

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCarveGivesOneSubnetPerTierPerAZInsideTheVPCDisjoint(t *testing.T) {
	for _, tc := range []struct {
		vpc   string
		tiers []Tier
		azs   int
	}{
		{"10.10.0.0/20", MgmtTiers, 2},
		{"10.20.0.0/20", WorkloadTiers, 3},
		{"10.30.0.0/18", WorkloadTiers, 2},
		{"10.30.0.0/16", WorkloadTiers, 3},
	} {
		vpc := netip.MustParsePrefix(tc.vpc)
		subnets, err := Carve(vpc, tc.tiers, tc.azs)
		require.NoError(t, err, tc.vpc)
		require.Len(t, subnets, len(tc.tiers)*tc.azs)
		perTier := map[string]int{}
		for i, s := range subnets {
			perTier[s.Tier.Name]++
			assert.True(t, vpc.Contains(s.CIDR.Addr()) && s.CIDR.Bits() >= vpc.Bits(), "%s outside %s", s.CIDR, vpc)
			assert.Equal(t, vpc.Bits()+s.Tier.NewBits, s.CIDR.Bits())
			assert.Equal(t, s.CIDR.Masked(), s.CIDR, "unaligned %s", s.CIDR)
			for _, o := range subnets[i+1:] {
				assert.False(t, s.CIDR.Overlaps(o.CIDR), "%s overlaps %s", s.CIDR, o.CIDR)
			}
		}
		for _, tier := range tc.tiers {
			assert.Equal(t, tc.azs, perTier[tier.Name], tier.Name)
		}
	}
}

// Growing from two AZs to three must not move any existing subnet (which would replace it).
func TestAddingAnAZMovesNoSubnet(t *testing.T) {
	vpc := netip.MustParsePrefix("10.20.0.0/20")
	two, err := Carve(vpc, WorkloadTiers, 2)
	require.NoError(t, err)
	three, err := Carve(vpc, WorkloadTiers, 3)
	require.NoError(t, err)
	byKey := map[string]netip.Prefix{}
	for _, s := range three {
		byKey[s.Tier.Name+string(rune('a'+s.AZIndex))] = s.CIDR
	}
	for _, s := range two {
		assert.Equal(t, byKey[s.Tier.Name+string(rune('a'+s.AZIndex))], s.CIDR, "%s in AZ %d moved", s.Tier.Name, s.AZIndex)
	}
}

func TestKnownLayoutOfTheDefaultMgmtVPC(t *testing.T) {
	subnets, err := Carve(netip.MustParsePrefix("10.10.0.0/20"), MgmtTiers, 2)
	require.NoError(t, err)
	got := map[string]string{}
	for _, s := range subnets {
		got[s.Tier.Name+"-"+string(rune('a'+s.AZIndex))] = s.CIDR.String()
	}
	assert.Equal(t, map[string]string{
		"mgmt-a": "10.10.0.0/23", "mgmt-b": "10.10.2.0/23",
		"edge-a": "10.10.6.0/25", "directory-a": "10.10.6.128/25", "endpoints-a": "10.10.7.0/25",
		"edge-b": "10.10.7.128/25", "directory-b": "10.10.8.0/25", "endpoints-b": "10.10.8.128/25",
	}, got)
}

func TestTooSmallVPCIsAnError(t *testing.T) {
	_, err := Carve(netip.MustParsePrefix("10.20.0.0/24"), WorkloadTiers, 2)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/28")
	_, err = Carve(netip.MustParsePrefix("10.20.0.0/20"), WorkloadTiers, 4)
	require.Error(t, err)
}

func TestTierEgress(t *testing.T) {
	for _, layout := range [][]Tier{WorkloadTiers, MgmtTiers} {
		public := 0
		for _, tier := range layout {
			if tier.Public() {
				public++
				assert.Equal(t, "edge", tier.Name)
			}
		}
		assert.Equal(t, 1, public)
	}
}

func TestDomainControllerIPsAreTheTenthHostOfTheFirstTwoDirectorySubnets(t *testing.T) {
	plan, err := Carve(netip.MustParsePrefix("10.10.0.0/20"), MgmtTiers, 3)
	if err != nil {
		t.Fatal(err)
	}
	ips, err := DomainControllerIPs(plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(ips) != DomainControllerCount {
		t.Fatalf("got %v", ips)
	}
	var dirs []Subnet
	for _, s := range plan {
		if s.Tier.Name == DirectoryTier {
			dirs = append(dirs, s)
		}
	}
	for i, ip := range ips {
		if !dirs[i].CIDR.Contains(ip) {
			t.Errorf("DC %d at %s is outside %s", i, ip, dirs[i].CIDR)
		}
		if dirs[i].AZIndex != i {
			t.Errorf("DC %d is in AZ %d", i, dirs[i].AZIndex)
		}
		// Not one of AWS's reserved addresses: network, +1 router, +2 DNS, +3, broadcast.
		first := dirs[i].CIDR.Addr()
		for n, reserved := 0, first; n < 4; n, reserved = n+1, reserved.Next() {
			if ip == reserved {
				t.Errorf("DC %d at %s is AWS-reserved", i, ip)
			}
		}
	}
	if got := DomainControllerIP(netip.MustParsePrefix("10.0.32.0/19")).String(); got != "10.0.32.10" {
		t.Errorf("quick start address: got %s", got)
	}
	if got := DomainControllerIP(netip.MustParsePrefix("10.1.0.240/28")).String(); got != "10.1.0.250" {
		t.Errorf("a /28: got %s", got)
	}
}

func TestDomainControllersNeedTwoDirectorySubnets(t *testing.T) {
	plan, err := Carve(netip.MustParsePrefix("10.10.0.0/20"), MgmtTiers, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DomainControllerIPs(plan); err == nil {
		t.Fatal("one directory subnet cannot hold two DCs")
	}
}

func TestResolverEndpointAddressesAreFixedAndNeverADomainControllers(t *testing.T) {
	plan, err := Carve(netip.MustParsePrefix("10.10.0.0/20"), MgmtTiers, 3)
	if err != nil {
		t.Fatal(err)
	}
	dcs, err := DomainControllerIPs(plan)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range plan {
		if s.Tier.Name != DirectoryTier {
			continue
		}
		ip := ResolverEndpointIP(s.CIDR)
		if !s.CIDR.Contains(ip) || ip == s.CIDR.Addr() || ip.Next() == s.CIDR.Addr() {
			t.Errorf("resolver address %s is not a usable host of %s", ip, s.CIDR)
		}
		for _, dc := range dcs {
			if ip == dc {
				t.Errorf("the Resolver endpoint takes DC address %s in %s", dc, s.CIDR)
			}
		}
		// Not one of AWS's reserved addresses (network, router, DNS, +3).
		if ResolverEndpointHost < 4 {
			t.Errorf("host %d is AWS-reserved", ResolverEndpointHost)
		}
	}
	if got := ResolverEndpointIP(netip.MustParsePrefix("10.1.0.240/28")).String(); got != "10.1.0.251" {
		t.Errorf("a /28: got %s", got)
	}
}
