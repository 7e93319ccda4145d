package security

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/accessanalyzer"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cfg"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ebs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/guardduty"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/inspector2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/securityhub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/controls"
)

// AccountBaselineType is the component's type token.
const AccountBaselineType = "giftcard:security:AccountBaseline"

// AccountBaselineArgs configures the account's one-per-account-and-region security
// services; only the mgmt stack declares it.
type AccountBaselineArgs struct {
	Config  *config.Config
	Account Account
	Keys    *KeyRing
	// TrailName must be the name the key ring's logs key policy was built for.
	TrailName string
	// DataEventBucketPrefixes are the bucket name prefixes whose object-level API calls
	// the trail records (the workload stacks' buckets).
	DataEventBucketPrefixes []string
}

// AccountBaseline is CloudTrail with its log archive, GuardDuty, AWS Config and its
// rules, Inspector, Security Hub, IAM Access Analyzer, EBS default encryption and the
// S3 account public access block.
type AccountBaseline struct {
	pulumi.ResourceState

	TrailArn          pulumi.StringOutput `pulumi:"trailArn"`
	TrailLogGroupName pulumi.StringOutput `pulumi:"trailLogGroupName"`
	LogArchiveBucket  pulumi.StringOutput `pulumi:"logArchiveBucket"`
	AccessLogBucket   pulumi.StringOutput `pulumi:"accessLogBucket"`
	DetectorID        pulumi.StringOutput `pulumi:"guardDutyDetectorId"`
	// AccessLogs are the access-log bucket and its policy: what another bucket's access
	// logging in this stack must wait for.
	AccessLogs []pulumi.Resource
}

// ConfigRules are the AWS Config managed rules the baseline enables, each with the
// control of this program's catalogue it watches in the running account.
var ConfigRules = []struct {
	Identifier, Control string
	Parameters          map[string]string
}{
	{"MULTI_REGION_CLOUD_TRAIL_ENABLED", "GC-LOG-1", nil},
	{"CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", "GC-LOG-2", nil},
	{"CLOUD_TRAIL_ENCRYPTION_ENABLED", "GC-LOG-3", nil},
	{"CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED", "GC-LOG-4", nil},
	{"GUARDDUTY_ENABLED_CENTRALIZED", "GC-LOG-6", nil},
	{"CMK_BACKING_KEY_ROTATION_ENABLED", "GC-KMS-1", nil},
	{"EC2_EBS_ENCRYPTION_BY_DEFAULT", "GC-EBS-1", nil},
	{"S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC", "GC-S3-1", nil},
	{"S3_BUCKET_SSL_REQUESTS_ONLY", "GC-S3-2", nil},
	{"S3_BUCKET_VERSIONING_ENABLED", "GC-S3-3", nil},
	{"S3_BUCKET_LOGGING_ENABLED", "GC-S3-4", nil},
	{"IAM_PASSWORD_POLICY", "GC-IAM-1", map[string]string{
		"RequireUppercaseCharacters": "true", "RequireLowercaseCharacters": "true", "RequireSymbols": "true",
		"RequireNumbers": "true", "MinimumPasswordLength": fmt.Sprint(MinPasswordLength), "PasswordReusePrevention": fmt.Sprint(PasswordReuse),
		"MaxPasswordAge": fmt.Sprint(MaxPasswordAgeDays),
	}},
	{"IAM_USER_NO_POLICIES_CHECK", "GC-IAM-2", nil},
	{"IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", "GC-IAM-3", nil},
	{"IAM_USER_GROUP_MEMBERSHIP_CHECK", "GC-IAM-2", nil},
	{"MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS", "GC-IAM-6", nil},
	{"INCOMING_SSH_DISABLED", "GC-SG-1", nil},
	{"RESTRICTED_INCOMING_TRAFFIC", "GC-SG-1", map[string]string{
		"blockedPort1": "20", "blockedPort2": "21", "blockedPort3": "3389", "blockedPort4": "3306", "blockedPort5": "1433",
	}},
	{"VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", "GC-SG-3", nil},
}

