// Package estate is the Pulumi program: it loads and validates the stack's config, then
// declares what the stack's role builds. main.go, the offline plan and the tests all run
// Run, so what is tested is what `pulumi up` deploys.
package estate

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/network"
	"github.com/giftcard/platform-infra/network/subnetplan"
	"github.com/giftcard/platform-infra/security"
)

// LoadConfig reads and validates the stack's configuration from the Pulumi context.
func LoadConfig(ctx *pulumi.Context) (*config.Config, error) {
	cfg, err := config.Load(ctx.Stack(), ctx.GetConfig)
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckSecrets(ctx.IsConfigSecret); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Run declares the stack. Invalid config fails before any resource is declared.
func Run(ctx *pulumi.Context) error {
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings() {
		_ = ctx.Log.Warn(w, nil)
	}

	// uat and prod read mgmt first: an address plan that disagrees with it fails here,
	// before any resource is declared.
	var mgmt *Mgmt
	if cfg.IsWorkload() {
		if mgmt, err = ReadMgmt(ctx, cfg); err != nil {
			return err
		}
	}

	provider, err := aws.NewProvider(ctx, cfg.Name("aws"), &aws.ProviderArgs{
		Region:      pulumi.String(cfg.AWSRegion),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(cfg.DefaultTags())},
	})
	if err != nil {
		return err
	}
	onAWS := pulumi.Provider(provider)

	azs, err := availabilityZones(ctx, cfg, onAWS)
	if err != nil {
		return err
	}

	vpc, err := network.NewVpc(ctx, cfg.Name("vpc"), &network.VpcArgs{
		Config: cfg,
		Cidr:   cfg.VpcCidr(),
		AZs:    azs,
		Tiers:  subnetplan.LayoutFor(cfg.Environment == config.Mgmt),
	}, pulumi.Providers(provider))
	if err != nil {
		return err
	}

	caller, err := aws.GetCallerIdentity(ctx, nil, onAWS)
	if err != nil {
		return err
	}
	// Policies name the account and region; the region is the provider's own.
	acct := security.Account{ID: caller.AccountId, Region: cfg.AWSRegion, Deployer: security.DeployerPrincipal(caller.Arn)}

	sec, err := buildSecurity(ctx, cfg, provider, acct, vpc)
	if err != nil {
		return err
	}

	ctx.Export("environment", pulumi.String(string(cfg.Environment)))
	ctx.Export("region", pulumi.String(cfg.AWSRegion))
	ctx.Export("availabilityZones", pulumi.ToStringArray(azs))
	ctx.Export("vpcId", vpc.VpcID)
	ctx.Export("vpcCidr", vpc.CidrBlock)
	ctx.Export("subnetIds", network.IDMap(vpc.SubnetIDs))
	ctx.Export("routeTableIds", network.IDMap(vpc.RouteTableIDs))

	if cfg.IsWorkload() {
		ctx.Export("mgmtVpcId", mgmt.VpcID)
		ctx.Export("mgmtVpcCidr", mgmt.VpcCidr)
	}
	if err := networkBaseline(ctx, cfg, provider, acct, vpc, sec.Keys.LogsKeyArn, mgmt); err != nil {
		return err
	}
	return nil
}

// availabilityZones picks the first azCount zones of the region that need no opt-in
// (local and wavelength zones do), in name order, so AZ index i is stable.
func availabilityZones(ctx *pulumi.Context, cfg *config.Config, opts ...pulumi.InvokeOption) ([]string, error) {
	res, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State:   pulumi.StringRef("available"),
		Filters: []aws.GetAvailabilityZonesFilter{{Name: "opt-in-status", Values: []string{"opt-in-not-required"}}},
	}, opts...)
	if err != nil {
		return nil, err
	}
	if len(res.Names) < cfg.AZCount {
		return nil, fmt.Errorf("%s = %d: region %s offers only %d availability zones (%v)",
			config.FullKey("azCount"), cfg.AZCount, cfg.AWSRegion, len(res.Names), res.Names)
	}
	return res.Names[:cfg.AZCount], nil
}
