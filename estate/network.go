package estate

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/network"
	"github.com/giftcard/platform-infra/network/flows"
	"github.com/giftcard/platform-infra/security"
)

// networkBaseline declares issue 3's network around the stack's VPC: NACLs and the
// adopted defaults, the flow log, the endpoints, DNS, and the stack's role-specific
// links: the on-premise VPN in mgmt, the peering with mgmt in uat and prod. Its log
// groups are encrypted with the key ring's logs key. mgmt is nil in the mgmt stack.
func networkBaseline(ctx *pulumi.Context, cfg *config.Config, provider *aws.Provider, account security.Account, vpc *network.Vpc, logsKey pulumi.StringOutput, mgmt *Mgmt) error {
	onAWS := pulumi.Providers(provider)
	isMgmt := cfg.Environment == config.Mgmt
	role := flows.RoleOf(isMgmt)
	if _, err := network.NewNetworkAcls(ctx, cfg.Name("nacls"), &network.NetworkAclsArgs{
		Config: cfg, Vpc: vpc, Role: role, Peers: cfg.PeerCidrs(), Flows: flows.Table,
	}, onAWS); err != nil {
		return err
	}
	if _, err := network.NewFlowLog(ctx, cfg.Name("flow-log"), &network.FlowLogArgs{
		Config: cfg, VpcID: vpc.VpcID, KmsKeyArn: logsKey, RetentionDays: cfg.NetworkServices.FlowLogRetentionDays, Account: account,
	}, onAWS); err != nil {
		return err
	}
	if _, err := network.NewEndpoints(ctx, cfg.Name("endpoints"), &network.EndpointsArgs{
		Config: cfg, Vpc: vpc, Services: flows.InterfaceEndpointServices,
	}, onAWS); err != nil {
		return err
	}

	dnsArgs := &network.DnsArgs{Config: cfg, Vpc: vpc, KmsKeyArn: logsKey}
	if !isMgmt {
		dnsArgs.Shared = &network.SharedDns{PrivateZoneID: mgmt.PrivateZoneID, ResolverRuleID: mgmt.ResolverRuleID}
	}
	dns, err := network.NewDns(ctx, cfg.Name("dns"), dnsArgs, onAWS)
	if err != nil {
		return err
	}

	if isMgmt {
		vpn, err := network.NewOnPremVpn(ctx, cfg.Name("onprem-vpn"), &network.OnPremVpnArgs{
			Config: cfg, Vpc: vpc, Tiers: flows.OnPremTiers(flows.Table, role), KmsKeyArn: logsKey,
		}, onAWS)
		if err != nil {
			return err
		}
		var dcs []string
		for _, ip := range dns.DomainControllerIPs {
			dcs = append(dcs, ip.String())
		}
		// What uat and prod read (ReadMgmt), and the registrar's delegation.
		ctx.Export("privateZoneId", dns.PrivateZoneID)
		ctx.Export("resolverRuleId", dns.ResolverRuleID)
		ctx.Export("publicZoneId", dns.PublicZoneID)
		ctx.Export("publicZoneNameServers", dns.NameServers)
		ctx.Export("domainControllerIps", pulumi.ToStringArray(dcs))
		ctx.Export("vpnConnectionId", vpn.VpnConnectionID)
		return nil
	}

	pcx, err := network.NewPeering(ctx, cfg.Name("peering"), &network.PeeringArgs{
		Config: cfg, Vpc: vpc, LocalTiers: flows.PeeredTiers(flows.Table, role),
		Mgmt: network.PeerVpc{
			VpcID: mgmt.VpcID, Cidr: cfg.CidrOf(config.Mgmt),
			RouteTableIDs: mgmt.RouteTableIDs, AZs: mgmt.AZs,
			Tiers: flows.PeeredTiers(flows.Table, flows.MgmtVPC),
		},
	}, onAWS)
	if err != nil {
		return err
	}
	ctx.Export("peeringConnectionId", pcx.PeeringConnectionID)
	return nil
}
