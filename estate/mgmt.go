package estate

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
)

// Mgmt is what uat and prod read from the mgmt stack's outputs.
type Mgmt struct {
	VpcID   pulumi.StringOutput
	VpcCidr pulumi.StringOutput
	// RouteTableIDs (by tier, in AZ order) and AZs are plain values: they decide how
	// many peering routes the workload stack declares in the mgmt route tables.
	RouteTableIDs map[string][]string
	AZs           []string
	// PrivateZoneID and ResolverRuleID are what the workload VPCs associate with.
	PrivateZoneID  pulumi.StringOutput
	ResolverRuleID pulumi.StringOutput
}

// ReadMgmt reads the mgmt stack through a StackReference. The mgmt VPC CIDR it reports
// must equal this stack's mgmtVpcCidr: stacks configured with different address plans
// would route to the wrong place, so the mismatch is an error. Call it before declaring
// any resource.
func ReadMgmt(ctx *pulumi.Context, cfg *config.Config) (*Mgmt, error) {
	ref, err := pulumi.NewStackReference(ctx, cfg.MgmtStackName, nil)
	if err != nil {
		return nil, err
	}
	// Read plainly and checked before the program declares anything: the NACLs and the
	// peering routes are derived from mgmtVpcCidr, so a check on an output would only
	// fail the deployment after they were built for the wrong range.
	want := cfg.Network.Mgmt
	reported, err := plainOutput(ref, cfg, "vpcCidr")
	if err != nil {
		return nil, err
	}
	if got, _ := reported.(string); got != want {
		return nil, fmt.Errorf("%s = %q, but stack %s reports its VPC CIDR as %q: expected the same address plan in every stack",
			config.FullKey("mgmtVpcCidr"), want, cfg.MgmtStackName, reported)
	}
	m := &Mgmt{
		VpcID:          ref.GetStringOutput(pulumi.String("vpcId")),
		VpcCidr:        pulumi.String(want).ToStringOutput(),
		PrivateZoneID:  ref.GetStringOutput(pulumi.String("privateZoneId")),
		ResolverRuleID: ref.GetStringOutput(pulumi.String("resolverRuleId")),
	}

	rts, err := plainOutput(ref, cfg, "routeTableIds")
	if err != nil {
		return nil, err
	}
	tiers, _ := rts.(map[string]any)
	m.RouteTableIDs = map[string][]string{}
	for tier, ids := range tiers {
		list, _ := ids.([]any)
		for _, id := range list {
			s, ok := id.(string)
			if !ok {
				return nil, fmt.Errorf("stack %s: output routeTableIds.%s holds %v, expected route table ids", cfg.MgmtStackName, tier, id)
			}
			m.RouteTableIDs[tier] = append(m.RouteTableIDs[tier], s)
		}
	}
	azs, err := plainOutput(ref, cfg, "availabilityZones")
	if err != nil {
		return nil, err
	}
	list, _ := azs.([]any)
	for _, az := range list {
		s, _ := az.(string)
		m.AZs = append(m.AZs, s)
	}
	return m, nil
}

// plainOutput reads a stack output as a plain value, for outputs that decide what the
// program declares (not just what it passes on).
func plainOutput(ref *pulumi.StackReference, cfg *config.Config, name string) (any, error) {
	d, err := ref.GetOutputDetails(name)
	if err != nil {
		return nil, fmt.Errorf("stack %s: output %s: %w", cfg.MgmtStackName, name, err)
	}
	v := d.Value
	if v == nil {
		v = d.SecretValue
	}
	if v == nil {
		return nil, fmt.Errorf("stack %s has no output %s; deploy (or plan) mgmt first", cfg.MgmtStackName, name)
	}
	return v, nil
}
