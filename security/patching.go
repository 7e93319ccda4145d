package security

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
)

// PatchingType is the component's type token.
const PatchingType = "giftcard:security:Patching"

// Instance tags the patching targets read: every patched instance carries both.
const (
	// PatchGroupTag is SSM's patch group tag; its value is PatchGroupName(tier). SSM
	// reads "Patch Group" or "PatchGroup", and requires the form without a space on
	// instances that allow tags in instance metadata (tag keys there have no spaces).
	PatchGroupTag = "PatchGroup"
	// PatchWindowTag is the AZ letter of the instance ("a"), set at launch: the window of
	// that AZ patches it.
	PatchWindowTag = "patch-window"
)

// PatchGroupName is the patch group of a tier in this environment.
func PatchGroupName(c *config.Config, tier string) string { return c.Name(tier) }

// PatchLogBucketName is the stack's bucket for patching command output.
func PatchLogBucketName(c *config.Config, a Account) string {
	return fmt.Sprintf("%s-patch-logs-%s", c.Name(), a.ID)
}

// PatchingArgs configures one stack's patching.
type PatchingArgs struct {
	Config     *config.Config
	Account    Account
	LogsKeyArn pulumi.StringInput
	// AZs are the VPC's zones, in order: window i patches AZ i.
	AZs []string
	// Tiers are the patched tiers of the stack.
	Tiers []string
	// AccessLogs is what the log bucket's access logging waits for where the access-log
	// bucket is declared in the same stack (mgmt: the account baseline).
	AccessLogs []pulumi.Resource
}

// Patching is the Windows patch baseline, a patch group per tier and one maintenance
// window per AZ, each running AWS-RunPatchBaseline on its AZ's instances of every tier,
// so the two AZs of a tier are never patched at the same time.
type Patching struct {
	pulumi.ResourceState

	BaselineID  pulumi.IDOutput     `pulumi:"baselineId"`
	LogBucket   pulumi.StringOutput `pulumi:"logBucket"`
	PatchGroups map[string]string
}

