package tests

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/security"
	"github.com/giftcard/platform-infra/security/iamgroups"
)

func attachmentsOf(s *inventory.Stack, typ, field, name string) []string {
	var out []string
	for _, a := range s.OfType(typ) {
		if inventory.String(a, field) == name {
			out = append(out, inventory.String(a, "policyArn"))
		}
	}
	return out
}

func TestGroupsHaveTheirManagedPoliciesAndTheMFAPolicy(t *testing.T) {
	s := stackOf(t, "mgmt")
	mfa := s.Named("gc-mgmt-mfa-required", controls.TypeIAMPolicy)
	require.NotNil(t, mfa)
	mfaArn := "arn:aws:iam::" + acct + ":policy/gc-mgmt-mfa-required"
	var deny bool
	for _, st := range policyOf(t, mfa, "policy") {
		if st.Effect == "Deny" && st.Condition["BoolIfExists"]["aws:MultiFactorAuthPresent"] == "false" {
			deny = true
			assert.Contains(t, inventory.Strings(st.NotAction), "iam:EnableMFADevice", "users must be able to set MFA up")
		}
	}
	assert.True(t, deny)

	groups := s.OfType(controls.TypeGroup)
	require.Len(t, groups, len(iamgroups.Groups))
	for _, g := range iamgroups.Groups {
		name := "gc-mgmt-" + g.Name
		require.NotNil(t, s.Named(name, controls.TypeGroup), name)
		got := attachmentsOf(s, controls.TypeGroupPolicyAttach, "group", name)
		assert.ElementsMatch(t, append([]string{mfaArn}, g.ManagedPolicies...), got, name)
	}
	for _, want := range []string{"administrators", "network-admins", "database-admins", "operators", "security-auditors", "read-only"} {
		assert.Contains(t, iamgroups.Names(), want)
	}
	kp := s.OfType(controls.TypeGroupPolicy)
	require.Len(t, kp, 1)
	assert.Equal(t, "gc-mgmt-key-administrators", inventory.String(kp[0], "group"))
	sts := policyOf(t, kp[0], "policy")
	logsKey := "arn:aws:kms:ap-south-1:" + acct + ":key/" + keyOf(t, s, "mgmt", "logs").ID
	assert.True(t, allows(sts, "kms:ScheduleKeyDeletion", logsKey), "administer")
	assert.True(t, allows(sts, "kms:PutKeyPolicy", logsKey), "administer")
	assert.True(t, allows(sts, "kms:CreateAlias", "arn:aws:kms:ap-south-1:"+acct+":alias/gc-mgmt-kms-new"), "aliases too")
	for _, use := range []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"} {
		// a key policy edited by the administrator, or a grant, could allow it: the deny holds
		denied := false
		for _, st := range sts {
			if st.Effect == "Deny" && slices.ContainsFunc(inventory.Strings(st.Action), func(a string) bool { return wildcard(a, use) }) && slices.Contains(inventory.Strings(st.Resource), "*") {
				denied = true
			}
		}
		assert.True(t, denied, "%s is denied to key administrators", use)
		assert.False(t, allows(sts, use, logsKey), use)
	}
}

