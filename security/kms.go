package security

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
)

// KeyRingType is the component's type token.
const KeyRingType = "giftcard:security:KeyRing"

// Key purposes, one customer-managed key each per stack.
const (
	LogsKey    = "logs"
	EbsKey     = "ebs"
	BackupKey  = "backup"
	DataKey    = "data"
	SnsKey     = "sns"
	SecretsKey = "secrets"
)

// KeyPurposes lists the purposes in creation order, with what each key encrypts.
var KeyPurposes = []struct{ Name, Description string }{
	{LogsKey, "CloudTrail, CloudWatch Logs (flow logs, app and patching logs), log buckets"},
	{EbsKey, "EBS volumes, including those Auto Scaling launches"},
	{BackupKey, "AWS Backup vaults and recovery points"},
	{DataKey, "data buckets (firewall bootstrap, SQL backups)"},
	{SnsKey, "SNS alerting topics"},
	{SecretsKey, "Secrets Manager secrets and SecureString parameters"},
}

// KeyRingArgs configures a stack's key ring.
type KeyRingArgs struct {
	Config  *config.Config
	Account Account
	// TrailName is the CloudTrail trail the logs key encrypts, in the stack that owns
	// it (mgmt); empty elsewhere, so no other key trusts CloudTrail.
	TrailName string
	// DependsOn holds what a key policy names and must exist first (the Auto Scaling
	// service-linked role: KMS rejects a policy naming a missing principal).
	DependsOn []pulumi.Resource
}

// KeyRing is one stack's customer-managed keys: rotated yearly, aliased, protected,
// each with a key policy granting the account root and exactly the services that use it.
type KeyRing struct {
	pulumi.ResourceState

	LogsKeyArn    pulumi.StringOutput `pulumi:"logsKeyArn"`
	EbsKeyArn     pulumi.StringOutput `pulumi:"ebsKeyArn"`
	BackupKeyArn  pulumi.StringOutput `pulumi:"backupKeyArn"`
	DataKeyArn    pulumi.StringOutput `pulumi:"dataKeyArn"`
	SnsKeyArn     pulumi.StringOutput `pulumi:"snsKeyArn"`
	SecretsKeyArn pulumi.StringOutput `pulumi:"secretsKeyArn"`
	// Keys are the key resources by purpose.
	Keys map[string]*kms.Key
}

// Arn is the key ARN of a purpose.
func (k *KeyRing) Arn(purpose string) pulumi.StringOutput { return k.Keys[purpose].Arn }

// TrailARN is the ARN of a trail of the account, known before the trail exists (the key
// and bucket policies that name it come first).
func TrailARN(a Account, name string) string { return a.ARN("cloudtrail", "trail/"+name) }

