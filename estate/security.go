package estate

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/network"
	"github.com/giftcard/platform-infra/network/subnetplan"
	"github.com/giftcard/platform-infra/security"
	"github.com/giftcard/platform-infra/security/portmatrix"
)

// Security is what the security components give the rest of the program.
type Security struct {
	Keys           *security.KeyRing
	Roles          *security.InstanceRoles
	SecurityGroups *security.TierSecurityGroups
}

// buildSecurity declares the stack's security: keys, identities and the account
// baseline (mgmt), instance roles, tier security groups, the IIS certificate (uat,
// prod) and patching.
func buildSecurity(ctx *pulumi.Context, cfg *config.Config, provider *aws.Provider, acct security.Account, vpc *network.Vpc) (*Security, error) {
	onAWS := pulumi.Providers(provider)
	mgmt := cfg.Environment == config.Mgmt
	trail := ""
	var keyDeps []pulumi.Resource
	if mgmt {
		trail = cfg.Name("trail")
		identity, err := security.NewIdentity(ctx, cfg.Name("identity"), &security.IdentityArgs{Config: cfg, Account: acct}, onAWS)
		if err != nil {
			return nil, err
		}
		keyDeps = append(keyDeps, identity.AutoScalingRole)
	}

	keys, err := security.NewKeyRing(ctx, cfg.Name("keys"), &security.KeyRingArgs{
		Config: cfg, Account: acct, TrailName: trail, DependsOn: keyDeps,
	}, onAWS)
	if err != nil {
		return nil, err
	}
	var baseline *security.AccountBaseline
	if mgmt {
		baseline, err = security.NewAccountBaseline(ctx, cfg.Name("baseline"), &security.AccountBaselineArgs{
			Config: cfg, Account: acct, Keys: keys, TrailName: trail,
			DataEventBucketPrefixes: []string{config.Prefix + "-" + string(config.Uat) + "-", config.Prefix + "-" + string(config.Prod) + "-"},
		}, onAWS)
		if err != nil {
			return nil, err
		}
	}

	patchBucket := security.PatchLogBucketName(cfg, acct)
	roles, err := security.NewInstanceRoles(ctx, cfg.Name("roles"), &security.InstanceRolesArgs{
		Config: cfg, Account: acct, SecretsKeyArn: keys.SecretsKeyArn, LogsKeyArn: keys.LogsKeyArn, DataKeyArn: keys.DataKeyArn,
		PatchLogBucket: patchBucket,
	}, onAWS)
	if err != nil {
		return nil, err
	}

	tiers := portmatrix.TiersFor(mgmt)
	addresses, err := addressesOf(cfg, vpc.Plan)
	if err != nil {
		return nil, err
	}
	rules, err := portmatrix.Rules(portmatrix.Params{Tiers: tiers, Ranges: addresses.Ranges(), ListenerPorts: cfg.Security.PublicListenerPorts})
	if err != nil {
		return nil, err
	}
	groups, err := security.NewTierSecurityGroups(ctx, cfg.Name("security-groups"), &security.TierSecurityGroupsArgs{
		Config: cfg, VpcID: vpc.VpcID.ToStringOutput(), Tiers: tiers, Rules: rules,
	}, onAWS)
	if err != nil {
		return nil, err
	}

	if !mgmt {
		cert, err := security.NewTlsCertificate(ctx, cfg.Name("tls"), &security.TlsCertificateArgs{
			Config: cfg, Account: acct, SecretsKeyArn: keys.SecretsKeyArn, ReaderRoleArn: roles.RoleArns["app"],
		}, onAWS)
		if err != nil {
			return nil, err
		}
		ctx.Export("tlsCertificateSecretArn", cert.SecretArn)
	}

	var patched []string
	for _, t := range security.RoleTiersFor(mgmt) {
		if t.Patched {
			patched = append(patched, t.Name)
		}
	}
	var accessLogs []pulumi.Resource
	if baseline != nil {
		accessLogs = baseline.AccessLogs
	}
	patching, err := security.NewPatching(ctx, cfg.Name("patching"), &security.PatchingArgs{
		Config: cfg, Account: acct, LogsKeyArn: keys.LogsKeyArn, AZs: vpc.AZs, Tiers: patched, AccessLogs: accessLogs,
	}, onAWS)
	if err != nil {
		return nil, err
	}

	keyArns := pulumi.StringMap{}
	for _, p := range security.KeyPurposes {
		keyArns[p.Name] = keys.Arn(p.Name)
	}
	ctx.Export("kmsKeyArns", keyArns)
	ctx.Export("securityGroupIds", groups.IDMap())
	ctx.Export("instanceProfiles", pulumi.ToStringMapOutput(roles.ProfileNames))
	ctx.Export("patchGroups", pulumi.ToStringMap(patching.PatchGroups))
	if baseline != nil {
		ctx.Export("trailArn", baseline.TrailArn)
		ctx.Export("logArchiveBucket", baseline.LogArchiveBucket)
	}
	return &Security{Keys: keys, Roles: roles, SecurityGroups: groups}, nil
}

// addressesOf resolves the port matrix's ranges from config and the carved plans of
// every VPC (the other VPCs' plans are carved from config exactly as their stacks do).
func addressesOf(cfg *config.Config, own []subnetplan.Subnet) (portmatrix.Addresses, error) {
	carve := func(env config.Environment) ([]subnetplan.Subnet, error) {
		plan, err := subnetplan.Carve(cfg.CidrOf(env), subnetplan.LayoutFor(env == config.Mgmt), cfg.AZCount)
		if err != nil {
			return nil, fmt.Errorf("carving the %s VPC for the port matrix: %w", env, err)
		}
		return plan, nil
	}
	a := portmatrix.Addresses{
		Own: own, MgmtVpc: cfg.CidrOf(config.Mgmt), OnPrem: netip.MustParsePrefix(cfg.Network.OnPrem),
		Admin: config.Prefixes(cfg.Security.AdminCidrs), DBA: config.Prefixes(cfg.Security.DBACidrs),
		OnPremDCs:    cfg.OnPremDCPrefixes(),
		WorkloadVpcs: []netip.Prefix{cfg.CidrOf(config.Uat), cfg.CidrOf(config.Prod)},
	}
	var err error
	if a.Mgmt, err = carve(config.Mgmt); err != nil {
		return a, err
	}
	for _, env := range []config.Environment{config.Uat, config.Prod} {
		plan, err := carve(env)
		if err != nil {
			return a, err
		}
		a.Workloads = append(a.Workloads, plan)
	}
	return a, nil
}
