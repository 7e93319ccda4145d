// Package security builds the estate's security as typed components: the KMS key ring,
// the account baseline (mgmt only), identities and roles, the tier security groups from
// the port matrix, the IIS TLS certificate and patching.
package security

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Account is the AWS account and region a stack deploys to. Policies are built from it
// as plain JSON, so the plan shows them whole and tests parse them.
type Account struct {
	ID     string
	Region string
	// Deployer is the IAM principal ARN running the deployment (DeployerPrincipal of the
	// caller identity): resource policies that deny everyone else must still let it
	// manage what it declares.
	Deployer string
}

// DeployerPrincipal turns a caller identity ARN into the ARN aws:PrincipalArn carries
// for it: an assumed-role session (arn:aws:sts::<acct>:assumed-role/<role>/<session>)
// is its role, users and the root are themselves.
func DeployerPrincipal(callerArn string) string {
	const marker = ":assumed-role/"
	i := strings.Index(callerArn, marker)
	if !strings.HasPrefix(callerArn, "arn:aws:sts::") || i < 0 {
		return callerArn
	}
	account := callerArn[len("arn:aws:sts::"):i]
	role, _, _ := strings.Cut(callerArn[i+len(marker):], "/")
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", account, role)
}

// PrincipalPatterns are the aws:PrincipalArn patterns (ArnLike) that match a principal
// ARN. A role ARN derived from a session has lost the role's path, so the pathed form
// is matched too (role names are unique in an account, whatever their path).
func PrincipalPatterns(arn string) []string {
	if acct, role, ok := strings.Cut(arn, ":role/"); ok && !strings.Contains(role, "/") {
		return []string{arn, acct + ":role/*/" + role}
	}
	return []string{arn}
}

// Root is the account principal: key and trust policies grant it so that IAM policies
// (such as the key administrators' group's) govern human access.
func (a Account) Root() string { return fmt.Sprintf("arn:aws:iam::%s:root", a.ID) }

// ARN of a regional resource of this account.
func (a Account) ARN(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, a.Region, a.ID, resource)
}

// RoleARN is the ARN of an IAM role of the account, known before the role exists.
func (a Account) RoleARN(name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", a.ID, name)
}

// AutoScalingServiceRole is the EC2 Auto Scaling service-linked role, which launches ASG
// instances and so must be able to use the ebs key for their encrypted volumes.
func (a Account) AutoScalingServiceRole() string {
	return a.RoleARN("aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")
}

// AccessLogBucketName is the account's S3 server access log bucket (created by the mgmt
// stack's baseline; every stack's buckets log to it, and S3 needs it in the same account
// and region).
func AccessLogBucketName(a Account) string {
	return fmt.Sprintf("gc-s3-access-logs-%s-%s", a.ID, a.Region)
}