// KeyPolicy is the policy of one purpose's key.
func KeyPolicy(a Account, purpose, trailName string) string {
	st := []Statement{{
		Sid: "AccountRootGovernsThroughIAM", Effect: "Allow", Principal: AWSPrincipal(a.Root()),
		Action: "kms:*", Resource: "*",
	}}
	sourceAccount := map[string]map[string]any{"StringEquals": {"aws:SourceAccount": a.ID}}
	use := []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}
	switch purpose {
	case LogsKey:
		st = append(st, Statement{
			Sid: "CloudWatchLogsOfThisAccount", Effect: "Allow", Principal: Service(fmt.Sprintf("logs.%s.amazonaws.com", a.Region)),
			Action: use, Resource: "*",
			Condition: map[string]map[string]any{"ArnLike": {"kms:EncryptionContext:aws:logs:arn": a.ARN("logs", "log-group:*")}},
		})
		if trailName != "" {
			trail := TrailARN(a, trailName)
			st = append(st, Statement{
				// Decrypt too: the archive encrypts with an S3 Bucket Key, and CloudTrail then
				// needs kms:Decrypt to create or update an SSE-KMS trail (as AWS's own Control
				// Tower key policy grants it, under the same conditions).
				Sid: "CloudTrailEncryptsThisTrail", Effect: "Allow", Principal: Service("cloudtrail.amazonaws.com"),
				Action: []string{"kms:GenerateDataKey*", "kms:Decrypt"}, Resource: "*",
				Condition: map[string]map[string]any{
					"StringEquals": {"aws:SourceArn": trail},
					"StringLike":   {"kms:EncryptionContext:aws:cloudtrail:arn": fmt.Sprintf("arn:aws:cloudtrail:*:%s:trail/*", a.ID)},
				},
			}, Statement{
				Sid: "CloudTrailDescribesTheKey", Effect: "Allow", Principal: Service("cloudtrail.amazonaws.com"),
				Action: "kms:DescribeKey", Resource: "*",
				Condition: map[string]map[string]any{"StringEquals": {"aws:SourceArn": trail}},
			})
		}
	case EbsKey:
		st = append(st, Statement{
			Sid: "AutoScalingLaunchesEncryptedVolumes", Effect: "Allow", Principal: AWSPrincipal(a.AutoScalingServiceRole()),
			Action: use, Resource: "*",
		}, Statement{
			Sid: "AutoScalingAttachesPersistentResources", Effect: "Allow", Principal: AWSPrincipal(a.AutoScalingServiceRole()),
			Action: "kms:CreateGrant", Resource: "*",
			Condition: map[string]map[string]any{"Bool": {"kms:GrantIsForAWSResource": true}},
		})
	case BackupKey:
		st = append(st, Statement{
			Sid: "BackupOfThisAccount", Effect: "Allow", Principal: Service("backup.amazonaws.com"),
			Action: use, Resource: "*", Condition: sourceAccount,
		}, Statement{
			Sid: "BackupGrantsForRecoveryPoints", Effect: "Allow", Principal: Service("backup.amazonaws.com"),
			Action: "kms:CreateGrant", Resource: "*",
			Condition: map[string]map[string]any{"StringEquals": {"aws:SourceAccount": a.ID}, "Bool": {"kms:GrantIsForAWSResource": true}},
		})
	case SnsKey:
		st = append(st, Statement{
			Sid: "SNSOfThisAccount", Effect: "Allow", Principal: Service("sns.amazonaws.com"),
			Action: []string{"kms:Decrypt", "kms:GenerateDataKey*"}, Resource: "*", Condition: sourceAccount,
		}, Statement{
			// CloudWatch alarms publish to the encrypted topics.
			Sid: "AlarmsOfThisAccount", Effect: "Allow", Principal: Service("cloudwatch.amazonaws.com"),
			Action: []string{"kms:Decrypt", "kms:GenerateDataKey*"}, Resource: "*", Condition: sourceAccount,
		}, Statement{
			// EventBridge rules (GuardDuty findings) publish too. EventBridge's KMS requests
			// carry no aws:SourceAccount or aws:SourceArn, so a condition on them would drop
			// every finding silently (AWS documents the grant unconditioned); the topics'
			// own policies limit sns:Publish to this account's rules.
			Sid: "EventBridgeRules", Effect: "Allow", Principal: Service("events.amazonaws.com"),
			Action: []string{"kms:Decrypt", "kms:GenerateDataKey*"}, Resource: "*",
		})
	}
	return Policy(st...)
}

// NewKeyRing declares the stack's keys and aliases.
func NewKeyRing(ctx *pulumi.Context, name string, args *KeyRingArgs, opts ...pulumi.ResourceOption) (*KeyRing, error) {
	k := &KeyRing{Keys: map[string]*kms.Key{}}
	if err := ctx.RegisterComponentResourceV2(KeyRingType, name, pulumi.Map{"trail": pulumi.String(args.TrailName)}, k, opts...); err != nil {
		return nil, err
	}
	c := args.Config
	in := pulumi.Parent(k)
	for _, p := range KeyPurposes {
		n := c.Name("kms", p.Name)
		key, err := kms.NewKey(ctx, n, &kms.KeyArgs{
			Description:          pulumi.Sprintf("%s %s key: %s", c.Environment, p.Name, p.Description),
			KeyUsage:             pulumi.String("ENCRYPT_DECRYPT"),
			EnableKeyRotation:    pulumi.Bool(true),
			RotationPeriodInDays: pulumi.Int(365),
			DeletionWindowInDays: pulumi.Int(c.Security.KMSDeletionWindowDays),
			Policy:               pulumi.String(KeyPolicy(args.Account, p.Name, args.TrailName)),
			Tags:                 pulumi.StringMap{"Name": pulumi.String(n), "purpose": pulumi.String(p.Name)},
		}, in, pulumi.Protect(true), pulumi.RetainOnDelete(true), pulumi.DependsOn(args.DependsOn))
		if err != nil {
			return nil, err
		}
		if _, err := kms.NewAlias(ctx, n, &kms.AliasArgs{
			Name: pulumi.String("alias/" + n), TargetKeyId: key.KeyId,
		}, in); err != nil {
			return nil, err
		}
		k.Keys[p.Name] = key
	}
	k.LogsKeyArn, k.EbsKeyArn, k.BackupKeyArn = k.Arn(LogsKey), k.Arn(EbsKey), k.Arn(BackupKey)
	k.DataKeyArn, k.SnsKeyArn, k.SecretsKeyArn = k.Arn(DataKey), k.Arn(SnsKey), k.Arn(SecretsKey)
	return k, ctx.RegisterResourceOutputs(k, pulumi.Map{
		"logsKeyArn": k.LogsKeyArn, "ebsKeyArn": k.EbsKeyArn, "backupKeyArn": k.BackupKeyArn,
		"dataKeyArn": k.DataKeyArn, "snsKeyArn": k.SnsKeyArn, "secretsKeyArn": k.SecretsKeyArn,
	})
}