// NewPatching declares the stack's patching.
func NewPatching(ctx *pulumi.Context, name string, args *PatchingArgs, opts ...pulumi.ResourceOption) (*Patching, error) {
	p := &Patching{PatchGroups: map[string]string{}}
	if err := ctx.RegisterComponentResourceV2(PatchingType, name, pulumi.Map{}, p, opts...); err != nil {
		return nil, err
	}
	c, a := args.Config, args.Account
	in := pulumi.Parent(p)

	bucketName := PatchLogBucketName(c, a)
	logs, err := newSecureBucket(ctx, c.Name("patch-logs"), bucketSpec{
		name: bucketName, kmsKeyArn: args.LogsKeyArn, logTo: AccessLogBucketName(a), expireDays: c.Security.AuditLogRetentionDays,
	}, in, args.AccessLogs...)
	if err != nil {
		return nil, err
	}
	logGroup, err := cloudwatch.NewLogGroup(ctx, c.Name("patching"), &cloudwatch.LogGroupArgs{
		Name: pulumi.Sprintf("/gc/%s/patching", c.Environment), KmsKeyId: args.LogsKeyArn, RetentionInDays: pulumi.Int(365),
	}, in, pulumi.Protect(true), pulumi.RetainOnDelete(true))
	if err != nil {
		return nil, err
	}
	role, _, err := newRole(ctx, c.Name("maintenance-window"), "Systems Manager runs the patching maintenance windows",
		AssumeRole(a, "ssm.amazonaws.com"), []string{"service-role/AmazonSSMMaintenanceWindowRole"}, in)
	if err != nil {
		return nil, err
	}

	baseline, err := ssm.NewPatchBaseline(ctx, c.Name("windows"), &ssm.PatchBaselineArgs{
		Name:            pulumi.String(c.Name("windows")),
		Description:     pulumi.Sprintf("Windows Server %s: security and critical updates after %d days", c.Windows.Version, c.Security.PatchApprovalDelayDays),
		OperatingSystem: pulumi.String("WINDOWS"),
		ApprovalRules: ssm.PatchBaselineApprovalRuleArray{&ssm.PatchBaselineApprovalRuleArgs{
			ApproveAfterDays: pulumi.Int(c.Security.PatchApprovalDelayDays),
			ComplianceLevel:  pulumi.String("CRITICAL"),
			PatchFilters: ssm.PatchBaselineApprovalRulePatchFilterArray{
				&ssm.PatchBaselineApprovalRulePatchFilterArgs{Key: pulumi.String("PRODUCT"), Values: pulumi.ToStringArray([]string{"*"})},
				&ssm.PatchBaselineApprovalRulePatchFilterArgs{Key: pulumi.String("CLASSIFICATION"), Values: pulumi.ToStringArray([]string{"CriticalUpdates", "SecurityUpdates"})},
				&ssm.PatchBaselineApprovalRulePatchFilterArgs{Key: pulumi.String("MSRC_SEVERITY"), Values: pulumi.ToStringArray([]string{"Critical", "Important"})},
			},
		}},
	}, in)
	if err != nil {
		return nil, err
	}
	var groups []string
	for _, t := range args.Tiers {
		g := PatchGroupName(c, t)
		groups = append(groups, g)
		p.PatchGroups[t] = g
		if _, err := ssm.NewPatchGroup(ctx, c.Name("patch-group", t), &ssm.PatchGroupArgs{
			BaselineId: baseline.ID().ToStringOutput(), PatchGroup: pulumi.String(g),
		}, in); err != nil {
			return nil, err
		}
	}

	for i, az := range args.AZs {
		letter := config.AZSuffix(az)
		n := c.Name("patch", letter)
		window, err := ssm.NewMaintenanceWindow(ctx, n, &ssm.MaintenanceWindowArgs{
			Name:             pulumi.String(n),
			Description:      pulumi.Sprintf("Patches AZ %s of every tier; AZ %s is never in the same window", az, letter),
			Schedule:         pulumi.String(c.Security.PatchWindowSchedules[i]),
			ScheduleTimezone: pulumi.String("Asia/Kolkata"),
			Duration:         pulumi.Int(c.Security.PatchWindowHours),
			Cutoff:           pulumi.Int(1),
			// Only instances registered as targets are patched.
			AllowUnassociatedTargets: pulumi.Bool(false),
		}, in)
		if err != nil {
			return nil, err
		}
		target, err := ssm.NewMaintenanceWindowTarget(ctx, n, &ssm.MaintenanceWindowTargetArgs{
			WindowId: window.ID().ToStringOutput(), ResourceType: pulumi.String("INSTANCE"),
			Name: pulumi.String(n), Description: pulumi.Sprintf("Instances of the patch groups in AZ %s", az),
			Targets: ssm.MaintenanceWindowTargetTargetArray{
				&ssm.MaintenanceWindowTargetTargetArgs{Key: pulumi.String("tag:" + PatchGroupTag), Values: pulumi.ToStringArray(groups)},
				&ssm.MaintenanceWindowTargetTargetArgs{Key: pulumi.String("tag:" + PatchWindowTag), Values: pulumi.ToStringArray([]string{letter})},
			},
		}, in)
		if err != nil {
			return nil, err
		}
		if _, err := ssm.NewMaintenanceWindowTask(ctx, n, &ssm.MaintenanceWindowTaskArgs{
			WindowId: window.ID().ToStringOutput(), Name: pulumi.String(n), TaskType: pulumi.String("RUN_COMMAND"),
			TaskArn: pulumi.String("AWS-RunPatchBaseline"), Priority: pulumi.Int(1),
			ServiceRoleArn: role.Arn,
			// Half an AZ at a time: the AZ's other instances keep serving while the other AZ carries the load.
			MaxConcurrency: pulumi.String("50%"), MaxErrors: pulumi.String("1"),
			CutoffBehavior: pulumi.String("CANCEL_TASK"),
			Targets: ssm.MaintenanceWindowTaskTargetArray{&ssm.MaintenanceWindowTaskTargetArgs{
				Key: pulumi.String("WindowTargetIds"), Values: pulumi.StringArray{target.ID().ToStringOutput()},
			}},
			TaskInvocationParameters: &ssm.MaintenanceWindowTaskTaskInvocationParametersArgs{
				RunCommandParameters: &ssm.MaintenanceWindowTaskTaskInvocationParametersRunCommandParametersArgs{
					Comment:           pulumi.Sprintf("Patch AZ %s", az),
					OutputS3Bucket:    logs.Bucket.Bucket,
					OutputS3KeyPrefix: pulumi.Sprintf("patching/%s", letter),
					TimeoutSeconds:    pulumi.Int(600),
					CloudwatchConfig: &ssm.MaintenanceWindowTaskTaskInvocationParametersRunCommandParametersCloudwatchConfigArgs{
						CloudwatchLogGroupName: logGroup.Name, CloudwatchOutputEnabled: pulumi.Bool(true),
					},
					Parameters: ssm.MaintenanceWindowTaskTaskInvocationParametersRunCommandParametersParameterArray{
						&ssm.MaintenanceWindowTaskTaskInvocationParametersRunCommandParametersParameterArgs{Name: pulumi.String("Operation"), Values: pulumi.ToStringArray([]string{"Install"})},
						&ssm.MaintenanceWindowTaskTaskInvocationParametersRunCommandParametersParameterArgs{Name: pulumi.String("RebootOption"), Values: pulumi.ToStringArray([]string{"RebootIfNeeded"})},
					},
				},
			},
		}, in); err != nil {
			return nil, err
		}
	}
	p.BaselineID, p.LogBucket = baseline.ID(), logs.Bucket.Bucket
	return p, ctx.RegisterResourceOutputs(p, pulumi.Map{"baselineId": p.BaselineID, "logBucket": p.LogBucket})
}
