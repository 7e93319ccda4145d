package security

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/security/iamgroups"
)

// IdentityType and InstanceRolesType are the components' type tokens.
const (
	IdentityType      = "giftcard:security:Identity"
	InstanceRolesType = "giftcard:security:InstanceRoles"
)

// IdentityArgs configures the account's human identities (mgmt stack only: IAM is global).
type IdentityArgs struct {
	Config  *config.Config
	Account Account
}

// Identity is the groups (with the MFA policy), the users from config, the password
// policy, the support role and the Auto Scaling service-linked role.
type Identity struct {
	pulumi.ResourceState

	// GroupNames are the IAM group names by short name.
	GroupNames     map[string]pulumi.StringOutput
	SupportRoleArn pulumi.StringOutput `pulumi:"supportRoleArn"`
	// AutoScalingRole is the service-linked role the ebs key policy names: KMS rejects a
	// key policy whose principal does not exist yet, so the key ring waits for it.
	AutoScalingRole *iam.ServiceLinkedRole
}

// HumanPath is the IAM path of the human users and groups. A user's ARN carries it
// (arn:aws:iam::<acct>:user/humans/<name>), so policies naming a user's own ARN must too.
const HumanPath = "/humans/"

// MFAPolicy denies everything but setting up one's own MFA device (and changing one's
// password) until the session has signed in with MFA: AWS's documented self-manage-MFA
// policy, with the users' path in their own ARN.
func MFAPolicy(a Account) string {
	self := fmt.Sprintf("arn:aws:iam::%s:user%s${aws:username}", a.ID, HumanPath)
	return Policy(Statement{
		// List actions take no resource: scoped to a user they are never granted.
		Sid: "ListMFADevicesAndPasswordRules", Effect: "Allow",
		Action: []string{"iam:ListVirtualMFADevices", "iam:GetAccountPasswordPolicy"}, Resource: "*",
	}, Statement{
		// The console lets the user name the device: a name-scoped resource would refuse it.
		Sid: "CreateVirtualMFADevice", Effect: "Allow", Action: "iam:CreateVirtualMFADevice",
		Resource: fmt.Sprintf("arn:aws:iam::%s:mfa/*", a.ID),
	}, Statement{
		Sid: "ManageOwnPasswordAndMFA", Effect: "Allow",
		Action: []string{"iam:ChangePassword", "iam:GetUser", "iam:GetLoginProfile", "iam:EnableMFADevice", "iam:GetMFADevice",
			"iam:ListMFADevices", "iam:ResyncMFADevice"},
		Resource: self,
	}, Statement{
		Sid: "DeactivateOwnMFAOnlyWithMFA", Effect: "Allow", Action: "iam:DeactivateMFADevice", Resource: self,
		Condition: map[string]map[string]any{"Bool": {"aws:MultiFactorAuthPresent": "true"}},
	}, Statement{
		Sid: "DenyAllExceptMFASetupWithoutMFA", Effect: "Deny",
		NotAction: []string{"iam:ChangePassword", "iam:GetAccountPasswordPolicy", "iam:GetUser", "iam:GetMFADevice", "iam:ListMFADevices",
			"iam:ListVirtualMFADevices", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ResyncMFADevice", "sts:GetSessionToken"},
		Resource:  "*",
		Condition: map[string]map[string]any{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
	})
}

// KeyUseActions are the key operations that read or make data keys, or delegate that.
var KeyUseActions = []string{"kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant"}

// KeyAdminPolicy lets the key administrators manage, never use, the account's keys. The
// use is denied explicitly: an identity-policy deny holds whatever a key policy or a
// grant allows, so an administrator cannot grant themselves decryption (kms:CreateGrant)
// or write it into a key policy (kms:PutKeyPolicy) and use it.
func KeyAdminPolicy(a Account) string {
	return Policy(Statement{
		Sid: "AdministerKeys", Effect: "Allow",
		Action: []string{"kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
			"kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"},
		// aliases are resources of their own: creating or moving one needs both
		Resource: []string{a.ARN("kms", "key/*"), a.ARN("kms", "alias/*")},
	}, Statement{Sid: "ListKeys", Effect: "Allow", Action: []string{"kms:ListKeys", "kms:ListAliases"}, Resource: "*"},
		Statement{Sid: "NeverUseTheKeys", Effect: "Deny", Action: KeyUseActions, Resource: "*"})
}

// The password rules, declared once: the account password policy sets them and the
// IAM_PASSWORD_POLICY Config rule checks the running account against them.
const (
	MinPasswordLength  = 14
	PasswordReuse      = 24
	MaxPasswordAgeDays = 90
)

// PasswordPolicy is the account password policy (CIS 1.8, 1.9; FSBP IAM.7).
var PasswordPolicy = iam.AccountPasswordPolicyArgs{
	MinimumPasswordLength:      pulumi.Int(MinPasswordLength),
	PasswordReusePrevention:    pulumi.Int(PasswordReuse),
	MaxPasswordAge:             pulumi.Int(MaxPasswordAgeDays),
	RequireLowercaseCharacters: pulumi.Bool(true),
	RequireUppercaseCharacters: pulumi.Bool(true),
	RequireNumbers:             pulumi.Bool(true),
	RequireSymbols:             pulumi.Bool(true),
	AllowUsersToChangePassword: pulumi.Bool(true),
}

// NewIdentity declares the account's identities.
func NewIdentity(ctx *pulumi.Context, name string, args *IdentityArgs, opts ...pulumi.ResourceOption) (*Identity, error) {
	id := &Identity{GroupNames: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResourceV2(IdentityType, name, pulumi.Map{}, id, opts...); err != nil {
		return nil, err
	}
	c, a := args.Config, args.Account
	in := pulumi.Parent(id)

	mfa, err := iam.NewPolicy(ctx, c.Name("mfa-required"), &iam.PolicyArgs{
		Name: pulumi.String(c.Name("mfa-required")), Description: pulumi.String("Deny all but MFA setup to sessions without MFA"),
		Policy: pulumi.String(MFAPolicy(a)),
	}, in)
	if err != nil {
		return nil, err
	}
	groups := map[string]*iam.Group{}
	for _, g := range iamgroups.Groups {
		n := c.Name(g.Name)
		grp, err := iam.NewGroup(ctx, n, &iam.GroupArgs{Name: pulumi.String(n), Path: pulumi.String(HumanPath)}, in)
		if err != nil {
			return nil, err
		}
		groups[g.Name] = grp
		id.GroupNames[g.Name] = grp.Name
		// Named after the policy, so reordering the table replaces nothing.
		attach := map[string]pulumi.StringInput{n + "-mfa-required": mfa.Arn}
		for _, p := range g.ManagedPolicies {
			attach[n+"-"+strings.ToLower(p[strings.LastIndex(p, "/")+1:])] = pulumi.String(p)
		}
		for _, an := range slices.Sorted(maps.Keys(attach)) {
			if _, err := iam.NewGroupPolicyAttachment(ctx, an, &iam.GroupPolicyAttachmentArgs{Group: grp.Name, PolicyArn: attach[an]}, in); err != nil {
				return nil, err
			}
		}
		if g.ManagesKeys {
			if _, err := iam.NewGroupPolicy(ctx, n, &iam.GroupPolicyArgs{Group: grp.Name, Policy: pulumi.String(KeyAdminPolicy(a))}, in); err != nil {
				return nil, err
			}
		}
	}

	// Users get no login profile, access key or policy here (a password made here would
	// sit in the state): an administrator gives each a one-time console password with
	// `aws iam create-login-profile --password-reset-required`, the user changes it and
	// sets up MFA at first sign-in (the MFA policy allows only that), and every
	// permission comes from groups.
	for _, u := range c.Security.Users {
		user, err := iam.NewUser(ctx, c.Name("user", u.Name), &iam.UserArgs{
			Name: pulumi.String(u.Name), Path: pulumi.String(HumanPath), ForceDestroy: pulumi.Bool(false),
		}, in)
		if err != nil {
			return nil, err
		}
		var names pulumi.StringArray
		for _, g := range u.Groups {
			names = append(names, groups[g].Name)
		}
		if _, err := iam.NewUserGroupMembership(ctx, c.Name("user", u.Name), &iam.UserGroupMembershipArgs{User: user.Name, Groups: names}, in); err != nil {
			return nil, err
		}
	}

	pp := PasswordPolicy
	if _, err := iam.NewAccountPasswordPolicy(ctx, c.Name("password-policy"), &pp, in); err != nil {
		return nil, err
	}

	support, _, err := newRole(ctx, c.Name("support"), "AWS Support cases (CIS 1.17); assumed by account users with MFA",
		Policy(Statement{
			Effect: "Allow", Principal: AWSPrincipal(a.Root()), Action: "sts:AssumeRole",
			Condition: map[string]map[string]any{"Bool": {"aws:MultiFactorAuthPresent": "true"}},
		}), []string{"AWSSupportAccess"}, in)
	if err != nil {
		return nil, err
	}
	id.SupportRoleArn = support.Arn

	// In an account that already ran Auto Scaling the role exists: import it with
	// `pulumi import aws:iam/serviceLinkedRole:ServiceLinkedRole` before the first up.
	id.AutoScalingRole, err = iam.NewServiceLinkedRole(ctx, c.Name("autoscaling-slr"), &iam.ServiceLinkedRoleArgs{
		AwsServiceName: pulumi.String("autoscaling.amazonaws.com"),
	}, in, pulumi.Protect(true))
	if err != nil {
		return nil, err
	}
	return id, ctx.RegisterResourceOutputs(id, pulumi.Map{"supportRoleArn": id.SupportRoleArn})
}

// RoleTier is one tier's instance role.
type RoleTier struct {
	Name string
	// Mgmt is true for the tiers of the mgmt VPC.
	Mgmt bool
	// Managed are the AWS managed policies beyond the CloudWatch agent's.
	Managed []string
	// SSM is false only for PAN-OS, which runs no SSM agent.
	SSM bool
	// Patched tiers are patched by Systems Manager.
	Patched bool
	Purpose string
}

// RoleTiers are every instance role, per VPC kind.
var RoleTiers = []RoleTier{
	{Name: "firewall", SSM: false, Purpose: "VM-Series: bootstrap bucket, CloudWatch metrics"},
	{Name: "app", SSM: true, Patched: true, Purpose: "IIS/.NET app servers"},
	{Name: "sql", SSM: true, Patched: true, Purpose: "SQL Server Always On nodes"},
	{Name: "domain-controller", Mgmt: true, SSM: true, Patched: true, Managed: []string{"AmazonSSMDirectoryServiceAccess"}, Purpose: "Active Directory domain controllers"},
	{Name: "rd-gateway", Mgmt: true, SSM: true, Patched: true, Managed: []string{"AmazonSSMDirectoryServiceAccess"}, Purpose: "RD gateway"},
	{Name: "mgmt-hosts", Mgmt: true, SSM: true, Patched: true, Managed: []string{"AmazonSSMDirectoryServiceAccess"}, Purpose: "management and DBA hosts"},
}

// RoleTiersFor lists the role tiers of the mgmt VPC or of a workload VPC.
func RoleTiersFor(mgmt bool) []RoleTier {
	var out []RoleTier
	for _, t := range RoleTiers {
		if t.Mgmt == mgmt {
			out = append(out, t)
		}
	}
	return out
}

// InstanceRolesArgs configures one stack's instance and service roles.
type InstanceRolesArgs struct {
	Config        *config.Config
	Account       Account
	SecretsKeyArn pulumi.StringInput
	LogsKeyArn    pulumi.StringInput
	DataKeyArn    pulumi.StringInput
	// PatchLogBucket receives the patching command output the instances write.
	PatchLogBucket string
}

// InstanceRoles is one role and instance profile per tier of the stack, and the stack's
// AWS Backup service role.
type InstanceRoles struct {
	pulumi.ResourceState

	RoleArns     map[string]pulumi.StringOutput
	RoleNames    map[string]pulumi.StringOutput
	ProfileNames map[string]pulumi.StringOutput
	// BackupRoleArn is the role AWS Backup assumes to back up and restore this stack.
	BackupRoleArn pulumi.StringOutput `pulumi:"backupRoleArn"`
}

// TierPrefix is the naming prefix of a tier's own secrets, parameters and buckets
// ("gc-prod-app"): the tier's role reads only names under it.
func TierPrefix(c *config.Config, tier string) string { return c.Name(tier) }

// TierPolicy is a tier's inline policy: its own secrets, parameters and buckets, and
// writing its patching output.
func TierPolicy(c *config.Config, a Account, tier, patchBucket, secretsKey, logsKey, dataKey string) string {
	prefix := TierPrefix(c, tier)
	via := func(services ...string) map[string]map[string]any {
		var v []string
		for _, s := range services {
			v = append(v, fmt.Sprintf("%s.%s.amazonaws.com", s, a.Region))
		}
		return map[string]map[string]any{"StringEquals": {"kms:ViaService": v}}
	}
	return Policy(Statement{
		Sid: "OwnSecrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
		Resource: a.ARN("secretsmanager", "secret:"+prefix+"/*"),
	}, Statement{
		Sid: "OwnParameters", Effect: "Allow", Action: []string{"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"},
		Resource: a.ARN("ssm", fmt.Sprintf("parameter/gc/%s/%s/*", c.Environment, tier)),
	}, Statement{
		Sid: "DecryptOwnSecrets", Effect: "Allow", Action: "kms:Decrypt", Resource: secretsKey, Condition: via("secretsmanager", "ssm"),
	}, Statement{
		Sid: "OwnBuckets", Effect: "Allow", Action: []string{"s3:GetObject", "s3:ListBucket"},
		Resource: []string{"arn:aws:s3:::" + prefix + "-*", "arn:aws:s3:::" + prefix + "-*/*"},
	}, Statement{
		Sid: "DecryptOwnBuckets", Effect: "Allow", Action: "kms:Decrypt", Resource: dataKey, Condition: via("s3"),
	}, Statement{
		Sid: "WritePatchingOutput", Effect: "Allow", Action: "s3:PutObject",
		Resource: fmt.Sprintf("arn:aws:s3:::%s/patching/*", patchBucket),
	}, Statement{
		// The SSM agent reads the bucket's default encryption before it uploads command
		// output, and uploads nothing when it may not.
		Sid: "ReadPatchingBucketEncryption", Effect: "Allow", Action: "s3:GetEncryptionConfiguration",
		Resource: "arn:aws:s3:::" + patchBucket,
	}, Statement{
		Sid: "EncryptPatchingOutput", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: logsKey, Condition: via("s3"),
	})
}

// NewInstanceRoles declares the stack's tier roles.
func NewInstanceRoles(ctx *pulumi.Context, name string, args *InstanceRolesArgs, opts ...pulumi.ResourceOption) (*InstanceRoles, error) {
	r := &InstanceRoles{RoleArns: map[string]pulumi.StringOutput{}, RoleNames: map[string]pulumi.StringOutput{}, ProfileNames: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResourceV2(InstanceRolesType, name, pulumi.Map{}, r, opts...); err != nil {
		return nil, err
	}
	c, a := args.Config, args.Account
	in := pulumi.Parent(r)
	for _, t := range RoleTiersFor(c.Environment == config.Mgmt) {
		n := c.Name(t.Name)
		managed := append([]string{"CloudWatchAgentServerPolicy"}, t.Managed...)
		if t.SSM {
			managed = append([]string{"AmazonSSMManagedInstanceCore"}, managed...)
		}
		role, _, err := newRole(ctx, n, "Instance role: "+t.Purpose, ec2AssumeRole, managed, in)
		if err != nil {
			return nil, err
		}
		policy := pulumi.All(args.SecretsKeyArn, args.LogsKeyArn, args.DataKeyArn).ApplyT(func(keys []any) string {
			return TierPolicy(c, a, t.Name, args.PatchLogBucket, keys[0].(string), keys[1].(string), keys[2].(string))
		}).(pulumi.StringOutput)
		if _, err := iam.NewRolePolicy(ctx, n, &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, in); err != nil {
			return nil, err
		}
		profile, err := iam.NewInstanceProfile(ctx, n, &iam.InstanceProfileArgs{Name: pulumi.String(n), Role: role.Name}, in)
		if err != nil {
			return nil, err
		}
		r.RoleArns[t.Name], r.RoleNames[t.Name], r.ProfileNames[t.Name] = role.Arn, role.Name, profile.Name
	}

	backup, _, err := newRole(ctx, c.Name("backup"), "AWS Backup backs up and restores this stack", AssumeRoleByService("backup.amazonaws.com"),
		[]string{"service-role/AWSBackupServiceRolePolicyForBackup", "service-role/AWSBackupServiceRolePolicyForRestores"}, in)
	if err != nil {
		return nil, err
	}
	r.BackupRoleArn = backup.Arn
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{"backupRoleArn": r.BackupRoleArn, "instanceProfiles": pulumi.ToStringMapOutput(r.ProfileNames)})
}
