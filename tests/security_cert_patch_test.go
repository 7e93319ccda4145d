package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/offline"
	"github.com/giftcard/platform-infra/security"
)

func TestTLSCertificateIsASecretOnlyTheAppRoleReads(t *testing.T) {
	assert.Empty(t, stackOf(t, "mgmt").OfType("aws:secretsmanager/secret:Secret"), "mgmt serves no IIS site")
	for _, env := range []string{"uat", "prod"} {
		s := stackOf(t, env)
		secrets := s.OfType("aws:secretsmanager/secret:Secret")
		require.Len(t, secrets, 1, env)
		sec := secrets[0]
		assert.Equal(t, "gc-"+env+"-app/tls-certificate", inventory.String(sec, "name"))
		assert.Equal(t, "arn:aws:kms:ap-south-1:"+acct+":key/"+keyOf(t, s, env, "secrets").ID, inventory.String(sec, "kmsKeyId"))
		assert.True(t, sec.Protect)

		v := s.OfType("aws:secretsmanager/secretVersion:SecretVersion")
		require.Len(t, v, 1)
		assert.Equal(t, inventory.Secret, v[0].Inputs["secretString"], "the certificate is a secret in the plan")
		assert.Equal(t, sec.ID, inventory.String(v[0], "secretId"))

		pol := s.OfType("aws:secretsmanager/secretPolicy:SecretPolicy")
		require.Len(t, pol, 1)
		assert.Equal(t, true, pol[0].Inputs["blockPublicPolicy"])
		app := "arn:aws:iam::" + acct + ":role/gc-" + env + "-app"
		sts := policyOf(t, pol[0], "policy")
		assert.Equal(t, []string{app}, allowedPrincipals(sts))
		assert.Equal(t, "Deny", sts[0].Effect)
		// the app role, and the deployer, whose provider reads every version it writes
		// back with GetSecretValue (a deny on it fails the first certificate rotation)
		deployer := "arn:aws:iam::" + acct + ":role/platform-deployer"
		assert.Equal(t, []string{app, deployer, "arn:aws:iam::" + acct + ":role/*/platform-deployer"},
			inventory.Strings(sts[0].Condition["ArnNotLike"]["aws:PrincipalArn"]))
		assert.Len(t, sts[0].Condition, 1, "the deny names no one else")
		// the app role's own-secrets grant covers the name; no other tier's does
		appPolicy := inventory.String(s.Named("gc-"+env+"-app", controls.TypeRolePolicy), "policy")
		assert.Contains(t, appPolicy, ":secret:gc-"+env+"-app/*")
		assert.NotContains(t, inventory.String(s.Named("gc-"+env+"-sql", controls.TypeRolePolicy), "policy"), "-app/")
	}
}

func TestDeployerPrincipalIsWhatAWSPrincipalArnCarries(t *testing.T) {
	for caller, want := range map[string]string{
		"arn:aws:sts::111122223333:assumed-role/ci-deploy/GitHubActions": "arn:aws:iam::111122223333:role/ci-deploy",
		"arn:aws:iam::111122223333:user/ops/asha":                        "arn:aws:iam::111122223333:user/ops/asha",
		"arn:aws:iam::111122223333:root":                                 "arn:aws:iam::111122223333:root",
	} {
		assert.Equal(t, want, security.DeployerPrincipal(caller), caller)
	}
	assert.Equal(t, []string{"arn:aws:iam::1:role/ci", "arn:aws:iam::1:role/*/ci"}, security.PrincipalPatterns("arn:aws:iam::1:role/ci"))
	assert.Equal(t, []string{"arn:aws:iam::1:user/ops/asha"}, security.PrincipalPatterns("arn:aws:iam::1:user/ops/asha"))
}

func TestTheCertificateNeverLeaksIntoThePlan(t *testing.T) {
	for _, env := range []string{"uat", "prod"} {
		p := planned(t)[env]
		doc, err := json.Marshal(p.Document)
		require.NoError(t, err)
		assert.NotContains(t, string(doc), offline.Placeholder(key("tlsCertificate")), env)
		assert.Contains(t, string(doc), inventory.Secret)
	}
}

