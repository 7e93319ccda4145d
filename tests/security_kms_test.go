package tests

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/offline"
	"github.com/giftcard/platform-infra/security"
)

type statement struct {
	Sid       string                    `json:"Sid"`
	Effect    string                    `json:"Effect"`
	Principal any                       `json:"Principal"`
	Action    any                       `json:"Action"`
	NotAction any                       `json:"NotAction"`
	Resource  any                       `json:"Resource"`
	Condition map[string]map[string]any `json:"Condition"`
}

func policyOf(t *testing.T, r *inventory.Resource, key string) []statement {
	t.Helper()
	raw := inventory.String(r, key)
	require.NotEmpty(t, raw, "%s has no %s", r.Name, key)
	var doc struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &doc), r.Name)
	assert.Equal(t, "2012-10-17", doc.Version)
	return doc.Statement
}

// servicePrincipals lists a policy's Allow principals, services and roles, sorted.
func allowedPrincipals(sts []statement) []string {
	seen := map[string]bool{}
	for _, st := range sts {
		if st.Effect != "Allow" {
			continue
		}
		if m, ok := st.Principal.(map[string]any); ok {
			for _, k := range []string{"Service", "AWS"} {
				for _, p := range inventory.Strings(m[k]) {
					seen[p] = true
				}
			}
		}
	}
	out := inventory.SortedKeys(seen)
	sort.Strings(out)
	return out
}

func keyOf(t *testing.T, s *inventory.Stack, env, purpose string) *inventory.Resource {
	t.Helper()
	k := s.Named("gc-"+env+"-kms-"+purpose, controls.TypeKmsKey)
	require.NotNil(t, k, "%s has no %s key", env, purpose)
	return k
}

const acct = offline.AccountID

func TestEveryStackHasItsKeyRingRotatedProtectedAndAliased(t *testing.T) {
	for _, env := range stacks {
		s := stackOf(t, env)
		keys := s.OfType(controls.TypeKmsKey)
		require.GreaterOrEqual(t, len(keys), 5, env)
		require.Len(t, keys, len(security.KeyPurposes), env)
		aliases := map[string]string{}
		for _, a := range s.OfType("aws:kms/alias:Alias") {
			aliases[inventory.String(a, "targetKeyId")] = inventory.String(a, "name")
		}
		for _, p := range security.KeyPurposes {
			k := keyOf(t, s, env, p.Name)
			assert.True(t, inventory.Bool(k, "enableKeyRotation"), k.Name)
			assert.Equal(t, 30.0, k.Inputs["deletionWindowInDays"], k.Name)
			assert.True(t, k.Protect, k.Name)
			assert.True(t, k.RetainOnDelete, k.Name)
			assert.Equal(t, "alias/gc-"+env+"-kms-"+p.Name, aliases[k.ID], k.Name)
			comp := s.Component(k)
			require.NotNil(t, comp)
			assert.Equal(t, security.KeyRingType, comp.Type)
		}
	}
}

func TestDeletionWindowComesFromConfig(t *testing.T) {
	rs, err := runRaw(t, "mgmt", map[string]string{key("kmsDeletionWindowDays"): "7"})
	require.NoError(t, err)
	s := inventory.NewStack("giftcard-platform", "mgmt", rs, nil)
	for _, k := range s.OfType(controls.TypeKmsKey) {
		assert.Equal(t, 7.0, k.Inputs["deletionWindowInDays"], k.Name)
	}
	_, err = runRaw(t, "mgmt", map[string]string{key("kmsDeletionWindowDays"): "40"})
	assert.ErrorContains(t, err, "kmsDeletionWindowDays")
}