// A user without MFA must be able to set MFA up, or the deny locks them out for good.
// The user's own ARN carries the users' path: a policy scoped to user/${aws:username}
// would grant nothing to user/humans/<name>.
func TestAUserWithoutMFACanSetItUp(t *testing.T) {
	rs, err := runRaw(t, "mgmt", map[string]string{key("iamUsers"): `[{"name":"asha.rao","groups":["read-only"]}]`})
	require.NoError(t, err)
	s := inventory.NewStack("giftcard-platform", "mgmt", rs, nil)
	us := s.OfType(controls.TypeUser)
	require.Len(t, us, 1)
	name := inventory.String(us[0], "name")
	userArn := "arn:aws:iam::" + acct + ":user" + inventory.String(us[0], "path") + name
	var sts []statement
	for _, st := range policyOf(t, s.Named("gc-mgmt-mfa-required", controls.TypeIAMPolicy), "policy") {
		// IAM substitutes the policy variable with the signed-in user's name
		var res []any
		for _, r := range inventory.Strings(st.Resource) {
			res = append(res, strings.ReplaceAll(r, "${aws:username}", name))
		}
		st.Resource = res
		sts = append(sts, st)
	}
	for action, res := range map[string]string{
		"iam:ListVirtualMFADevices":    "*",
		"iam:CreateVirtualMFADevice":   "arn:aws:iam::" + acct + ":mfa/asha-phone",
		"iam:EnableMFADevice":          userArn,
		"iam:ListMFADevices":           userArn,
		"iam:ResyncMFADevice":          userArn,
		"iam:ChangePassword":           userArn,
		"iam:GetAccountPasswordPolicy": "*",
	} {
		assert.True(t, allows(sts, action, res), "%s on %s", action, res)
		for _, st := range sts {
			if st.Effect == "Deny" {
				assert.Contains(t, inventory.Strings(st.NotAction), action, "denied without MFA")
			}
		}
	}
	assert.False(t, allows(sts, "iam:EnableMFADevice", "arn:aws:iam::"+acct+":user"+security.HumanPath+"vikram"), "only one's own user")
	for _, st := range sts {
		if st.Effect == "Allow" && slices.Contains(inventory.Strings(st.Action), "iam:DeactivateMFADevice") {
			assert.Equal(t, "true", st.Condition["Bool"]["aws:MultiFactorAuthPresent"], "deactivating MFA needs MFA")
		}
	}
}

func TestUsersFromConfigOnlyThroughGroups(t *testing.T) {
	users := `[{"name":"asha.rao","groups":["administrators"]},{"name":"vikram","groups":["read-only","security-auditors"]}]`
	rs, err := runRaw(t, "mgmt", map[string]string{key("iamUsers"): users})
	require.NoError(t, err)
	s := inventory.NewStack("giftcard-platform", "mgmt", rs, nil)
	us := s.OfType(controls.TypeUser)
	require.Len(t, us, 2)
	memberships := map[string][]any{}
	for _, m := range s.OfType(controls.TypeUserGroupMembership) {
		memberships[inventory.String(m, "user")] = inventory.List(m.Inputs["groups"])
	}
	assert.Equal(t, []any{"gc-mgmt-administrators"}, memberships["asha.rao"])
	assert.Equal(t, []any{"gc-mgmt-read-only", "gc-mgmt-security-auditors"}, memberships["vikram"])
	for _, typ := range []string{controls.TypeAccessKey, controls.TypeLoginProfile, controls.TypeUserPolicy, controls.TypeUserPolicyAttachment, controls.TypePolicyAttachment} {
		assert.Empty(t, s.OfType(typ), typ)
	}
	for _, r := range controls.Evaluate(s, controls.Catalogue) {
		assert.NotEqual(t, controls.Fail, r.Status, "%s: %v", r.ID, r.Failures)
	}

	_, err = runRaw(t, "mgmt", map[string]string{key("iamUsers"): `[{"name":"x","groups":["root"]}]`})
	assert.ErrorContains(t, err, "iamUsers")
}

func TestPasswordPolicyAndSupportRole(t *testing.T) {
	s := stackOf(t, "mgmt")
	pp := s.OfType(controls.TypePasswordPolicy)
	require.Len(t, pp, 1)
	assert.Equal(t, 14.0, pp[0].Inputs["minimumPasswordLength"])
	assert.Equal(t, 24.0, pp[0].Inputs["passwordReusePrevention"])
	assert.Equal(t, 90.0, pp[0].Inputs["maxPasswordAge"])
	for _, k := range []string{"requireLowercaseCharacters", "requireUppercaseCharacters", "requireNumbers", "requireSymbols"} {
		assert.Equal(t, true, pp[0].Inputs[k], k)
	}
	// the Config rule watching the running account checks the values the policy sets
	checked := false
	for _, r := range s.OfType("aws:cfg/rule:Rule") {
		if r.Inputs["source"].(map[string]any)["sourceIdentifier"] != "IAM_PASSWORD_POLICY" {
			continue
		}
		var params map[string]string
		require.NoError(t, json.Unmarshal([]byte(inventory.String(r, "inputParameters")), &params))
		for param, input := range map[string]string{"MinimumPasswordLength": "minimumPasswordLength", "PasswordReusePrevention": "passwordReusePrevention", "MaxPasswordAge": "maxPasswordAge"} {
			assert.Equal(t, fmt.Sprint(pp[0].Inputs[input]), params[param], param)
		}
		checked = true
	}
	assert.True(t, checked, "no IAM_PASSWORD_POLICY rule")
	role := s.Named("gc-mgmt-support", controls.TypeRole)
	require.NotNil(t, role)
	assert.Equal(t, []string{controls.SupportPolicy}, attachmentsOf(s, controls.TypeRolePolicyAttachment, "role", "gc-mgmt-support"))
	trust := policyOf(t, role, "assumeRolePolicy")
	assert.Equal(t, []string{"arn:aws:iam::" + acct + ":root"}, allowedPrincipals(trust))
	assert.Equal(t, "true", trust[0].Condition["Bool"]["aws:MultiFactorAuthPresent"])
}

