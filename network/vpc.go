// Package network builds the estate's networks as typed components.
package network

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/network/subnetplan"
)

// VpcArgs describes one VPC of the estate.
type VpcArgs struct {
	// Config names and tags the VPC's resources after its stack.
	Config *config.Config
	// Cidr is the VPC's address range, validated disjoint from every other range.
	Cidr netip.Prefix
	// AZs are the availability zone names the VPC spans, in order; index i is "AZ i" of
	// the subnet plan, so the order must be stable across deployments.
	AZs []string
	// Tiers are the subnet tiers to carve (subnetplan.WorkloadTiers or MgmtTiers).
	Tiers []subnetplan.Tier
}

// Vpc is a VPC with one subnet, route table and (for private tiers) NAT route per tier
// per AZ, an internet gateway, and one NAT gateway per AZ in the edge tier.
type Vpc struct {
	pulumi.ResourceState

	VpcID     pulumi.IDOutput     `pulumi:"vpcId"`
	CidrBlock pulumi.StringOutput `pulumi:"cidrBlock"`
	// SubnetIDs and RouteTableIDs are keyed by tier name, one entry per AZ in AZs order.
	SubnetIDs     map[string][]pulumi.IDOutput
	RouteTableIDs map[string][]pulumi.IDOutput
	// NatGatewayIDs has one NAT gateway per AZ, in AZs order.
	NatGatewayIDs []pulumi.IDOutput
	// DefaultSecurityGroupID and DefaultNetworkAclID are adopted and stripped by the
	// network baseline (CIS 5.5).
	DefaultSecurityGroupID pulumi.StringOutput
	DefaultNetworkAclID    pulumi.StringOutput

	// Plan is the carved address plan the subnets were built from.
	Plan []subnetplan.Subnet
	// AZs echoes the AZ names, index-aligned with SubnetIDs.
	AZs []string
}

// VpcType is the component's type token.
const VpcType = "giftcard:network:Vpc"

// NewVpc declares the VPC and its tiers.
func NewVpc(ctx *pulumi.Context, name string, args *VpcArgs, opts ...pulumi.ResourceOption) (*Vpc, error) {
	plan, err := subnetplan.Carve(args.Cidr, args.Tiers, len(args.AZs))
	if err != nil {
		return nil, fmt.Errorf("vpc %s: %w", name, err)
	}
	c := args.Config
	v := &Vpc{SubnetIDs: map[string][]pulumi.IDOutput{}, RouteTableIDs: map[string][]pulumi.IDOutput{}, Plan: plan, AZs: args.AZs}
	props := pulumi.Map{"cidr": pulumi.String(args.Cidr.String()), "azs": pulumi.ToStringArray(args.AZs)}
	if err := ctx.RegisterComponentResourceV2(VpcType, name, props, v, opts...); err != nil {
		return nil, err
	}
	in := pulumi.Parent(v)
	tags := nameTags

	vpc, err := ec2.NewVpc(ctx, name, &ec2.VpcArgs{
		CidrBlock:          pulumi.String(args.Cidr.String()),
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true),
		Tags:               tags(name),
	}, in)
	if err != nil {
		return nil, err
	}
	v.VpcID, v.CidrBlock = vpc.ID(), vpc.CidrBlock
	v.DefaultSecurityGroupID, v.DefaultNetworkAclID = vpc.DefaultSecurityGroupId, vpc.DefaultNetworkAclId

	igw, err := ec2.NewInternetGateway(ctx, c.Name("igw"), &ec2.InternetGatewayArgs{VpcId: vpc.ID(), Tags: tags(c.Name("igw"))}, in)
	if err != nil {
		return nil, err
	}

	subnets := map[string][]*ec2.Subnet{}
	routeTables := map[string][]*ec2.RouteTable{}
	for _, s := range plan {
		az := args.AZs[s.AZIndex]
		n := c.Name(s.Tier.Name, config.AZSuffix(az))
		sn, err := ec2.NewSubnet(ctx, n, &ec2.SubnetArgs{
			VpcId:            vpc.ID(),
			CidrBlock:        pulumi.String(s.CIDR.String()),
			AvailabilityZone: pulumi.String(az),
			// Even the edge tier: NAT gateways and NLBs take Elastic IPs explicitly.
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                tags(n, "tier", s.Tier.Name),
		}, in)
		if err != nil {
			return nil, err
		}
		rt, err := ec2.NewRouteTable(ctx, n, &ec2.RouteTableArgs{VpcId: vpc.ID(), Tags: tags(n, "tier", s.Tier.Name)}, in)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, n, &ec2.RouteTableAssociationArgs{SubnetId: sn.ID(), RouteTableId: rt.ID()}, in); err != nil {
			return nil, err
		}
		subnets[s.Tier.Name] = append(subnets[s.Tier.Name], sn)
		routeTables[s.Tier.Name] = append(routeTables[s.Tier.Name], rt)
		v.SubnetIDs[s.Tier.Name] = append(v.SubnetIDs[s.Tier.Name], sn.ID())
		v.RouteTableIDs[s.Tier.Name] = append(v.RouteTableIDs[s.Tier.Name], rt.ID())
	}

	publicTier := ""
	for _, t := range args.Tiers {
		if t.Public() {
			publicTier = t.Name
		}
	}
	if publicTier == "" {
		return nil, fmt.Errorf("vpc %s: no public tier to hold the NAT gateways", name)
	}
	var nats []*ec2.NatGateway
	for i, az := range args.AZs {
		n := c.Name("nat", config.AZSuffix(az))
		eip, err := ec2.NewEip(ctx, n, &ec2.EipArgs{Domain: pulumi.String("vpc"), Tags: tags(n)}, in)
		if err != nil {
			return nil, err
		}
		nat, err := ec2.NewNatGateway(ctx, n, &ec2.NatGatewayArgs{
			AllocationId: eip.ID(),
			SubnetId:     subnets[publicTier][i].ID(),
			Tags:         tags(n),
		}, in, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return nil, err
		}
		nats = append(nats, nat)
		v.NatGatewayIDs = append(v.NatGatewayIDs, nat.ID())
	}

	for _, t := range args.Tiers {
		for i, rt := range routeTables[t.Name] {
			n := c.Name(t.Name, config.AZSuffix(args.AZs[i]), "default")
			route := &ec2.RouteArgs{RouteTableId: rt.ID(), DestinationCidrBlock: pulumi.String("0.0.0.0/0")}
			switch t.Egress {
			case subnetplan.ViaInternetGateway:
				route.GatewayId = igw.ID()
			case subnetplan.ViaNAT:
				route.NatGatewayId = nats[i].ID() // its own AZ's NAT: an AZ failure strands no other AZ
			default:
				continue
			}
			if _, err := ec2.NewRoute(ctx, n, route, in); err != nil {
				return nil, err
			}
		}
	}

	return v, ctx.RegisterResourceOutputs(v, pulumi.Map{
		"vpcId":         v.VpcID,
		"cidrBlock":     v.CidrBlock,
		"subnetIds":     IDMap(v.SubnetIDs),
		"routeTableIds": IDMap(v.RouteTableIDs),
		"natGatewayIds": pulumi.IDArray(idInputs(v.NatGatewayIDs)),
	})
}

// IDMap turns per-tier ID lists into an output map of string arrays.
func IDMap(m map[string][]pulumi.IDOutput) pulumi.Map {
	out := pulumi.Map{}
	for tier, ids := range m {
		out[tier] = pulumi.IDArray(idInputs(ids))
	}
	return out
}

func idInputs(ids []pulumi.IDOutput) []pulumi.IDInput {
	out := make([]pulumi.IDInput, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
