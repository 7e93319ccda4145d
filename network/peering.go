package network

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
)

// PeeringArgs configures the peering of a workload VPC (uat, prod) with the mgmt VPC.
// The workload stack owns both sides: the connection, its own routes, and the routes in
// the mgmt route tables, so removing the workload stack removes every trace of it.
type PeeringArgs struct {
	Config *config.Config
	// Vpc is this stack's (workload) VPC.
	Vpc *Vpc
	// LocalTiers are the tiers of Vpc that talk to mgmt (flows.PeeredTiers).
	LocalTiers []string
	// Mgmt is the mgmt VPC as its stack exported it.
	Mgmt PeerVpc
}

// PeerVpc is the other side of a peering, read from its stack's outputs.
type PeerVpc struct {
	VpcID pulumi.StringInput
	Cidr  netip.Prefix
	// RouteTableIDs are the peer's route table ids by tier, in AZ order, and AZs the AZ
	// names they are in: plain values, because they decide how many routes to declare.
	RouteTableIDs map[string][]string
	AZs           []string
	// Tiers are the peer's tiers that talk to this VPC (flows.PeeredTiers).
	Tiers []string
}

// Peering is a same-account, same-region VPC peering connection, accepted on creation,
// with DNS resolution of the peer's private names on both sides, and a route for the
// peer's range (and nothing wider: CIS 5.6 least access) in the route tables of exactly
// the tiers that talk across it.
type Peering struct {
	pulumi.ResourceState

	PeeringConnectionID pulumi.IDOutput `pulumi:"peeringConnectionId"`
}

// PeeringType is the component's type token.
const PeeringType = "giftcard:network:Peering"

// NewPeering declares the connection and the routes on both sides.
func NewPeering(ctx *pulumi.Context, name string, args *PeeringArgs, opts ...pulumi.ResourceOption) (*Peering, error) {
	c, v, m := args.Config, args.Vpc, args.Mgmt
	if !c.IsWorkload() {
		return nil, fmt.Errorf("%s: only uat and prod peer with mgmt (never mgmt with itself, never uat with prod)", name)
	}
	p := &Peering{}
	props := pulumi.Map{"vpcId": v.VpcID, "peerVpcId": m.VpcID, "peerCidr": pulumi.String(m.Cidr.String())}
	if err := ctx.RegisterComponentResourceV2(PeeringType, name, props, p, opts...); err != nil {
		return nil, err
	}
	in := pulumi.Parent(p)

	pn := c.Name("peering", "mgmt")
	pcx, err := ec2.NewVpcPeeringConnection(ctx, pn, &ec2.VpcPeeringConnectionArgs{
		VpcId:      v.VpcID,
		PeerVpcId:  m.VpcID,
		AutoAccept: pulumi.Bool(true),
		Requester:  &ec2.VpcPeeringConnectionRequesterArgs{AllowRemoteVpcDnsResolution: pulumi.Bool(true)},
		Accepter:   &ec2.VpcPeeringConnectionAccepterTypeArgs{AllowRemoteVpcDnsResolution: pulumi.Bool(true)},
		Tags:       nameTags(pn, "peer-environment", string(config.Mgmt)),
	}, in)
	if err != nil {
		return nil, err
	}
	p.PeeringConnectionID = pcx.ID()

	for _, tier := range args.LocalTiers {
		rts := v.RouteTableIDs[tier]
		if len(rts) == 0 {
			return nil, fmt.Errorf("%s: the VPC has no %s tier to route to mgmt", name, tier)
		}
		for i, rt := range rts {
			if _, err := ec2.NewRoute(ctx, c.Name(tier, config.AZSuffix(v.AZs[i]), "to-mgmt"), &ec2.RouteArgs{
				RouteTableId:           rt,
				DestinationCidrBlock:   pulumi.String(m.Cidr.String()),
				VpcPeeringConnectionId: pcx.ID(),
			}, in); err != nil {
				return nil, err
			}
		}
	}
	for _, tier := range m.Tiers {
		rts := m.RouteTableIDs[tier]
		if len(rts) == 0 {
			return nil, fmt.Errorf("%s: the mgmt stack exports no route tables for its %s tier", name, tier)
		}
		if len(m.AZs) < len(rts) {
			return nil, fmt.Errorf("%s: the mgmt stack exports %d %s route tables but %d AZs", name, len(rts), tier, len(m.AZs))
		}
		for i, rt := range rts {
			if _, err := ec2.NewRoute(ctx, c.Name("mgmt", tier, config.AZSuffix(m.AZs[i]), "to", string(c.Environment)), &ec2.RouteArgs{
				RouteTableId:           pulumi.String(rt),
				DestinationCidrBlock:   pulumi.String(c.VpcCidr().String()),
				VpcPeeringConnectionId: pcx.ID(),
			}, in); err != nil {
				return nil, err
			}
		}
	}
	return p, ctx.RegisterResourceOutputs(p, pulumi.Map{"peeringConnectionId": p.PeeringConnectionID})
}