func TestInstanceRolesPerTierWithOnlyTheirOwnSecretsParametersAndBuckets(t *testing.T) {
	want := map[string][]string{"mgmt": {"domain-controller", "rd-gateway", "mgmt-hosts"}, "uat": {"firewall", "app", "sql"}, "prod": {"firewall", "app", "sql"}}
	for env, tiers := range want {
		s := stackOf(t, env)
		var profiles []string
		for _, p := range s.OfType("aws:iam/instanceProfile:InstanceProfile") {
			profiles = append(profiles, inventory.String(p, "name"))
			assert.Equal(t, inventory.String(p, "name"), inventory.String(p, "role"))
		}
		var expected []string
		for _, tier := range tiers {
			expected = append(expected, "gc-"+env+"-"+tier)
		}
		assert.ElementsMatch(t, expected, profiles, env)
		for _, tier := range tiers {
			name := "gc-" + env + "-" + tier
			role := s.Named(name, controls.TypeRole)
			require.NotNil(t, role, name)
			assert.Equal(t, []string{"ec2.amazonaws.com"}, allowedPrincipals(policyOf(t, role, "assumeRolePolicy")))
			managed := attachmentsOf(s, controls.TypeRolePolicyAttachment, "role", name)
			assert.Contains(t, managed, security.ManagedPolicy("CloudWatchAgentServerPolicy"), name)
			if tier != "firewall" {
				assert.Contains(t, managed, security.ManagedPolicy("AmazonSSMManagedInstanceCore"), name)
			}
			pol := s.Named(name, controls.TypeRolePolicy)
			require.NotNil(t, pol, name)
			for _, st := range policyOf(t, pol, "policy") {
				for _, res := range inventory.Strings(st.Resource) {
					assert.NotEqual(t, "*", res, "%s %s", name, st.Sid)
					switch {
					case strings.Contains(res, ":secret:"):
						assert.Contains(t, res, ":secret:"+name+"/", "%s reads only its own secrets", name)
					case strings.Contains(res, ":parameter/"):
						assert.Contains(t, res, ":parameter/gc/"+env+"/"+tier+"/", name)
					case strings.HasPrefix(res, "arn:aws:s3:::") && st.Sid == "OwnBuckets":
						assert.True(t, strings.HasPrefix(res, "arn:aws:s3:::"+name+"-"), res)
					}
				}
			}
		}
	}
}

func TestServiceRoles(t *testing.T) {
	for _, env := range stacks {
		s := stackOf(t, env)
		for name, svc := range map[string]string{"backup": "backup.amazonaws.com", "maintenance-window": "ssm.amazonaws.com"} {
			role := s.Named("gc-"+env+"-"+name, controls.TypeRole)
			require.NotNil(t, role, env+" "+name)
			trust := policyOf(t, role, "assumeRolePolicy")
			assert.Equal(t, []string{svc}, allowedPrincipals(trust))
			if name == "maintenance-window" { // Systems Manager sends its source account; Backup does not
				assert.Equal(t, acct, trust[0].Condition["StringEquals"]["aws:SourceAccount"], "confused-deputy guard")
			}
		}
	}
	cfg := stackOf(t, "mgmt").Named("gc-mgmt-config", controls.TypeRole)
	require.NotNil(t, cfg)
	assert.Equal(t, []string{"config.amazonaws.com"}, allowedPrincipals(policyOf(t, cfg, "assumeRolePolicy")))
	assert.Nil(t, stackOf(t, "prod").Named("gc-prod-config", controls.TypeRole))
}