// ConfigBucketName is the bucket AWS Config delivers to (no Object Lock: Config refuses
// a bucket that has it).
func ConfigBucketName(a Account) string { return fmt.Sprintf("gc-config-%s-%s", a.ID, a.Region) }

// Security Hub standards the account subscribes to.
func securityHubStandards(region string) []string {
	return []string{
		fmt.Sprintf("arn:aws:securityhub:%s::standards/aws-foundational-security-best-practices/v/1.0.0", region),
		fmt.Sprintf("arn:aws:securityhub:%s::standards/cis-aws-foundations-benchmark/v/3.0.0", region),
	}
}

// trailLogRetentionDays is the searchable copy in CloudWatch Logs; the archive bucket
// keeps the ten years.
const trailLogRetentionDays = 365

// NewAccountBaseline declares the baseline. Order matters where AWS checks at creation:
// the bucket policy before the trail, the recorder before its delivery channel, status
// and rules, the Security Hub account before its standards.
func NewAccountBaseline(ctx *pulumi.Context, name string, args *AccountBaselineArgs, opts ...pulumi.ResourceOption) (*AccountBaseline, error) {
	b := &AccountBaseline{}
	if err := ctx.RegisterComponentResourceV2(AccountBaselineType, name, pulumi.Map{"trail": pulumi.String(args.TrailName)}, b, opts...); err != nil {
		return nil, err
	}
	c, a := args.Config, args.Account
	in := pulumi.Parent(b)
	retention := c.Security.AuditLogRetentionDays
	trailArn := TrailARN(a, args.TrailName)

	accessLogName := AccessLogBucketName(a)
	accessLogs, err := newSecureBucket(ctx, c.Name("s3-access-logs"), bucketSpec{
		name: accessLogName, expireDays: retention,
		policy: []Statement{{
			Sid: "S3ServerAccessLogsOfThisAccount", Effect: "Allow", Principal: Service("logging.s3.amazonaws.com"),
			Action: "s3:PutObject", Resource: "arn:aws:s3:::" + accessLogName + "/*",
			Condition: map[string]map[string]any{"StringEquals": {"aws:SourceAccount": a.ID}},
		}},
	}, in)
	if err != nil {
		return nil, err
	}

	archiveName := fmt.Sprintf("gc-log-archive-%s-%s", a.ID, a.Region)
	archiveArn := "arn:aws:s3:::" + archiveName
	archive, err := newSecureBucket(ctx, c.Name("log-archive"), bucketSpec{
		name: archiveName, kmsKeyArn: args.Keys.LogsKeyArn, logTo: accessLogName,
		lockMode: c.Security.AuditLogLockMode, lockDays: retention, expireDays: retention,
		policy: []Statement{{
			Sid: "CloudTrailAclCheckForThisTrail", Effect: "Allow", Principal: Service("cloudtrail.amazonaws.com"),
			Action: "s3:GetBucketAcl", Resource: archiveArn,
			Condition: map[string]map[string]any{"StringEquals": {"aws:SourceArn": trailArn}},
		}, {
			Sid: "CloudTrailWritesOnlyThisTrail", Effect: "Allow", Principal: Service("cloudtrail.amazonaws.com"),
			Action: "s3:PutObject", Resource: fmt.Sprintf("%s/cloudtrail/AWSLogs/%s/*", archiveArn, a.ID),
			Condition: map[string]map[string]any{"StringEquals": {"aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control"}},
		}},
	}, in, accessLogs.Bucket, accessLogs.Policy)
	if err != nil {
		return nil, err
	}

	logGroup, err := cloudwatch.NewLogGroup(ctx, c.Name("cloudtrail"), &cloudwatch.LogGroupArgs{
		Name: pulumi.Sprintf("/gc/%s/cloudtrail", c.Environment), KmsKeyId: args.Keys.LogsKeyArn,
		RetentionInDays: pulumi.Int(trailLogRetentionDays),
	}, in, pulumi.Protect(true), pulumi.RetainOnDelete(true))
	if err != nil {
		return nil, err
	}
	logGroupArn := a.ARN("logs", fmt.Sprintf("log-group:/gc/%s/cloudtrail", c.Environment))
	trailRole, err := iam.NewRole(ctx, c.Name("cloudtrail-logs"), &iam.RoleArgs{
		Name:             pulumi.String(c.Name("cloudtrail-logs")),
		Description:      pulumi.String("CloudTrail delivers the trail to its CloudWatch log group"),
		AssumeRolePolicy: pulumi.String(AssumeRoleByService("cloudtrail.amazonaws.com")),
	}, in)
	if err != nil {
		return nil, err
	}
	trailPolicy, err := iam.NewRolePolicy(ctx, c.Name("cloudtrail-logs"), &iam.RolePolicyArgs{
		Role: trailRole.Name,
		Policy: pulumi.String(Policy(Statement{
			Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: logGroupArn + ":log-stream:*",
		})),
	}, in)
	if err != nil {
		return nil, err
	}

	var objects []string
	for _, p := range args.DataEventBucketPrefixes {
		objects = append(objects, "arn:aws:s3:::"+p)
	}
	selectors := cloudtrail.TrailAdvancedEventSelectorArray{&cloudtrail.TrailAdvancedEventSelectorArgs{
		Name: pulumi.String("management-events"),
		FieldSelectors: cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray{
			&cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("eventCategory"), Equals: pulumi.ToStringArray([]string{"Management"})},
		},
	}}
	if len(objects) > 0 {
		// The platform's buckets only: the archive's own writes would log themselves.
		selectors = append(selectors, &cloudtrail.TrailAdvancedEventSelectorArgs{
			Name: pulumi.String("platform-bucket-data-events"),
			FieldSelectors: cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray{
				&cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("eventCategory"), Equals: pulumi.ToStringArray([]string{"Data"})},
				&cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("resources.type"), Equals: pulumi.ToStringArray([]string{"AWS::S3::Object"})},
				&cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("resources.ARN"), StartsWiths: pulumi.ToStringArray(objects)},
			},
		})
	}
	trail, err := cloudtrail.NewTrail(ctx, args.TrailName, &cloudtrail.TrailArgs{
		Name:                       pulumi.String(args.TrailName),
		S3BucketName:               archive.Bucket.Bucket,
		S3KeyPrefix:                pulumi.String("cloudtrail"),
		IsMultiRegionTrail:         pulumi.Bool(true),
		IncludeGlobalServiceEvents: pulumi.Bool(true),
		EnableLogFileValidation:    pulumi.Bool(true),
		EnableLogging:              pulumi.Bool(true),
		KmsKeyId:                   args.Keys.LogsKeyArn,
		CloudWatchLogsGroupArn:     logGroup.Arn.ApplyT(func(arn string) string { return arn + ":*" }).(pulumi.StringOutput),
		CloudWatchLogsRoleArn:      trailRole.Arn,
		AdvancedEventSelectors:     selectors,
	}, in, pulumi.DependsOn([]pulumi.Resource{archive.Policy, trailPolicy}),
		// Deleting the trail, even by a stack removal, stops the audit record.
		pulumi.Protect(true), pulumi.RetainOnDelete(true))
	if err != nil {
		return nil, err
	}

	detector, err := guardduty.NewDetector(ctx, c.Name("guardduty"), &guardduty.DetectorArgs{
		Enable: pulumi.Bool(true), FindingPublishingFrequency: pulumi.String("FIFTEEN_MINUTES"),
	}, in, pulumi.Protect(true), pulumi.RetainOnDelete(true)) // deleting a detector deletes its findings
	if err != nil {
		return nil, err
	}
	for _, f := range controls.GuardDutyFeatures {
		if _, err := guardduty.NewDetectorFeature(ctx, c.Name("guardduty", f), &guardduty.DetectorFeatureArgs{
			DetectorId: detector.ID().ToStringOutput(), Name: pulumi.String(f), Status: pulumi.String("ENABLED"),
		}, in); err != nil {
			return nil, err
		}
	}

	// AWS Config does not deliver to a bucket with Object Lock enabled, so its snapshots
	// and history go to their own bucket, kept as long as the archive by lifecycle.
	configName := ConfigBucketName(a)
	configBucket, err := newSecureBucket(ctx, c.Name("config-history"), bucketSpec{
		name: configName, kmsKeyArn: args.Keys.LogsKeyArn, logTo: accessLogName, expireDays: retention,
	}, in, accessLogs.Bucket, accessLogs.Policy)
	if err != nil {
		return nil, err
	}
	if err := configService(ctx, c, a, args.Keys, configName, configBucket, in); err != nil {
		return nil, err
	}

	if _, err := inspector2.NewEnabler(ctx, c.Name("inspector"), &inspector2.EnablerArgs{
		AccountIds: pulumi.ToStringArray([]string{a.ID}), ResourceTypes: pulumi.ToStringArray([]string{"EC2"}),
	}, in); err != nil {
		return nil, err
	}
	hub, err := securityhub.NewAccount(ctx, c.Name("securityhub"), &securityhub.AccountArgs{
		EnableDefaultStandards: pulumi.Bool(false), AutoEnableControls: pulumi.Bool(true),
		ControlFindingGenerator: pulumi.String("SECURITY_CONTROL"),
	}, in)
	if err != nil {
		return nil, err
	}
	for i, arn := range securityHubStandards(a.Region) {
		if _, err := securityhub.NewStandardsSubscription(ctx, c.Name("securityhub", []string{"fsbp", "cis"}[i]), &securityhub.StandardsSubscriptionArgs{
			StandardsArn: pulumi.String(arn),
		}, in, pulumi.DependsOn([]pulumi.Resource{hub})); err != nil {
			return nil, err
		}
	}
	if _, err := accessanalyzer.NewAnalyzer(ctx, c.Name("access-analyzer"), &accessanalyzer.AnalyzerArgs{
		AnalyzerName: pulumi.String(c.Name("access-analyzer")), Type: pulumi.String("ACCOUNT"),
	}, in); err != nil {
		return nil, err
	}
	if _, err := ebs.NewEncryptionByDefault(ctx, c.Name("ebs-encryption"), &ebs.EncryptionByDefaultArgs{Enabled: pulumi.Bool(true)}, in); err != nil {
		return nil, err
	}
	if _, err := ebs.NewDefaultKmsKey(ctx, c.Name("ebs-default-key"), &ebs.DefaultKmsKeyArgs{KeyArn: args.Keys.EbsKeyArn}, in); err != nil {
		return nil, err
	}
	if _, err := s3.NewAccountPublicAccessBlock(ctx, c.Name("s3-account-pab"), &s3.AccountPublicAccessBlockArgs{
		AccountId: pulumi.String(a.ID), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, in); err != nil {
		return nil, err
	}

	b.TrailArn, b.TrailLogGroupName = trail.Arn, logGroup.Name
	b.LogArchiveBucket, b.AccessLogBucket = archive.Bucket.Bucket, accessLogs.Bucket.Bucket
	b.DetectorID = detector.ID().ToStringOutput()
	b.AccessLogs = []pulumi.Resource{accessLogs.Bucket, accessLogs.Policy}
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{
		"trailArn": b.TrailArn, "trailLogGroupName": b.TrailLogGroupName, "logArchiveBucket": b.LogArchiveBucket,
		"accessLogBucket": b.AccessLogBucket, "guardDutyDetectorId": b.DetectorID,
	})
}

