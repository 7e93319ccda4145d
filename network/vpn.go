package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
)

// OnPremVpnArgs configures the site-to-site VPN from the mgmt VPC to the data centre.
type OnPremVpnArgs struct {
	Config *config.Config
	Vpc    *Vpc
	// Tiers are the tiers whose route tables learn the on-premise routes
	// (flows.OnPremTiers): no other tier reaches on-premise.
	Tiers []string
	// KmsKeyArn encrypts the tunnel log group.
	KmsKeyArn pulumi.StringInput
}

// OnPremVpn is a customer gateway, a virtual private gateway attached to the VPC and a
// BGP VPN connection with two IKEv2 tunnels (AWS terminates them in two AZs), whose keys
// come from config secrets, whose tunnel activity is logged (FSBP EC2.171), and whose
// learned routes propagate into the route tables of the tiers that need on-premise.
type OnPremVpn struct {
	pulumi.ResourceState

	CustomerGatewayID pulumi.IDOutput `pulumi:"customerGatewayId"`
	VpnGatewayID      pulumi.IDOutput `pulumi:"vpnGatewayId"`
	VpnConnectionID   pulumi.IDOutput `pulumi:"vpnConnectionId"`
}

// OnPremVpnType is the component's type token.
const OnPremVpnType = "giftcard:network:OnPremVpn"

// Tunnel crypto: AES-256-GCM needs no separate integrity algorithm in phase 2, but AWS
// proposes integrity for both phases, so both list SHA2-256 and stronger; DH groups are
// 2048-bit MODP or elliptic curves (no group 2 or 5).
var (
	vpnEncryption = []string{"AES256", "AES256-GCM-16"}
	vpnIntegrity  = []string{"SHA2-256", "SHA2-384", "SHA2-512"}
	vpnDhGroups   = []int{14, 19, 20, 21}
)

