package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/security"
)

// FlowLogArgs configures the flow log of one VPC.
type FlowLogArgs struct {
	Config *config.Config
	// VpcID is the VPC whose traffic is logged (all of it, accepted and rejected).
	VpcID pulumi.StringInput
	// KmsKeyArn is the customer-managed key encrypting the log group.
	KmsKeyArn pulumi.StringInput
	// RetentionDays is how long CloudWatch keeps the records.
	RetentionDays int
	// Account is where the stack deploys; the trust policy's conditions name it.
	Account security.Account
}

// FlowLog is a VPC flow log to a KMS-encrypted CloudWatch log group, delivered through a
// role only the flow logs service of this account can assume.
type FlowLog struct {
	pulumi.ResourceState

	FlowLogID   pulumi.IDOutput     `pulumi:"flowLogId"`
	LogGroupArn pulumi.StringOutput `pulumi:"logGroupArn"`
	RoleArn     pulumi.StringOutput `pulumi:"roleArn"`
}

// FlowLogType is the component's type token.
const FlowLogType = "giftcard:network:FlowLog"

// FlowLogFormat adds to the default fields the ones an investigation needs: the VPC,
// subnet and instance, TCP flags, the addresses before NAT, direction and path.
const FlowLogFormat = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${pkt-srcaddr} ${pkt-dstaddr} ${flow-direction} ${traffic-path}"

// NewFlowLog declares the log group, the delivery role and the flow log.
func NewFlowLog(ctx *pulumi.Context, name string, args *FlowLogArgs, opts ...pulumi.ResourceOption) (*FlowLog, error) {
	c, a := args.Config, args.Account
	f := &FlowLog{}
	if err := ctx.RegisterComponentResourceV2(FlowLogType, name, pulumi.Map{"vpcId": args.VpcID}, f, opts...); err != nil {
		return nil, err
	}
	in := pulumi.Parent(f)

	group, err := newAuditLogGroup(ctx, c.Name("flow-logs"), fmt.Sprintf("/giftcard/%s/vpc-flow-logs", c.Environment), args.KmsKeyArn, args.RetentionDays, in)
	if err != nil {
		return nil, err
	}

	// Confused deputy: the service may assume the role only for flow logs of this
	// account (aws:SourceAccount) and of its own flow-log resources (aws:SourceArn).
	trust := security.Policy(security.Statement{
		Sid: "FlowLogsOfThisAccountOnly", Effect: "Allow",
		Principal: security.Service("vpc-flow-logs.amazonaws.com"), Action: "sts:AssumeRole",
		Condition: map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": a.ID},
			"ArnLike":      {"aws:SourceArn": a.ARN("ec2", "vpc-flow-log/*")},
		},
	})
	roleName := c.Name("flow-logs")
	role, err := iam.NewRole(ctx, roleName, &iam.RoleArgs{
		Name:             pulumi.String(roleName),
		Description:      pulumi.String("Delivers the VPC flow log of " + c.Name("vpc") + " to its log group"),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             nameTags(roleName),
	}, in)
	if err != nil {
		return nil, err
	}
	// Least privilege: write to this one log group and its streams.
	policy := group.Arn.ApplyT(func(arn string) string {
		return security.Policy(
			security.Statement{Sid: "WriteFlowLogs", Effect: "Allow",
				Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
				Resource: []string{arn, arn + ":log-stream:*"}},
			security.Statement{Sid: "FindTheLogGroup", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*"},
		)
	}).(pulumi.StringOutput)
	write, err := iam.NewRolePolicy(ctx, roleName, &iam.RolePolicyArgs{Role: role.ID(), Policy: policy}, in)
	if err != nil {
		return nil, err
	}

	fl, err := ec2.NewFlowLog(ctx, c.Name("vpc", "flow-log"), &ec2.FlowLogArgs{
		VpcId:                  args.VpcID,
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         group.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(60),
		LogFormat:              pulumi.String(FlowLogFormat),
		Tags:                   nameTags(c.Name("vpc", "flow-log")),
		// Only the role's ARN is an input, so without this the flow log can start before
		// the role may write anything, and its first deliveries fail with "Access error".
	}, in, pulumi.DependsOn([]pulumi.Resource{write}))
	if err != nil {
		return nil, err
	}
	f.FlowLogID, f.LogGroupArn, f.RoleArn = fl.ID(), group.Arn, role.Arn
	return f, ctx.RegisterResourceOutputs(f, pulumi.Map{"flowLogId": f.FlowLogID, "logGroupArn": f.LogGroupArn, "roleArn": f.RoleArn})
}