func TestStackFilesHoldTheCertificateEncryptedOnly(t *testing.T) {
	for _, env := range []string{"uat", "prod"} {
		raw, err := os.ReadFile("../Pulumi." + env + ".yaml")
		require.NoError(t, err)
		var doc struct {
			Config map[string]any `yaml:"config"`
		}
		require.NoError(t, yaml.Unmarshal(raw, &doc))
		v, ok := doc.Config[key("tlsCertificate")].(map[string]any)
		require.True(t, ok, "%s: tlsCertificate must be a secure: value", env)
		assert.Contains(t, v, "secure")
	}
	// without the secret a workload stack fails before declaring anything
	rs, err := runRaw(t, "mgmt", map[string]string{key("tlsCertificate"): ""})
	require.NoError(t, err, "mgmt does not need it")
	assert.NotEmpty(t, rs)
	_, err = planWith(t, "uat", map[string]map[string]string{"uat": {key("tlsCertificate"): " "}})
	assert.ErrorContains(t, err, "tlsCertificate")
}

func TestPatchBaselineGroupsAndStaggeredWindows(t *testing.T) {
	patched := map[string][]string{"mgmt": {"domain-controller", "rd-gateway", "mgmt-hosts"}, "uat": {"app", "sql"}, "prod": {"app", "sql"}}
	for env, tiers := range patched {
		s := stackOf(t, env)
		bl := s.OfType(controls.TypePatchBaseline)
		require.Len(t, bl, 1, env)
		assert.Equal(t, "WINDOWS", inventory.String(bl[0], "operatingSystem"))
		rule := inventory.List(bl[0].Inputs["approvalRules"])[0].(map[string]any)
		assert.Equal(t, 7.0, rule["approveAfterDays"])
		filters := map[string][]any{}
		for _, f := range inventory.List(rule["patchFilters"]) {
			m := f.(map[string]any)
			filters[m["key"].(string)] = inventory.List(m["values"])
		}
		assert.ElementsMatch(t, []any{"CriticalUpdates", "SecurityUpdates"}, filters["CLASSIFICATION"])

		var groups []string
		for _, g := range s.OfType("aws:ssm/patchGroup:PatchGroup") {
			assert.Equal(t, bl[0].ID, inventory.String(g, "baselineId"))
			groups = append(groups, inventory.String(g, "patchGroup"))
		}
		var want []string
		for _, tier := range tiers {
			want = append(want, "gc-"+env+"-"+tier)
		}
		assert.ElementsMatch(t, want, groups, env)

		windows := s.OfType(controls.TypeMaintenanceWindow)
		require.Len(t, windows, 2, "one per AZ")
		schedules := map[string]bool{}
		for _, w := range windows {
			schedules[inventory.String(w, "schedule")] = true
			assert.Equal(t, "Asia/Kolkata", inventory.String(w, "scheduleTimezone"))
			assert.Equal(t, 3.0, w.Inputs["duration"])
		}
		assert.Len(t, schedules, 2, "the AZs of a tier never patch in the same window")

		letters := map[string]string{}
		for _, tg := range s.OfType("aws:ssm/maintenanceWindowTarget:MaintenanceWindowTarget") {
			targets := map[string][]any{}
			for _, x := range inventory.List(tg.Inputs["targets"]) {
				m := x.(map[string]any)
				targets[m["key"].(string)] = inventory.List(m["values"])
			}
			// no space in the key: SSM requires PatchGroup where instances allow metadata tags
			assert.ElementsMatch(t, toAny(want), targets["tag:PatchGroup"])
			for k := range targets {
				assert.NotContains(t, k, " ", "instance metadata tags have no spaces in their keys")
			}
			require.Len(t, targets["tag:patch-window"], 1)
			letters[inventory.String(tg, "windowId")] = targets["tag:patch-window"][0].(string)
		}
		assert.ElementsMatch(t, []string{"a", "b"}, values(letters))

		tasks := s.OfType(controls.TypeMaintenanceTask)
		require.Len(t, tasks, 2)
		for _, task := range tasks {
			assert.Equal(t, "AWS-RunPatchBaseline", inventory.String(task, "taskArn"))
			assert.Equal(t, "RUN_COMMAND", inventory.String(task, "taskType"))
			rc := task.Inputs["taskInvocationParameters"].(map[string]any)["runCommandParameters"].(map[string]any)
			assert.True(t, strings.HasPrefix(rc["outputS3Bucket"].(string), "gc-"+env+"-patch-logs-"))
			assert.Equal(t, "/gc/"+env+"/patching", rc["cloudwatchConfig"].(map[string]any)["cloudwatchLogGroupName"])
			params := map[string][]any{}
			for _, x := range inventory.List(rc["parameters"]) {
				m := x.(map[string]any)
				params[m["name"].(string)] = inventory.List(m["values"])
			}
			assert.Equal(t, []any{"Install"}, params["Operation"])
		}
	}
}