func configService(ctx *pulumi.Context, c *config.Config, a Account, keys *KeyRing, bucketName string, bucket *bucket, in pulumi.ResourceOrInvokeOption) error {
	role, attached, err := newRole(ctx, c.Name("config"), "AWS Config records the account and delivers to its history bucket",
		AssumeRole(a, "config.amazonaws.com"), []string{"service-role/AWS_ConfigRole"}, in)
	if err != nil {
		return err
	}
	delivery := keys.LogsKeyArn.ApplyT(func(key string) string {
		return Policy(Statement{
			Sid: "DeliverToTheHistoryBucket", Effect: "Allow", Action: "s3:PutObject",
			Resource:  fmt.Sprintf("arn:aws:s3:::%s/config/AWSLogs/%s/*", bucketName, a.ID),
			Condition: map[string]map[string]any{"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
		}, Statement{
			Sid: "CheckTheHistoryBucket", Effect: "Allow", Action: "s3:GetBucketAcl", Resource: "arn:aws:s3:::" + bucketName,
		}, Statement{
			Sid: "EncryptWithTheLogsKey", Effect: "Allow", Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: key,
		})
	}).(pulumi.StringOutput)
	deliveryPolicy, err := iam.NewRolePolicy(ctx, c.Name("config-delivery"), &iam.RolePolicyArgs{Role: role.Name, Policy: delivery}, in)
	if err != nil {
		return err
	}
	recorder, err := cfg.NewRecorder(ctx, c.Name("config"), &cfg.RecorderArgs{
		Name: pulumi.String(c.Name("config")), RoleArn: role.Arn,
		// Global resources (IAM) are recorded here only: this is the account's one recorder
		// that includes them, so other regions' recorders must not.
		RecordingGroup: &cfg.RecorderRecordingGroupArgs{AllSupported: pulumi.Bool(true), IncludeGlobalResourceTypes: pulumi.Bool(true)},
	}, in, pulumi.DependsOn(attached))
	if err != nil {
		return err
	}
	channel, err := cfg.NewDeliveryChannel(ctx, c.Name("config"), &cfg.DeliveryChannelArgs{
		Name: pulumi.String(c.Name("config")), S3BucketName: pulumi.String(bucketName), S3KeyPrefix: pulumi.String("config"),
		S3KmsKeyArn:                keys.LogsKeyArn,
		SnapshotDeliveryProperties: &cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs{DeliveryFrequency: pulumi.String("TwentyFour_Hours")},
	}, in, pulumi.DependsOn([]pulumi.Resource{recorder, deliveryPolicy, bucket.Bucket, bucket.Policy})) // Config checks the bucket at creation
	if err != nil {
		return err
	}
	status, err := cfg.NewRecorderStatus(ctx, c.Name("config"), &cfg.RecorderStatusArgs{
		Name: recorder.Name, IsEnabled: pulumi.Bool(true),
	}, in, pulumi.DependsOn([]pulumi.Resource{channel}))
	if err != nil {
		return err
	}
	for _, r := range ConfigRules {
		rule := &cfg.RuleArgs{
			Name:        pulumi.String(c.Name("config", r.Identifier)),
			Description: pulumi.Sprintf("Watches control %s in the running account", r.Control),
			Source:      &cfg.RuleSourceArgs{Owner: pulumi.String("AWS"), SourceIdentifier: pulumi.String(r.Identifier)},
		}
		params := r.Parameters
		if r.Identifier == "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS" {
			var ports []string
			for _, p := range c.Security.PublicListenerPorts {
				ports = append(ports, fmt.Sprint(p))
			}
			params = map[string]string{"authorizedTcpPorts": strings.Join(ports, ",")}
		}
		if params != nil {
			params, _ := json.Marshal(params)
			rule.InputParameters = pulumi.String(string(params))
		}
		if _, err := cfg.NewRule(ctx, c.Name("config", r.Identifier), rule, in, pulumi.DependsOn([]pulumi.Resource{status})); err != nil {
			return err
		}
	}
	return nil
}
