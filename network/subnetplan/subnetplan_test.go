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
