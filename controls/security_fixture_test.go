package controls

import (
	"encoding/json"
	"fmt"

	"github.com/giftcard/platform-infra/inventory"
)

func policyJSON(statements ...map[string]any) string {
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	return string(b)
}

var (
	rootStatement = map[string]any{"Sid": "Root", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
	tlsOnly       = map[string]any{"Sid": "TLS", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}
	mfaDeny = map[string]any{"Sid": "MFA", "Effect": "Deny", "NotAction": []any{"iam:EnableMFADevice"}, "Resource": "*",
		"Condition": map[string]any{"BoolIfExists": map[string]any{"aws:MultiFactorAuthPresent": "false"}}}
)

// compliantSecurity is a mgmt stack with the account baseline, keys, IAM, log buckets,
// tier security groups and staggered patching: every control passes or does not apply.
func compliantSecurity() *fixture {
	f := &fixture{}
	tags := allTags()
	tags["environment"] = "mgmt"
	f.resources = append(f.resources, &inventory.Resource{
		URN: fixtureProvider, Type: "pulumi:providers:aws", Name: "aws", ID: "p1", Custom: true,
		Inputs: map[string]any{"region": "ap-south-1", "defaultTags": map[string]any{"tags": tags}},
	}, &inventory.Resource{URN: "urn:pulumi:test::giftcard-platform::" + AccountBaselineType + "::baseline", Type: AccountBaselineType, Name: "baseline", Inputs: map[string]any{}})

	for _, k := range []string{"key-logs", "key-ebs"} {
		f.add(TypeKmsKey, k, map[string]any{"enableKeyRotation": true, "deletionWindowInDays": 30.0, "policy": policyJSON(rootStatement,
			map[string]any{"Sid": "Logs", "Effect": "Allow", "Principal": map[string]any{"Service": "logs.ap-south-1.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*",
				"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:ap-south-1:111122223333:log-group:*"}}})}).Protect = true
	}
	f.add(TypeTrail, "trail", map[string]any{"isMultiRegionTrail": true, "includeGlobalServiceEvents": true, "enableLogging": true,
		"enableLogFileValidation": true, "kmsKeyId": "arn:aws:kms:ap-south-1:111122223333:key/1",
		"cloudWatchLogsGroupArn": "arn:aws:logs:ap-south-1:111122223333:log-group:/trail:*", "cloudWatchLogsRoleArn": "arn:aws:iam::111122223333:role/trail"})
	det := f.add(TypeDetector, "detector", map[string]any{"enable": true})
	f.add(TypeDetectorFeature, "gd-s3", map[string]any{"detectorId": det.ID, "name": "S3_DATA_EVENTS", "status": "ENABLED"})
	f.add(TypeDetectorFeature, "gd-ebs", map[string]any{"detectorId": det.ID, "name": "EBS_MALWARE_PROTECTION", "status": "ENABLED"})
	f.add(TypeRecorder, "recorder", map[string]any{"name": "rec", "roleArn": "arn:aws:iam::111122223333:role/config",
		"recordingGroup": map[string]any{"allSupported": true, "includeGlobalResourceTypes": true}})
	f.add(TypeDeliveryChannel, "channel", map[string]any{"s3BucketName": "archive-b"})
	f.add(TypeRecorderStatus, "recorder-status", map[string]any{"name": "rec", "isEnabled": true})
	f.add(TypeEbsEncryption, "ebs-default", map[string]any{"enabled": true})
	f.add(TypeEbsDefaultKey, "ebs-key", map[string]any{"keyArn": "arn:aws:kms:ap-south-1:111122223333:key/2"})
	f.add(TypeAccountPAB, "account-pab", map[string]any{"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true})
	for _, b := range []string{"archive", "access-logs"} {
		name := b + "-b"
		f.add(TypeBucket, b, map[string]any{"bucket": name})
		f.add(TypeBucketPAB, b+"-pab", map[string]any{"bucket": name, "blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true})
		f.add(TypeBucketPolicy, b+"-policy", map[string]any{"bucket": name, "policy": policyJSON(tlsOnly)})
		f.add(TypeBucketVersioning, b+"-versioning", map[string]any{"bucket": name, "versioningConfiguration": map[string]any{"status": "Enabled"}})
	}
	f.add(TypeBucketLogging, "archive-logging", map[string]any{"bucket": "archive-b", "targetBucket": "access-logs-b", "targetPrefix": "archive/"})

	f.add(TypePasswordPolicy, "password-policy", map[string]any{"minimumPasswordLength": 14.0, "passwordReusePrevention": 24.0, "maxPasswordAge": 90.0,
		"requireLowercaseCharacters": true, "requireUppercaseCharacters": true, "requireNumbers": true, "requireSymbols": true})
	f.add(TypeIAMPolicy, "mfa", map[string]any{"name": "mfa-required", "policy": policyJSON(mfaDeny)})
	f.add(TypeGroup, "admins", map[string]any{"name": "admins"})
	f.add(TypeGroupPolicyAttach, "admins-mfa", map[string]any{"group": "admins", "policyArn": "arn:aws:iam::111122223333:policy/mfa-required"})
	f.add(TypeUser, "asha", map[string]any{"name": "asha"})
	f.add(TypeUserGroupMembership, "asha-groups", map[string]any{"user": "asha", "groups": []any{"admins"}})
	f.add(TypeRole, "support", map[string]any{"name": "support"})
	f.add(TypeRolePolicyAttachment, "support-access", map[string]any{"role": "support", "policyArn": SupportPolicy})
	f.add(TypeRole, "app", map[string]any{"name": "app"})
	f.add(TypeRolePolicy, "app-policy", map[string]any{"role": "app", "policy": policyJSON(map[string]any{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:ap-south-1:111122223333:secret:gc-prod-app/*"})})
	f.add(TypeSecurityHub, "securityhub", map[string]any{"enableDefaultStandards": false})
	f.add(TypeStandardsSubscription, "hub-cis", map[string]any{"standardsArn": "arn:aws:securityhub:ap-south-1::standards/cis-aws-foundations-benchmark/v/3.0.0"})
	f.add(TypeStandardsSubscription, "hub-fsbp", map[string]any{"standardsArn": "arn:aws:securityhub:ap-south-1::standards/aws-foundational-security-best-practices/v/1.0.0"})
	f.add(TypeInspector, "inspector", map[string]any{"accountIds": []any{"111122223333"}, "resourceTypes": []any{"EC2", "ECR"}})
	f.add(TypeAnalyzer, "analyzer", map[string]any{"analyzerName": "aa", "type": "ACCOUNT"})

	untrust := f.add(TypeSecurityGroup, "sg-untrust", map[string]any{"description": "firewall untrust", "tags": map[string]any{TierTag: UntrustTier}})
	app := f.add(TypeSecurityGroup, "sg-app", map[string]any{"description": "app", "tags": map[string]any{TierTag: "app"}})
	sql := f.add(TypeSecurityGroup, "sg-sql", map[string]any{"description": "sql", "tags": map[string]any{TierTag: "sql"}})
	f.add(TypeSGIngressRule, "untrust-443", map[string]any{"securityGroupId": untrust.ID, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "description": "public listener"})
	f.add(TypeSGIngressRule, "sql-1433", map[string]any{"securityGroupId": sql.ID, "referencedSecurityGroupId": app.ID, "ipProtocol": "tcp", "fromPort": 1433.0, "toPort": 1433.0, "description": "app to SQL"})
	f.add(TypeSGIngressRule, "sql-cluster", map[string]any{"securityGroupId": sql.ID, "referencedSecurityGroupId": sql.ID, "ipProtocol": "udp", "fromPort": 49152.0, "toPort": 65535.0, "description": "WSFC"})
	f.add(TypeSGEgressRule, "app-out-443", map[string]any{"securityGroupId": app.ID, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "description": "updates through NAT"})

	f.add(TypePatchBaseline, "patch-baseline", map[string]any{"operatingSystem": "WINDOWS"})
	for _, az := range []string{"a", "b"} {
		w := f.add(TypeMaintenanceWindow, "mw-"+az, map[string]any{"schedule": "cron(0 1 ? * SUN *) " + az})
		f.add(TypeMaintenanceTask, "mw-"+az+"-task", map[string]any{"windowId": w.ID, "taskArn": "AWS-RunPatchBaseline", "taskType": "RUN_COMMAND"})
		f.add(TypeMaintenanceTarget, "mw-"+az+"-target", map[string]any{"windowId": w.ID, "resourceType": "INSTANCE", "targets": []any{
			map[string]any{"key": "tag:PatchGroup", "values": []any{"gc-prod-app"}}, map[string]any{"key": "tag:patch-window", "values": []any{az}}}})
	}
	return f
}

// workloadTags turns the fixture into a stack that is not mgmt (no baseline component,
// provider environment prod).
func workloadTags(f *fixture) {
	f.resources = removeNamed(f.resources, "baseline")
	tags := allTags()
	tags["environment"] = "prod"
	f.named("aws").Inputs["defaultTags"] = map[string]any{"tags": tags}
}

func set(name, key string, v any) func(*fixture) {
	return func(f *fixture) { f.named(name).Inputs[key] = v }
}

func drop(names ...string) func(*fixture) {
	return func(f *fixture) { f.resources = removeNamed(f.resources, names...) }
}

func init() {
	compliantFixtures["security"] = compliantSecurity
	for _, id := range []string{"GC-KMS-1", "GC-KMS-2", "GC-KMS-3", "GC-LOG-1", "GC-LOG-2", "GC-LOG-3", "GC-LOG-4", "GC-LOG-5", "GC-LOG-6", "GC-LOG-7", "GC-LOG-8",
		"GC-EBS-1", "GC-S3-1", "GC-S3-2", "GC-S3-3", "GC-S3-4", "GC-IAM-1", "GC-IAM-2", "GC-IAM-3", "GC-IAM-4", "GC-IAM-5", "GC-IAM-6", "GC-IAM-7",
		"GC-SG-1", "GC-SG-2", "GC-SG-3", "GC-SG-4", "GC-SG-5", "GC-ACCT-1", "GC-PATCH-1"} {
		baseFixture[id] = compliantSecurity
	}
	add := func(id string, cases ...breakage) { breakages[id] = append(breakages[id], cases...) }

	baseFixture["GC-STATE-1"] = compliantSecurity
	add("GC-STATE-1",
		breakage{"archive bucket unprotected", func(f *fixture) { f.named("archive").Protect = false }, "archive"},
		breakage{"trail unprotected", func(f *fixture) { f.named("trail").Protect = false }, "trail"})
	add("GC-KMS-1", breakage{"rotation off", set("key-ebs", "enableKeyRotation", false), "key-ebs"})
	add("GC-KMS-2",
		breakage{"key not protected", func(f *fixture) { f.named("key-logs").Protect = false }, "key-logs"},
		breakage{"deletion window too short", set("key-ebs", "deletionWindowInDays", 3.0), "key-ebs"})
	add("GC-KMS-3",
		breakage{"no root grant", set("key-logs", "policy", policyJSON(map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "logs.ap-south-1.amazonaws.com"}, "Action": "kms:*", "Resource": "*"})), "key-logs"},
		breakage{"public key", set("key-ebs", "policy", policyJSON(rootStatement, map[string]any{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})), "key-ebs"},
		breakage{"default key policy", func(f *fixture) { delete(f.named("key-ebs").Inputs, "policy") }, "key-ebs"},
		breakage{"service without a condition", set("key-logs", "policy", policyJSON(rootStatement,
			map[string]any{"Sid": "Logs", "Effect": "Allow", "Principal": map[string]any{"Service": "logs.ap-south-1.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*"})), "key-logs"},
		// EventBridge may publish to encrypted topics unconditioned (its KMS requests carry no
		// source to condition on), but only with the publishing actions.
		breakage{"EventBridge with more than publishing", set("key-logs", "policy", policyJSON(rootStatement,
			map[string]any{"Sid": "Events", "Effect": "Allow", "Principal": map[string]any{"Service": "events.amazonaws.com"}, "Action": "kms:*", "Resource": "*"})), "key-logs"},
		breakage{"EventBridge beside a service that sends a source", set("key-logs", "policy", policyJSON(rootStatement,
			map[string]any{"Sid": "Publishers", "Effect": "Allow", "Principal": map[string]any{"Service": []any{"events.amazonaws.com", "cloudwatch.amazonaws.com"}},
				"Action": []any{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "*"})), "key-logs"})
	add("GC-LOG-1",
		breakage{"single-region trail", set("trail", "isMultiRegionTrail", false), "trail"},
		breakage{"trail stopped", set("trail", "enableLogging", false), "trail"},
		breakage{"mgmt without a trail", drop("trail"), "baseline"})
	add("GC-LOG-2", breakage{"validation off", set("trail", "enableLogFileValidation", false), "trail"},
		breakage{"mgmt by provider tag without a trail", func(f *fixture) { f.resources = removeNamed(f.resources, "trail", "baseline") }, "aws"})
	add("GC-LOG-3", breakage{"no KMS key", set("trail", "kmsKeyId", ""), "trail"})
	add("GC-LOG-4", breakage{"no CloudWatch Logs", set("trail", "cloudWatchLogsRoleArn", ""), "trail"})
	add("GC-LOG-5",
		breakage{"only some resources", set("recorder", "recordingGroup", map[string]any{"allSupported": false}), "recorder"},
		breakage{"recorder never started", set("recorder-status", "isEnabled", false), "recorder"},
		breakage{"no delivery channel", drop("channel"), "recorder"},
		breakage{"delivery to an Object Lock bucket", set("archive", "objectLockEnabled", true), "recorder"},
		breakage{"no recorder", drop("recorder"), "baseline"})
	add("GC-LOG-6",
		breakage{"detector disabled", set("detector", "enable", false), "detector"},
		breakage{"no malware protection", drop("gd-ebs"), "detector"},
		breakage{"no detector", drop("detector"), "baseline"})
	add("GC-LOG-7",
		breakage{"no CIS standard", drop("hub-cis"), "securityhub"},
		breakage{"no Security Hub", drop("securityhub"), "baseline"})
	add("GC-LOG-8",
		breakage{"ECR only", set("inspector", "resourceTypes", []any{"ECR"}), "inspector"},
		breakage{"no Inspector", drop("inspector"), "baseline"})
	add("GC-EBS-1",
		breakage{"default encryption off", set("ebs-default", "enabled", false), "ebs-default"},
		breakage{"no default key", drop("ebs-key"), "ebs-default"},
		breakage{"not declared", drop("ebs-default"), "baseline"})
	add("GC-S3-1",
		breakage{"account block off", set("account-pab", "blockPublicPolicy", false), "account-pab"},
		breakage{"no account block", drop("account-pab"), "baseline"},
		breakage{"bucket block missing", drop("archive-pab"), "archive"},
		breakage{"bucket block partial", set("access-logs-pab", "restrictPublicBuckets", false), "access-logs"})
	add("GC-S3-2",
		breakage{"no policy", drop("archive-policy"), "archive"},
		breakage{"policy allows HTTP", set("access-logs-policy", "policy", policyJSON(map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "*"})), "access-logs"})
	add("GC-S3-3",
		breakage{"versioning suspended", set("archive-versioning", "versioningConfiguration", map[string]any{"status": "Suspended"}), "archive"},
		breakage{"no versioning", drop("access-logs-versioning"), "access-logs"})
	add("GC-S3-4", breakage{"archive not logged", drop("archive-logging"), "archive"})
	add("GC-IAM-1",
		breakage{"short passwords", set("password-policy", "minimumPasswordLength", 8.0), "password-policy"},
		breakage{"reuse allowed", set("password-policy", "passwordReusePrevention", 5.0), "password-policy"},
		breakage{"no symbols", set("password-policy", "requireSymbols", false), "password-policy"},
		breakage{"never expire", drop("password-policy"), "baseline"})
	add("GC-IAM-2",
		breakage{"user policy", func(f *fixture) { f.add(TypeUserPolicy, "asha-inline", map[string]any{"user": "asha", "policy": "{}"}) }, "asha-inline"},
		breakage{"user attachment", func(f *fixture) {
			f.add(TypeUserPolicyAttachment, "asha-admin", map[string]any{"user": "asha", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})
		}, "asha-admin"},
		breakage{"user in no group", drop("asha-groups"), "asha"})
	add("GC-IAM-3",
		breakage{"star star role policy", set("app-policy", "policy", policyJSON(map[string]any{"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"})), "app-policy"},
		breakage{"star star managed policy", func(f *fixture) {
			f.add(TypeIAMPolicy, "god", map[string]any{"name": "god", "policy": policyJSON(map[string]any{"Effect": "Allow", "Action": []any{"*"}, "Resource": []any{"*"}})})
		}, "god"})
	add("GC-IAM-4",
		breakage{"no support role", drop("support-access"), "baseline"},
		breakage{"attachment to a role that is not there", drop("support"), "baseline"})
	add("GC-IAM-5", breakage{"no analyzer", drop("analyzer"), "baseline"})
	add("GC-IAM-6",
		breakage{"group without MFA policy", drop("admins-mfa"), "admins"},
		breakage{"MFA policy that does not deny", set("mfa", "policy", policyJSON(map[string]any{"Effect": "Allow", "Action": "iam:ListMFADevices", "Resource": "*"})), "admins"})
	add("GC-IAM-7",
		breakage{"access key", func(f *fixture) { f.add(TypeAccessKey, "asha-key", map[string]any{"user": "asha"}) }, "asha-key"},
		breakage{"login profile", func(f *fixture) { f.add(TypeLoginProfile, "asha-login", map[string]any{"user": "asha"}) }, "asha-login"})
	add("GC-SG-1",
		breakage{"RDP from the internet", func(f *fixture) {
			f.add(TypeSGIngressRule, "rdp-world", map[string]any{"securityGroupId": f.named("sg-app").ID, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 3389.0, "toPort": 3389.0, "description": "oops"})
		}, "rdp-world"},
		breakage{"SQL range from IPv6 internet", func(f *fixture) {
			f.add(TypeSecurityGroupRule, "sql-world", map[string]any{"type": "ingress", "securityGroupId": f.named("sg-sql").ID, "ipv6CidrBlocks": []any{"::/0"}, "protocol": "tcp", "fromPort": 1400.0, "toPort": 1500.0, "description": "oops"})
		}, "sql-world"},
		breakage{"inline all traffic from the internet", set("sg-untrust", "ingress", []any{map[string]any{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": []any{"0.0.0.0/0"}, "description": "all"}}), "sg-untrust"})
	add("GC-SG-2",
		breakage{"rule without description", set("sql-1433", "description", ""), "sql-1433"},
		breakage{"group with the default description", set("sg-app", "description", "Managed by Pulumi"), "sg-app"})
	add("GC-SG-3",
		breakage{"internet into the app tier", func(f *fixture) {
			f.add(TypeSGIngressRule, "app-world", map[string]any{"securityGroupId": f.named("sg-app").ID, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "description": "direct"})
		}, "app-world"},
		breakage{"port range from the internet", set("untrust-443", "toPort", 8443.0), "untrust-443"})
	add("GC-SG-4",
		breakage{"all egress", func(f *fixture) {
			f.add(TypeSGEgressRule, "sql-all-out", map[string]any{"securityGroupId": f.named("sg-sql").ID, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1", "description": "everything"})
		}, "sql-all-out"})
	add("GC-SG-5", breakage{"61 inbound rules", func(f *fixture) {
		for i := 0; i < 61; i++ {
			f.add(TypeSGIngressRule, fmt.Sprintf("sql-in-%d", i), map[string]any{"securityGroupId": f.named("sg-sql").ID, "cidrIpv4": fmt.Sprintf("10.0.%d.0/24", i), "ipProtocol": "tcp", "fromPort": 1433.0, "toPort": 1433.0, "description": "client"})
		}
	}, "sg-sql"})
	add("GC-ACCT-1",
		breakage{"trail in a workload stack", workloadTags, "trail"},
		breakage{"service-linked role in a workload stack", func(f *fixture) {
			f.add(TypeServiceLinkedRole, "asg-slr", map[string]any{"awsServiceName": "autoscaling.amazonaws.com"})
			workloadTags(f)
		}, "asg-slr"},
		breakage{"password policy in a workload stack", workloadTags, "password-policy"})
	add("GC-PATCH-1",
		breakage{"both AZs in one window", set("mw-b", "schedule", "cron(0 1 ? * SUN *) a"), "mw-b"},
		breakage{"window that does not patch", set("mw-a-task", "taskArn", "AWS-RunPowerShellScript"), "mw-a"},
		breakage{"one window", drop("mw-b", "mw-b-task", "mw-b-target"), "patch-baseline"},
		breakage{"both windows patch AZ a", set("mw-b-target", "targets", []any{
			map[string]any{"key": "tag:PatchGroup", "values": []any{"gc-prod-app"}}, map[string]any{"key": "tag:patch-window", "values": []any{"a"}}}), "mw-b"},
		breakage{"window without targets", drop("mw-a-target"), "mw-a"})
}