// NewOnPremVpn declares the VPN.
func NewOnPremVpn(ctx *pulumi.Context, name string, args *OnPremVpnArgs, opts ...pulumi.ResourceOption) (*OnPremVpn, error) {
	c, v := args.Config, args.Vpc
	vpn := c.NetworkServices.VPN
	if c.Environment != config.Mgmt {
		return nil, fmt.Errorf("%s: the on-premise VPN terminates in the mgmt VPC only", name)
	}
	o := &OnPremVpn{}
	props := pulumi.Map{"vpcId": v.VpcID, "onPremCidr": pulumi.String(c.Network.OnPrem)}
	if err := ctx.RegisterComponentResourceV2(OnPremVpnType, name, props, o, opts...); err != nil {
		return nil, err
	}
	in := pulumi.Parent(o)

	cn := c.Name("onprem-cgw")
	cgw, err := ec2.NewCustomerGateway(ctx, cn, &ec2.CustomerGatewayArgs{
		BgpAsn:     pulumi.String(fmt.Sprint(vpn.BgpASN)),
		IpAddress:  pulumi.String(vpn.PeerIP),
		Type:       pulumi.String("ipsec.1"),
		DeviceName: pulumi.String("on-premise data centre"),
		Tags:       nameTags(cn),
	}, in)
	if err != nil {
		return nil, err
	}
	// The data centre's device is configured with the tunnels' AWS outside addresses,
	// which a new gateway or connection changes (as does a new Amazon-side ASN, the
	// traffic selectors or the routing type, which replace them): protected, so a config
	// change cannot cut the site off without an explicit unprotect.
	keep := pulumi.Protect(true)
	gn := c.Name("vgw")
	vgw, err := ec2.NewVpnGateway(ctx, gn, &ec2.VpnGatewayArgs{
		VpcId:         v.VpcID,
		AmazonSideAsn: pulumi.String(fmt.Sprint(vpn.AmazonSideASN)),
		Tags:          nameTags(gn),
	}, in, keep)
	if err != nil {
		return nil, err
	}

	ln := c.Name("vpn-tunnel-logs")
	logs, err := newAuditLogGroup(ctx, ln, fmt.Sprintf("/giftcard/%s/vpn-tunnel-logs", c.Environment), args.KmsKeyArn, c.NetworkServices.FlowLogRetentionDays, in)
	if err != nil {
		return nil, err
	}
	secret := func(s string) pulumi.StringOutput { return pulumi.ToSecret(pulumi.String(s)).(pulumi.StringOutput) }
	vn := c.Name("onprem-vpn")
	conn, err := ec2.NewVpnConnection(ctx, vn, &ec2.VpnConnectionArgs{
		CustomerGatewayId: cgw.ID(),
		VpnGatewayId:      vgw.ID(),
		Type:              pulumi.String("ipsec.1"),
		StaticRoutesOnly:  pulumi.Bool(false), // BGP: failover between the tunnels is automatic
		// The traffic selectors: on-premise (the customer side) to the mgmt VPC.
		LocalIpv4NetworkCidr:  pulumi.String(c.Network.OnPrem),
		RemoteIpv4NetworkCidr: pulumi.String(c.VpcCidr().String()),

		Tunnel1PresharedKey:               secret(vpn.Tunnel1PSK),
		Tunnel1IkeVersions:                pulumi.StringArray{pulumi.String("ikev2")},
		Tunnel1Phase1EncryptionAlgorithms: stringArray(vpnEncryption),
		Tunnel1Phase2EncryptionAlgorithms: stringArray(vpnEncryption),
		Tunnel1Phase1IntegrityAlgorithms:  stringArray(vpnIntegrity),
		Tunnel1Phase2IntegrityAlgorithms:  stringArray(vpnIntegrity),
		Tunnel1Phase1DhGroupNumbers:       pulumi.ToIntArray(vpnDhGroups),
		Tunnel1Phase2DhGroupNumbers:       pulumi.ToIntArray(vpnDhGroups),
		Tunnel1DpdTimeoutAction:           pulumi.String("restart"),
		Tunnel1LogOptions: &ec2.VpnConnectionTunnel1LogOptionsArgs{CloudwatchLogOptions: &ec2.VpnConnectionTunnel1LogOptionsCloudwatchLogOptionsArgs{
			LogEnabled: pulumi.Bool(true), LogGroupArn: logs.Arn, LogOutputFormat: pulumi.String("json"),
		}},

		Tunnel2PresharedKey:               secret(vpn.Tunnel2PSK),
		Tunnel2IkeVersions:                pulumi.StringArray{pulumi.String("ikev2")},
		Tunnel2Phase1EncryptionAlgorithms: stringArray(vpnEncryption),
		Tunnel2Phase2EncryptionAlgorithms: stringArray(vpnEncryption),
		Tunnel2Phase1IntegrityAlgorithms:  stringArray(vpnIntegrity),
		Tunnel2Phase2IntegrityAlgorithms:  stringArray(vpnIntegrity),
		Tunnel2Phase1DhGroupNumbers:       pulumi.ToIntArray(vpnDhGroups),
		Tunnel2Phase2DhGroupNumbers:       pulumi.ToIntArray(vpnDhGroups),
		Tunnel2DpdTimeoutAction:           pulumi.String("restart"),
		Tunnel2LogOptions: &ec2.VpnConnectionTunnel2LogOptionsArgs{CloudwatchLogOptions: &ec2.VpnConnectionTunnel2LogOptionsCloudwatchLogOptionsArgs{
			LogEnabled: pulumi.Bool(true), LogGroupArn: logs.Arn, LogOutputFormat: pulumi.String("json"),
		}},
		Tags: nameTags(vn),
	}, in, keep)
	if err != nil {
		return nil, err
	}

	for _, tier := range args.Tiers {
		rts := v.RouteTableIDs[tier]
		if len(rts) == 0 {
			return nil, fmt.Errorf("%s: the VPC has no %s tier to propagate on-premise routes into", name, tier)
		}
		for i, rt := range rts {
			if _, err := ec2.NewVpnGatewayRoutePropagation(ctx, c.Name(tier, config.AZSuffix(v.AZs[i]), "onprem"), &ec2.VpnGatewayRoutePropagationArgs{
				VpnGatewayId: vgw.ID(),
				RouteTableId: rt,
			}, in); err != nil {
				return nil, err
			}
		}
	}
	o.CustomerGatewayID, o.VpnGatewayID, o.VpnConnectionID = cgw.ID(), vgw.ID(), conn.ID()
	return o, ctx.RegisterResourceOutputs(o, pulumi.Map{
		"customerGatewayId": o.CustomerGatewayID, "vpnGatewayId": o.VpnGatewayID, "vpnConnectionId": o.VpnConnectionID,
	})
}