// The instances, not the maintenance window role, upload AWS-RunPatchBaseline's output:
// their roles must write the task's bucket and prefix under its KMS key, and read the
// bucket's encryption configuration, which the SSM agent checks before uploading.
func TestPatchedInstancesCanUploadTheirTaskOutput(t *testing.T) {
	for _, env := range stacks {
		s := stackOf(t, env)
		tasks := s.OfType(controls.TypeMaintenanceTask)
		require.NotEmpty(t, tasks, env)
		rc := tasks[0].Inputs["taskInvocationParameters"].(map[string]any)["runCommandParameters"].(map[string]any)
		bucket, prefix := rc["outputS3Bucket"].(string), rc["outputS3KeyPrefix"].(string)
		logsKey := "arn:aws:kms:ap-south-1:" + acct + ":key/" + keyOf(t, s, env, "logs").ID
		enc := bucketPart(t, s, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", bucket)
		assert.Contains(t, fmt.Sprint(enc.Inputs["rules"]), logsKey, "the bucket encrypts with the logs key")
		groups := s.OfType("aws:ssm/patchGroup:PatchGroup")
		require.NotEmpty(t, groups, env)
		for _, g := range groups {
			// a patch group is its tier's role name (gc-<env>-<tier>)
			tier := inventory.String(g, "patchGroup")
			role := s.Named(tier, controls.TypeRolePolicy)
			require.NotNil(t, role, "%s: no role policy for patch group %s", env, tier)
			sts := policyOf(t, role, "policy")
			assert.True(t, allows(sts, "s3:PutObject", "arn:aws:s3:::"+bucket+"/"+prefix+"/run-1/stdout"), "%s %s: upload", env, tier)
			assert.True(t, allows(sts, "s3:GetEncryptionConfiguration", "arn:aws:s3:::"+bucket), "%s %s: bucket encryption", env, tier)
			assert.True(t, allows(sts, "kms:GenerateDataKey", logsKey), "%s %s: encrypt", env, tier)
		}
	}
}

// allows is true when an Allow statement grants the action on the resource (IAM
// wildcards in the statement's actions and resources).
func allows(sts []statement, action, res string) bool {
	for _, st := range sts {
		if st.Effect != "Allow" {
			continue
		}
		if slices.ContainsFunc(inventory.Strings(st.Action), func(a string) bool { return wildcard(a, action) }) &&
			slices.ContainsFunc(inventory.Strings(st.Resource), func(r string) bool { return wildcard(r, res) }) {
			return true
		}
	}
	return false
}

func wildcard(pattern, s string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$"
	return regexp.MustCompile(re).MatchString(s)
}

// In mgmt the access-log bucket is declared in the same run: the patch-log bucket's
// logging waits for it (S3 rejects a target bucket that does not exist yet).
func TestPatchLogsWaitForTheAccessLogBucketInMgmt(t *testing.T) {
	s := stackOf(t, "mgmt")
	logging := bucketPart(t, s, controls.TypeBucketLogging, "gc-mgmt-patch-logs-"+acct)
	assert.Contains(t, logging.Dependencies, s.Named("gc-mgmt-s3-access-logs", controls.TypeBucketPolicy).URN)
	assert.Contains(t, logging.Dependencies, s.Named("gc-mgmt-s3-access-logs", controls.TypeBucket).URN)
	assert.Equal(t, "gc-s3-access-logs-"+acct+"-ap-south-1", inventory.String(logging, "targetBucket"))
}

func TestPatchApprovalDelayAndSchedulesComeFromConfig(t *testing.T) {
	rs, err := runRaw(t, "mgmt", map[string]string{
		key("patchApprovalDelayDays"): "3",
		key("patchWindowSchedules"):   `["cron(0 2 ? * SAT *)","cron(0 2 ? * SUN *)"]`,
	})
	require.NoError(t, err)
	s := inventory.NewStack("giftcard-platform", "mgmt", rs, nil)
	rule := inventory.List(s.OfType(controls.TypePatchBaseline)[0].Inputs["approvalRules"])[0].(map[string]any)
	assert.Equal(t, 3.0, rule["approveAfterDays"])
	var got []string
	for _, w := range s.OfType(controls.TypeMaintenanceWindow) {
		got = append(got, inventory.String(w, "schedule"))
	}
	assert.ElementsMatch(t, []string{"cron(0 2 ? * SAT *)", "cron(0 2 ? * SUN *)"}, got)
	_, err = runRaw(t, "mgmt", map[string]string{key("patchWindowSchedules"): `["cron(0 2 ? * SAT *)","cron(0 2 ? * SAT *)"]`})
	assert.ErrorContains(t, err, "patchWindowSchedules")
}

func toAny(in []string) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}
