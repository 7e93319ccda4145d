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
}

// ReadMgmt reads the mgmt stack through a StackReference. The mgmt VPC CIDR it reports
// must equal this stack's mgmtVpcCidr: stacks configured with different address plans
// would route to the wrong place, so the mismatch fails the deployment.
func ReadMgmt(ctx *pulumi.Context, cfg *config.Config) (*Mgmt, error) {
	ref, err := pulumi.NewStackReference(ctx, cfg.MgmtStackName, nil)
	if err != nil {
		return nil, err
	}
	want := cfg.Network.Mgmt
	cidr := ref.GetStringOutput(pulumi.String("vpcCidr")).ApplyT(func(got string) (string, error) {
		if got != want {
			return "", fmt.Errorf("%s = %q, but stack %s reports its VPC CIDR as %q: expected the same address plan in every stack",
				config.FullKey("mgmtVpcCidr"), want, cfg.MgmtStackName, got)
		}
		return got, nil
	}).(pulumi.StringOutput)
	return &Mgmt{
		VpcID:   ref.GetStringOutput(pulumi.String("vpcId")),
		VpcCidr: cidr,
	}, nil
}