// PolicyDocument is an IAM, key, bucket or secret policy.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one policy statement. Principal is "*" or a map such as
// {"Service": "logs.ap-south-1.amazonaws.com"}.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal any                       `json:"Principal,omitempty"`
	Action    any                       `json:"Action,omitempty"`
	NotAction any                       `json:"NotAction,omitempty"`
	Resource  any                       `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// Policy renders statements as a policy document.
func Policy(statements ...Statement) string {
	b, err := json.Marshal(PolicyDocument{Version: "2012-10-17", Statement: statements})
	if err != nil {
		panic(err) // only plain strings, maps and slices go in
	}
	return string(b)
}

// Service is a service principal.
func Service(names ...string) map[string]any {
	if len(names) == 1 {
		return map[string]any{"Service": names[0]}
	}
	return map[string]any{"Service": names}
}

// AWSPrincipal is an account or role principal.
func AWSPrincipal(arn string) map[string]any { return map[string]any{"AWS": arn} }

// AssumeRole is the trust policy of a role assumed by a service, limited to this account.
func AssumeRole(a Account, service string) string {
	return Policy(Statement{
		Effect: "Allow", Principal: Service(service), Action: "sts:AssumeRole",
		Condition: map[string]map[string]any{"StringEquals": {"aws:SourceAccount": a.ID}},
	})
}

// AssumeRoleByService is the trust policy of a role assumed by a service that sends no
// source account or ARN when it assumes the role (a condition on them would lock it out).
func AssumeRoleByService(service string) string {
	return Policy(Statement{Effect: "Allow", Principal: Service(service), Action: "sts:AssumeRole"})
}

// ec2AssumeRole is the trust policy of instance roles (EC2 sends no source account).
var ec2AssumeRole = AssumeRoleByService("ec2.amazonaws.com")

// newRole is an IAM role whose IAM name is name, trusted as trust says, with each AWS
// managed policy attached (one attachment each, named after the policy). It returns the
// attachments too, for what must wait until the role holds its permissions.
func newRole(ctx *pulumi.Context, name, description, trust string, managed []string, in pulumi.ResourceOrInvokeOption) (*iam.Role, []pulumi.Resource, error) {
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Name: pulumi.String(name), Description: pulumi.String(description), AssumeRolePolicy: pulumi.String(trust),
	}, in)
	if err != nil {
		return nil, nil, err
	}
	var attachments []pulumi.Resource
	for _, m := range managed {
		a, err := iam.NewRolePolicyAttachment(ctx, name+"-"+path.Base(m), &iam.RolePolicyAttachmentArgs{
			Role: role.Name, PolicyArn: pulumi.String(ManagedPolicy(m)),
		}, in)
		if err != nil {
			return nil, nil, err
		}
		attachments = append(attachments, a)
	}
	return role, attachments, nil
}

// ManagedPolicy is the ARN of an AWS managed policy.
func ManagedPolicy(name string) string { return "arn:aws:iam::aws:policy/" + name }

// bucketSpec is one of the estate's log buckets: versioned, encrypted, public access
// blocked, owner-enforced, TLS-only, logged to the access-log bucket.
type bucketSpec struct {
	name string
	// kmsKeyArn encrypts objects; nil means SSE-S3, which S3 server access logging
	// requires of its target bucket.
	kmsKeyArn pulumi.StringInput
	// logTo is the access-log bucket; empty only for the access-log bucket itself.
	logTo      string
	lockMode   string
	lockDays   int
	expireDays int
	// policy adds statements to the TLS-only bucket policy.
	policy []Statement
}

type bucket struct {
	Bucket *s3.BucketV2
	Policy *s3.BucketPolicy
}

// newSecureBucket declares the bucket; deps are what its access logging needs first
// (the access-log bucket and its policy).
func newSecureBucket(ctx *pulumi.Context, name string, spec bucketSpec, in pulumi.ResourceOrInvokeOption, deps ...pulumi.Resource) (*bucket, error) {
	keep := []pulumi.ResourceOption{in, pulumi.Protect(true), pulumi.RetainOnDelete(true)}
	b, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		Bucket:            pulumi.String(spec.name),
		ObjectLockEnabled: pulumi.Bool(spec.lockMode != ""),
		ForceDestroy:      pulumi.Bool(false),
	}, keep...)
	if err != nil {
		return nil, err
	}
	id := b.Bucket
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: id, Rule: &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, in); err != nil {
		return nil, err
	}
	pab, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket: id, BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, in)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket: id, VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, in); err != nil {
		return nil, err
	}
	sse := &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String("AES256")}
	if spec.kmsKeyArn != nil {
		sse = &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String("aws:kms"), KmsMasterKeyId: spec.kmsKeyArn}
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: sse, BucketKeyEnabled: pulumi.Bool(spec.kmsKeyArn != nil),
		}},
	}, in); err != nil {
		return nil, err
	}
	if spec.logTo != "" {
		if _, err := s3.NewBucketLoggingV2(ctx, name, &s3.BucketLoggingV2Args{
			Bucket: id, TargetBucket: pulumi.String(spec.logTo), TargetPrefix: pulumi.Sprintf("%s/", spec.name),
		}, in, pulumi.DependsOn(deps)); err != nil {
			return nil, err
		}
	}
	if spec.lockMode != "" {
		if _, err := s3.NewBucketObjectLockConfigurationV2(ctx, name, &s3.BucketObjectLockConfigurationV2Args{
			Bucket: id, ObjectLockEnabled: pulumi.String("Enabled"),
			Rule: &s3.BucketObjectLockConfigurationV2RuleArgs{DefaultRetention: &s3.BucketObjectLockConfigurationV2RuleDefaultRetentionArgs{
				Mode: pulumi.String(spec.lockMode), Days: pulumi.Int(spec.lockDays),
			}},
		}, keep...); err != nil {
			return nil, err
		}
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
			Id: pulumi.String("cold-storage-then-expire"), Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Transitions: s3.BucketLifecycleConfigurationV2RuleTransitionArray{
				&s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(90), StorageClass: pulumi.String("GLACIER_IR")},
				&s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(365), StorageClass: pulumi.String("DEEP_ARCHIVE")},
			},
			Expiration:                  &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(spec.expireDays)},
			NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(spec.expireDays)},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(7),
			},
		}},
	}, in); err != nil {
		return nil, err
	}
	arn := "arn:aws:s3:::" + spec.name
	statements := append([]Statement{{
		Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
		Resource:  []string{arn, arn + "/*"},
		Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
	}}, spec.policy...)
	// After the public access block: S3 rejects concurrent bucket configuration calls.
	pol, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{Bucket: id, Policy: pulumi.String(Policy(statements...))},
		in, pulumi.DependsOn([]pulumi.Resource{pab}))
	if err != nil {
		return nil, err
	}
	return &bucket{Bucket: b, Policy: pol}, nil
}
