package network

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// nameTags is the Name tag (and any extra key/value pairs) of a resource; the provider
// adds the organisation tags.
func nameTags(name string, extra ...string) pulumi.StringMap {
	t := pulumi.StringMap{"Name": pulumi.String(name)}
	for i := 0; i+1 < len(extra); i += 2 {
		t[extra[i]] = pulumi.String(extra[i+1])
	}
	return t
}

// newAuditLogGroup is a log group holding audit data (flow, DNS query and VPN tunnel
// logs): encrypted with the customer-managed logs key, kept for the configured days,
// protected and retained if the stack is removed (CERT-In requires 180 days of logs).
func newAuditLogGroup(ctx *pulumi.Context, name, logGroupName string, kmsKeyArn pulumi.StringInput, days int, opts ...pulumi.ResourceOption) (*cloudwatch.LogGroup, error) {
	return cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(logGroupName),
		KmsKeyId:        kmsKeyArn,
		RetentionInDays: pulumi.Int(days),
		Tags:            nameTags(name),
	}, append(opts, pulumi.Protect(true), pulumi.RetainOnDelete(true))...)
}

// newSecurityGroup is a group of the VPC whose rules are separate resources (none inline),
// revoked before the group is deleted so that deletion never waits on a rule.
func newSecurityGroup(ctx *pulumi.Context, name string, vpcID pulumi.IDOutput, description string, opts ...pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	return ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:               vpcID,
		Name:                pulumi.String(name),
		Description:         pulumi.String(description),
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                nameTags(name),
	}, opts...)
}

func stringArray(in []string) pulumi.StringArray {
	out := make(pulumi.StringArray, len(in))
	for i, s := range in {
		out[i] = pulumi.String(s)
	}
	return out
}
