package security

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/security/portmatrix"
)

// TierSecurityGroupsType is the component's type token.
const TierSecurityGroupsType = "giftcard:security:TierSecurityGroups"

// TierTag is the tag naming a security group's tier (read by the controls).
const TierTag = "tier"

// TierSecurityGroupsArgs configures one VPC's tier groups.
type TierSecurityGroupsArgs struct {
	Config *config.Config
	VpcID  pulumi.StringInput
	// Tiers are the groups to create (portmatrix.TiersFor).
	Tiers []portmatrix.Tier
	// Rules are the port matrix expanded for this VPC (portmatrix.Rules).
	Rules []portmatrix.Rule
}

// TierSecurityGroups is one security group per tier, with every rule of the port matrix
// as its own rule resource: nothing is inline, so a rule change never replaces a group.
type TierSecurityGroups struct {
	pulumi.ResourceState

	// IDs are the group IDs by tier.
	IDs map[portmatrix.Tier]pulumi.IDOutput
}

// IDMap is the group IDs as an output map keyed by tier name.
func (g *TierSecurityGroups) IDMap() pulumi.StringMap {
	out := pulumi.StringMap{}
	for t, id := range g.IDs {
		out[string(t)] = id.ToStringOutput()
	}
	return out
}

// NewTierSecurityGroups declares the groups and their rules.
func NewTierSecurityGroups(ctx *pulumi.Context, name string, args *TierSecurityGroupsArgs, opts ...pulumi.ResourceOption) (*TierSecurityGroups, error) {
	g := &TierSecurityGroups{IDs: map[portmatrix.Tier]pulumi.IDOutput{}}
	if err := ctx.RegisterComponentResourceV2(TierSecurityGroupsType, name, pulumi.Map{}, g, opts...); err != nil {
		return nil, err
	}
	c := args.Config
	in := pulumi.Parent(g)
	for _, t := range args.Tiers {
		n := c.Name("sg", string(t))
		sg, err := ec2.NewSecurityGroup(ctx, n, &ec2.SecurityGroupArgs{
			Name:        pulumi.String(n),
			Description: pulumi.Sprintf("%s tier of the %s VPC (rules from the port matrix)", t, c.Environment),
			VpcId:       args.VpcID,
			// Other groups' rules reference this one; revoking first lets it be deleted.
			RevokeRulesOnDelete: pulumi.Bool(true),
			Tags:                pulumi.StringMap{"Name": pulumi.String(n), TierTag: pulumi.String(string(t))},
		}, in)
		if err != nil {
			return nil, err
		}
		g.IDs[t] = sg.ID()
	}
	for _, r := range args.Rules {
		n := c.Name("sg", r.Name())
		var from, to pulumi.IntPtrInput
		if r.Ports.Protocol != portmatrix.All {
			from, to = pulumi.Int(r.Ports.From), pulumi.Int(r.Ports.To)
		}
		var cidr, peer pulumi.StringPtrInput
		if r.Cidr.IsValid() {
			cidr = pulumi.String(r.Cidr.String())
		} else {
			peer = g.IDs[r.PeerTier].ToStringOutput()
		}
		sgID := g.IDs[r.Tier].ToStringOutput()
		tags := pulumi.StringMap{"Name": pulumi.String(n)}
		var err error
		if r.Direction == portmatrix.Ingress {
			_, err = vpc.NewSecurityGroupIngressRule(ctx, n, &vpc.SecurityGroupIngressRuleArgs{
				SecurityGroupId: sgID, IpProtocol: pulumi.String(string(r.Ports.Protocol)), FromPort: from, ToPort: to,
				CidrIpv4: cidr, ReferencedSecurityGroupId: peer, Description: pulumi.String(r.Description), Tags: tags,
			}, in)
		} else {
			_, err = vpc.NewSecurityGroupEgressRule(ctx, n, &vpc.SecurityGroupEgressRuleArgs{
				SecurityGroupId: sgID, IpProtocol: pulumi.String(string(r.Ports.Protocol)), FromPort: from, ToPort: to,
				CidrIpv4: cidr, ReferencedSecurityGroupId: peer, Description: pulumi.String(r.Description), Tags: tags,
			}, in)
		}
		if err != nil {
			return nil, err
		}
	}
	return g, ctx.RegisterResourceOutputs(g, pulumi.Map{"securityGroupIds": g.IDMap()})
}
