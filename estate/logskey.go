package estate

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
)

// newLogsKey is the customer-managed key of the stack's CloudWatch log groups (flow,
// DNS query and VPN tunnel logs). It stands in for the logs key of the security key ring
// (issue 4), which replaces this file at merge; nothing but networkBaseline calls it.
//
// CloudWatch Logs encrypts with the key as the regional service principal, so the key
// policy grants it, limited by the encryption context to this account's log groups in
// this region; the account root keeps administration through IAM.
func newLogsKey(ctx *pulumi.Context, cfg *config.Config, provider *aws.Provider) (pulumi.StringOutput, error) {
	invoke := pulumi.Provider(provider)
	id, err := aws.GetCallerIdentity(ctx, nil, invoke)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	region, err := aws.GetRegion(ctx, nil, invoke)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	part, err := aws.GetPartition(ctx, nil, invoke)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	policy, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{
			{
				"Sid":       "AccountAdministersTheKey",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", part.Partition, id.AccountId)},
				"Action":    "kms:*",
				"Resource":  "*",
			},
			{
				"Sid":       "CloudWatchLogsOfThisAccountAndRegion",
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": fmt.Sprintf("logs.%s.%s", region.Name, part.DnsSuffix)},
				"Action":    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
				"Resource":  "*",
				"Condition": map[string]any{"ArnLike": map[string]any{
					"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", part.Partition, region.Name, id.AccountId),
				}},
			},
		},
	})
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	name := cfg.Name("logs-key")
	key, err := kms.NewKey(ctx, name, &kms.KeyArgs{
		Description:          pulumi.String("Encrypts the " + string(cfg.Environment) + " stack's CloudWatch log groups (flow, DNS query, VPN tunnel logs)"),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(string(policy)),
		Tags:                 pulumi.StringMap{"Name": pulumi.String(name)},
	}, pulumi.Provider(provider), pulumi.Protect(true), pulumi.RetainOnDelete(true))
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := kms.NewAlias(ctx, name, &kms.AliasArgs{
		Name:        pulumi.String("alias/" + name),
		TargetKeyId: key.KeyId,
	}, pulumi.Provider(provider)); err != nil {
		return pulumi.StringOutput{}, err
	}
	return key.Arn, nil
}
