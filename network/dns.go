package network

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/network/subnetplan"
)

// AmazonTimeSync is the Amazon Time Sync Service, reachable from every instance without
// NACL or security group rules.
const AmazonTimeSync = "169.254.169.123"

// DnsArgs configures the DNS of one VPC.
type DnsArgs struct {
	Config *config.Config
	Vpc    *Vpc
	// KmsKeyArn encrypts the Resolver query log group.
	KmsKeyArn pulumi.StringInput
	// Shared is nil in mgmt, which creates the zones, the Resolver endpoint and rule; in
	// uat and prod it is what mgmt exported, which they associate with their VPC.
	Shared *SharedDns
}

// SharedDns is the mgmt stack's DNS that uat and prod join.
type SharedDns struct {
	PrivateZoneID  pulumi.StringInput
	ResolverRuleID pulumi.StringInput
}

// Dns is a VPC's name resolution: the DHCP options (AD domain, the VPC resolver, Amazon
// Time Sync), the private zone and the AD forwarding rule associated with the VPC, and
// Resolver query logging. In mgmt it also owns the public zone, the private zone, the
// outbound Resolver endpoint (two AZs, beside the domain controllers) and the rule.
type Dns struct {
	pulumi.ResourceState

	DhcpOptionsID  pulumi.IDOutput     `pulumi:"dhcpOptionsId"`
	PrivateZoneID  pulumi.StringOutput `pulumi:"privateZoneId"`
	ResolverRuleID pulumi.StringOutput `pulumi:"resolverRuleId"`
	// PublicZoneID and NameServers are set in mgmt only: the registrar delegates the
	// platform domain to NameServers.
	PublicZoneID pulumi.StringOutput      `pulumi:"publicZoneId"`
	NameServers  pulumi.StringArrayOutput `pulumi:"nameServers"`
	// DomainControllerIPs are the addresses the rule forwards the AD domain to (mgmt).
	DomainControllerIPs []netip.Addr
}

// DnsType is the component's type token.
const DnsType = "giftcard:network:Dns"

// NewDns declares the VPC's DNS.
func NewDns(ctx *pulumi.Context, name string, args *DnsArgs, opts ...pulumi.ResourceOption) (*Dns, error) {
	c, v := args.Config, args.Vpc
	ns := c.NetworkServices
	d := &Dns{}
	if err := ctx.RegisterComponentResourceV2(DnsType, name, pulumi.Map{"vpcId": v.VpcID, "adDomain": pulumi.String(ns.ADDomain)}, d, opts...); err != nil {
		return nil, err
	}
	in := pulumi.Parent(d)

	// Instances resolve through the VPC resolver, which forwards the AD domain to the DCs
	// by the Resolver rule and answers the private zone itself.
	dn := c.Name("dhcp")
	dhcp, err := ec2.NewVpcDhcpOptions(ctx, dn, &ec2.VpcDhcpOptionsArgs{
		DomainName:        pulumi.String(ns.ADDomain),
		DomainNameServers: pulumi.StringArray{pulumi.String("AmazonProvidedDNS")},
		NtpServers:        pulumi.StringArray{pulumi.String(AmazonTimeSync)},
		Tags:              nameTags(dn),
	}, in)
	if err != nil {
		return nil, err
	}
	if _, err := ec2.NewVpcDhcpOptionsAssociation(ctx, dn, &ec2.VpcDhcpOptionsAssociationArgs{DhcpOptionsId: dhcp.ID(), VpcId: v.VpcID}, in); err != nil {
		return nil, err
	}
	d.DhcpOptionsID = dhcp.ID()

	shared := args.Shared
	if shared == nil {
		if shared, err = d.mgmtZones(ctx, c, v, in); err != nil {
			return nil, err
		}
	} else {
		if _, err := route53.NewZoneAssociation(ctx, c.Name("private-zone"), &route53.ZoneAssociationArgs{
			ZoneId: shared.PrivateZoneID,
			VpcId:  v.VpcID,
		}, in); err != nil {
			return nil, err
		}
		d.PublicZoneID = pulumi.String("").ToStringOutput()
		d.NameServers = pulumi.StringArray{}.ToStringArrayOutput()
	}
	d.PrivateZoneID, d.ResolverRuleID = shared.PrivateZoneID.ToStringOutput(), shared.ResolverRuleID.ToStringOutput()
	if _, err := route53.NewResolverRuleAssociation(ctx, c.Name("ad-forward"), &route53.ResolverRuleAssociationArgs{
		Name:           pulumi.String(c.Name("ad-forward")),
		ResolverRuleId: shared.ResolverRuleID,
		VpcId:          v.VpcID,
	}, in); err != nil {
		return nil, err
	}

	// Resolver query logs are vended logs: the service adds this log group to the
	// account's CloudWatch Logs resource policy itself (AWSLogDeliveryWrite, at most
	// 5120 characters per region), so the deploying role needs logs:PutResourcePolicy and
	// logs:DescribeResourcePolicies; the logs key already lets CloudWatch Logs encrypt.
	qn := c.Name("dns-query-logs")
	group, err := newAuditLogGroup(ctx, qn, fmt.Sprintf("/giftcard/%s/dns-query-logs", c.Environment), args.KmsKeyArn, ns.FlowLogRetentionDays, in)
	if err != nil {
		return nil, err
	}
	qlc, err := route53.NewResolverQueryLogConfig(ctx, qn, &route53.ResolverQueryLogConfigArgs{
		Name:           pulumi.String(qn),
		DestinationArn: group.Arn,
		Tags:           nameTags(qn),
	}, in)
	if err != nil {
		return nil, err
	}
	if _, err := route53.NewResolverQueryLogConfigAssociation(ctx, qn, &route53.ResolverQueryLogConfigAssociationArgs{
		ResolverQueryLogConfigId: qlc.ID(),
		ResourceId:               v.VpcID,
	}, in); err != nil {
		return nil, err
	}

	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{
		"dhcpOptionsId": d.DhcpOptionsID, "privateZoneId": d.PrivateZoneID, "resolverRuleId": d.ResolverRuleID,
		"publicZoneId": d.PublicZoneID, "nameServers": d.NameServers,
	})
}

