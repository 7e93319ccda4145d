package network

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/network/flows"
	"github.com/giftcard/platform-infra/network/subnetplan"
)

// NetworkAclsArgs configures the subnet-level baseline of one VPC.
type NetworkAclsArgs struct {
	// Config names the resources after the stack.
	Config *config.Config
	// Vpc is the VPC whose tiers get a NACL each.
	Vpc *Vpc
	// Role is the VPC's place in the flow table (mgmt or workload).
	Role flows.Role
	// Peers are the peered VPC ranges (mgmt for a workload VPC; uat and prod for mgmt).
	Peers []netip.Prefix
	// Flows is the flow table the rules derive from (flows.Table).
	Flows []flows.Flow
}

// NetworkAcls is one NACL per tier, derived from the flow table and associated with the
// tier's subnets in every AZ, plus the VPC's default NACL and default security group
// adopted and stripped of every rule (CIS AWS 5.5), so nothing can fall back on them.
type NetworkAcls struct {
	pulumi.ResourceState

	// AclIDs are the NACL ids by tier.
	AclIDs                 map[string]pulumi.IDOutput
	DefaultNetworkAclID    pulumi.IDOutput `pulumi:"defaultNetworkAclId"`
	DefaultSecurityGroupID pulumi.IDOutput `pulumi:"defaultSecurityGroupId"`
	// Rules are the derived entries by tier, as declared.
	Rules map[string]flows.ACL
}

// NetworkAclsType is the component's type token.
const NetworkAclsType = "giftcard:network:NetworkAcls"

// NewNetworkAcls declares the NACLs and adopts the defaults.
func NewNetworkAcls(ctx *pulumi.Context, name string, args *NetworkAclsArgs, opts ...pulumi.ResourceOption) (*NetworkAcls, error) {
	c, v := args.Config, args.Vpc
	rules, err := flows.NACLs(args.Flows, flows.Addresses{
		Role: args.Role, VPC: c.VpcCidr(), Tiers: flows.TierCIDRs(v.Plan), Peers: args.Peers,
		OnPrem: netip.MustParsePrefix(c.Network.OnPrem), OnPremDCs: c.OnPremDCs(),
		ListenerPorts: c.Security.PublicListenerPorts,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for tier, acl := range rules {
		if len(acl.Ingress) > flows.RuleQuota || len(acl.Egress) > flows.RuleQuota {
			return nil, fmt.Errorf("%s: the %s NACL needs %d ingress and %d egress rules; AWS allows %d per direction", name, tier, len(acl.Ingress), len(acl.Egress), flows.RuleQuota)
		}
	}

	n := &NetworkAcls{AclIDs: map[string]pulumi.IDOutput{}, Rules: rules}
	props := pulumi.Map{"vpcId": v.VpcID, "role": pulumi.String(string(args.Role))}
	if err := ctx.RegisterComponentResourceV2(NetworkAclsType, name, props, n, opts...); err != nil {
		return nil, err
	}
	in := pulumi.Parent(n)

	for _, tier := range orderedTiers(v) {
		acl := rules[tier]
		aclName := c.Name(tier, "nacl")
		var ingress ec2.NetworkAclIngressArray
		var egress ec2.NetworkAclEgressArray
		for _, r := range acl.Ingress {
			ingress = append(ingress, naclEntry(r))
		}
		for _, r := range acl.Egress {
			egress = append(egress, ec2.NetworkAclEgressArgs(naclEntry(r))) // the same fields
		}
		// Inline rules: a tier's rule set is one resource, diffed as a whole. AWS still
		// applies a change entry by entry (old entries out, new ones in), so changing a
		// flow can drop that tier's traffic for the seconds the update takes.
		nacl, err := ec2.NewNetworkAcl(ctx, aclName, &ec2.NetworkAclArgs{
			VpcId:   v.VpcID,
			Ingress: ingress,
			Egress:  egress,
			Tags:    nameTags(aclName, "tier", tier),
		}, in)
		if err != nil {
			return nil, err
		}
		n.AclIDs[tier] = nacl.ID()
		for i, subnetID := range v.SubnetIDs[tier] {
			an := c.Name(tier, config.AZSuffix(v.AZs[i]), "nacl")
			if _, err := ec2.NewNetworkAclAssociation(ctx, an, &ec2.NetworkAclAssociationArgs{
				NetworkAclId: nacl.ID(),
				SubnetId:     subnetID,
			}, in); err != nil {
				return nil, err
			}
		}
	}

	// No ingress or egress: the adopted defaults deny everything. Every subnet is
	// associated with its tier's NACL, which AWS reports by moving it off the default
	// NACL; ignoring subnetIds keeps that from showing as drift.
	dn := c.Name("default-nacl")
	defaultNacl, err := ec2.NewDefaultNetworkAcl(ctx, dn, &ec2.DefaultNetworkAclArgs{
		DefaultNetworkAclId: v.DefaultNetworkAclID,
		Tags:                nameTags(dn, "purpose", "adopted default, no rules (CIS 5.5)"),
	}, in, pulumi.IgnoreChanges([]string{"subnetIds"}))
	if err != nil {
		return nil, err
	}
	ds := c.Name("default-sg")
	defaultSG, err := ec2.NewDefaultSecurityGroup(ctx, ds, &ec2.DefaultSecurityGroupArgs{
		VpcId: v.VpcID,
		Tags:  nameTags(ds, "purpose", "adopted default, no rules (CIS 5.5)"),
	}, in)
	if err != nil {
		return nil, err
	}
	n.DefaultNetworkAclID, n.DefaultSecurityGroupID = defaultNacl.ID(), defaultSG.ID()

	ids := pulumi.Map{}
	for tier, id := range n.AclIDs {
		ids[tier] = id
	}
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{
		"aclIds":                 ids,
		"defaultNetworkAclId":    n.DefaultNetworkAclID,
		"defaultSecurityGroupId": n.DefaultSecurityGroupID,
	})
}

// orderedTiers are the VPC's tier names in plan order, so resources register
// deterministically.
func orderedTiers(v *Vpc) []string {
	var out []string
	for _, t := range tiersOf(v) {
		out = append(out, t.Name)
	}
	return out
}

func tiersOf(v *Vpc) []subnetplan.Tier {
	var out []subnetplan.Tier
	seen := map[string]bool{}
	for _, s := range v.Plan {
		if !seen[s.Tier.Name] {
			seen[s.Tier.Name] = true
			out = append(out, s.Tier)
		}
	}
	return out
}

// naclEntry is one derived rule as a NACL entry (every entry allows; the implicit last
// rule denies).
func naclEntry(r flows.Rule) ec2.NetworkAclIngressArgs {
	e := ec2.NetworkAclIngressArgs{RuleNo: pulumi.Int(r.Number), Action: pulumi.String("allow"),
		Protocol: pulumi.String(string(r.Protocol)), CidrBlock: pulumi.String(r.CIDR.String()), FromPort: pulumi.Int(r.FromPort), ToPort: pulumi.Int(r.ToPort)}
	if r.Protocol == flows.ICMP {
		e.IcmpType, e.IcmpCode = pulumi.Int(r.IcmpType), pulumi.Int(r.IcmpCode)
	}
	return e
}