// Each key grants the account root and exactly the services that use it.
func TestKeyPoliciesNameExactlyTheirServicePrincipals(t *testing.T) {
	root := "arn:aws:iam::" + acct + ":root"
	slr := "arn:aws:iam::" + acct + ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
	for _, env := range stacks {
		s := stackOf(t, env)
		logs := []string{root, "logs.ap-south-1.amazonaws.com"}
		if env == "mgmt" {
			logs = append(logs, "cloudtrail.amazonaws.com")
		}
		want := map[string][]string{
			security.LogsKey:    logs,
			security.EbsKey:     {slr, root},
			security.BackupKey:  {root, "backup.amazonaws.com"},
			security.SnsKey:     {root, "cloudwatch.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"},
			security.DataKey:    {root},
			security.SecretsKey: {root},
		}
		for purpose, principals := range want {
			sort.Strings(principals)
			sts := policyOf(t, keyOf(t, s, env, purpose), "policy")
			assert.Equal(t, principals, allowedPrincipals(sts), "%s %s key", env, purpose)
			assert.Equal(t, "kms:*", sts[0].Action, "root statement first")
			for _, st := range sts[1:] {
				// every service grant is bound to this account, a log group ARN or the trail,
				// except EventBridge's, whose KMS requests carry nothing to bind (publishing only)
				m, ok := st.Principal.(map[string]any)
				if !ok || m["Service"] == nil {
					continue
				}
				if m["Service"] == "events.amazonaws.com" {
					assert.Empty(t, st.Condition, "%s %s: a condition on EventBridge's grant drops every finding", env, purpose)
					assert.ElementsMatch(t, controls.ContextFreeServices["events.amazonaws.com"], inventory.Strings(st.Action))
					continue
				}
				assert.NotEmpty(t, st.Condition, "%s %s: %s has no condition", env, purpose, st.Sid)
			}
		}
	}
}

func TestLogsKeyConditionsScopeLogsAndTheTrail(t *testing.T) {
	sts := policyOf(t, keyOf(t, stackOf(t, "mgmt"), "mgmt", security.LogsKey), "policy")
	bySid := map[string]statement{}
	for _, st := range sts {
		bySid[st.Sid] = st
	}
	logs := bySid["CloudWatchLogsOfThisAccount"]
	assert.Equal(t, "arn:aws:logs:ap-south-1:"+acct+":log-group:*", logs.Condition["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
	trail := bySid["CloudTrailEncryptsThisTrail"]
	assert.Equal(t, "arn:aws:cloudtrail:ap-south-1:"+acct+":trail/gc-mgmt-trail", trail.Condition["StringEquals"]["aws:SourceArn"])
	assert.Equal(t, "arn:aws:cloudtrail:*:"+acct+":trail/*", trail.Condition["StringLike"]["kms:EncryptionContext:aws:cloudtrail:arn"])
	// with the archive's S3 Bucket Key, CloudTrail needs Decrypt to create the trail
	assert.ElementsMatch(t, []string{"kms:GenerateDataKey*", "kms:Decrypt"}, inventory.Strings(trail.Action))
	sse := bucketPart(t, stackOf(t, "mgmt"), "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "gc-log-archive-"+acct+"-ap-south-1")
	assert.Contains(t, fmt.Sprint(sse.Inputs["rules"]), "bucketKeyEnabled:true", "the reason for Decrypt")
	// the trail named in the key policy is the trail declared
	tr := stackOf(t, "mgmt").OfType(controls.TypeTrail)
	require.Len(t, tr, 1)
	assert.Equal(t, "gc-mgmt-trail", inventory.String(tr[0], "name"))
	assert.Equal(t, inventory.String(tr[0], "kmsKeyId"), "arn:aws:kms:ap-south-1:"+acct+":key/"+keyOf(t, stackOf(t, "mgmt"), "mgmt", "logs").ID)
}

func TestEbsKeyLetsAutoScalingUseAndGrant(t *testing.T) {
	s := stackOf(t, "mgmt")
	k := keyOf(t, s, "mgmt", security.EbsKey)
	var use, grant bool
	for _, st := range policyOf(t, k, "policy") {
		m, _ := st.Principal.(map[string]any)
		if !strings.HasSuffix(inventory.Strings(m["AWS"])[0], "AWSServiceRoleForAutoScaling") {
			continue
		}
		actions := inventory.Strings(st.Action)
		if slices.Contains(actions, "kms:GenerateDataKey*") && slices.Contains(actions, "kms:Decrypt") {
			use = true
		}
		if slices.Contains(actions, "kms:CreateGrant") && st.Condition["Bool"]["kms:GrantIsForAWSResource"] == true {
			grant = true
		}
	}
	assert.True(t, use && grant)
	// the service-linked role exists before a key policy names it
	slr := s.OfType("aws:iam/serviceLinkedRole:ServiceLinkedRole")
	require.Len(t, slr, 1)
	assert.Equal(t, "autoscaling.amazonaws.com", inventory.String(slr[0], "awsServiceName"))
	assert.Contains(t, k.Dependencies, slr[0].URN)
	assert.Empty(t, stackOf(t, "prod").OfType("aws:iam/serviceLinkedRole:ServiceLinkedRole"), "account-wide: mgmt creates it")
}