func (d *Dns) mgmtZones(ctx *pulumi.Context, c *config.Config, v *Vpc, in pulumi.ResourceOption) (*SharedDns, error) {
	ns := c.NetworkServices
	// Deleting the public zone loses its name servers, and with them the registrar's
	// delegation of the platform domain.
	pub, err := route53.NewZone(ctx, c.Name("public-zone"), &route53.ZoneArgs{
		Name:    pulumi.String(ns.PlatformDomain),
		Comment: pulumi.String("Public endpoints of the gift-card platform"),
		Tags:    nameTags(c.Name("public-zone")),
	}, in, pulumi.Protect(true))
	if err != nil {
		return nil, err
	}
	d.PublicZoneID, d.NameServers = pub.ZoneId, pub.NameServers

	// uat and prod add their VPCs with ZoneAssociation resources; inline VPCs and
	// separate associations fight over the list unless the zone ignores it.
	priv, err := route53.NewZone(ctx, c.Name("private-zone"), &route53.ZoneArgs{
		Name:    pulumi.String(ns.PrivateZone),
		Comment: pulumi.String("Internal names: SQL listeners, internal NLBs"),
		Vpcs:    route53.ZoneVpcArray{route53.ZoneVpcArgs{VpcId: v.VpcID}},
		Tags:    nameTags(c.Name("private-zone")),
	}, in, pulumi.IgnoreChanges([]string{"vpcs"}))
	if err != nil {
		return nil, err
	}

	dcs, err := subnetplan.DomainControllerIPs(v.Plan)
	if err != nil {
		return nil, err
	}
	d.DomainControllerIPs = dcs
	directory := v.SubnetIDs[subnetplan.DirectoryTier]
	if len(directory) < 2 {
		return nil, fmt.Errorf("the Resolver endpoint needs two %s subnets, the VPC has %d", subnetplan.DirectoryTier, len(directory))
	}

	// The outbound endpoint only opens DNS queries to the DCs; it takes no connections.
	sgName := c.Name("resolver-sg")
	sg, err := newSecurityGroup(ctx, sgName, v.VpcID, "Route 53 Resolver outbound endpoint: DNS to the domain controllers only", in)
	if err != nil {
		return nil, err
	}
	dcCIDRs := pulumi.StringArray{}
	targets := route53.ResolverRuleTargetIpArray{}
	for _, ip := range dcs {
		dcCIDRs = append(dcCIDRs, pulumi.String(netip.PrefixFrom(ip, 32).String()))
		targets = append(targets, route53.ResolverRuleTargetIpArgs{Ip: pulumi.String(ip.String()), Port: pulumi.Int(53)})
	}
	for _, proto := range []string{"udp", "tcp"} {
		if _, err := ec2.NewSecurityGroupRule(ctx, c.Name("resolver-sg", "dns", proto), &ec2.SecurityGroupRuleArgs{
			SecurityGroupId: sg.ID(),
			Type:            pulumi.String("egress"),
			Protocol:        pulumi.String(proto),
			FromPort:        pulumi.Int(53),
			ToPort:          pulumi.Int(53),
			CidrBlocks:      dcCIDRs,
			Description:     pulumi.String("DNS (" + proto + ") to the domain controllers for " + ns.ADDomain),
		}, in); err != nil {
			return nil, err
		}
	}
	// Fixed addresses: one EC2 picked could be a domain controller's. The DCs' security
	// group admits DNS from exactly these (security/portmatrix).
	resolverIPs, err := subnetplan.ResolverEndpointIPs(v.Plan)
	if err != nil {
		return nil, err
	}
	ips := route53.ResolverEndpointIpAddressArray{}
	for i, ip := range resolverIPs { // directory subnet IDs are in plan (AZ) order
		ips = append(ips, route53.ResolverEndpointIpAddressArgs{SubnetId: directory[i], Ip: pulumi.String(ip.String())})
	}
	en := c.Name("resolver-outbound")
	ep, err := route53.NewResolverEndpoint(ctx, en, &route53.ResolverEndpointArgs{
		Name:             pulumi.String(en),
		Direction:        pulumi.String("OUTBOUND"),
		IpAddresses:      ips,
		SecurityGroupIds: pulumi.StringArray{sg.ID()},
		Tags:             nameTags(en),
	}, in)
	if err != nil {
		return nil, err
	}
	rn := c.Name("ad-forward")
	rule, err := route53.NewResolverRule(ctx, rn, &route53.ResolverRuleArgs{
		Name:               pulumi.String(rn),
		DomainName:         pulumi.String(ns.ADDomain),
		RuleType:           pulumi.String("FORWARD"),
		ResolverEndpointId: ep.ID(),
		TargetIps:          targets,
		Tags:               nameTags(rn),
	}, in)
	if err != nil {
		return nil, err
	}
	return &SharedDns{PrivateZoneID: priv.ZoneId, ResolverRuleID: rule.ID()}, nil
}
