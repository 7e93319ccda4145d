package tests

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/security"
)

func TestAccountWideServicesOnlyInMgmt(t *testing.T) {
	for _, typ := range append(append([]string{}, controls.AccountWideTypes...),
		"aws:guardduty/detectorFeature:DetectorFeature", "aws:cfg/recorderStatus:RecorderStatus", "aws:cfg/rule:Rule",
		"aws:securityhub/standardsSubscription:StandardsSubscription", "aws:iam/group:Group", "aws:iam/serviceLinkedRole:ServiceLinkedRole") {
		assert.NotEmpty(t, stackOf(t, "mgmt").OfType(typ), "mgmt lacks %s", typ)
		for _, env := range []string{"uat", "prod"} {
			assert.Empty(t, stackOf(t, env).OfType(typ), "%s declares account-wide %s", env, typ)
		}
	}
	for _, typ := range []string{controls.TypeTrail, controls.TypeDetector, controls.TypeRecorder, controls.TypeSecurityHub,
		controls.TypeInspector, controls.TypeEbsEncryption, controls.TypePasswordPolicy, controls.TypeAccountPAB} {
		assert.Len(t, stackOf(t, "mgmt").OfType(typ), 1, typ)
	}
	comps := stackOf(t, "mgmt").OfType(security.AccountBaselineType)
	require.Len(t, comps, 1)
	assert.Empty(t, stackOf(t, "prod").OfType(security.AccountBaselineType))
}

func TestTrailIsMultiRegionValidatedEncryptedAndInCloudWatch(t *testing.T) {
	s := stackOf(t, "mgmt")
	tr := s.OfType(controls.TypeTrail)[0]
	assert.True(t, inventory.Bool(tr, "isMultiRegionTrail"))
	assert.True(t, inventory.Bool(tr, "includeGlobalServiceEvents"))
	assert.True(t, inventory.Bool(tr, "enableLogFileValidation"))
	lg := s.Named("gc-mgmt-cloudtrail", "aws:cloudwatch/logGroup:LogGroup")
	require.NotNil(t, lg)
	assert.Equal(t, inventory.String(tr, "cloudWatchLogsGroupArn"), "arn:aws:logs:ap-south-1:"+acct+":log-group:/gc/mgmt/cloudtrail:*")
	assert.True(t, lg.Protect)
	assert.Contains(t, inventory.String(lg, "kmsKeyId"), ":key/"+keyOf(t, s, "mgmt", "logs").ID)
	role := s.Named("gc-mgmt-cloudtrail-logs", controls.TypeRole)
	require.NotNil(t, role)
	assert.Equal(t, []string{"cloudtrail.amazonaws.com"}, allowedPrincipals(policyOf(t, role, "assumeRolePolicy")))

	// data events for the platform buckets, management events for everything
	sel := inventory.List(tr.Inputs["advancedEventSelectors"])
	require.Len(t, sel, 2)
	raw, _ := json.Marshal(sel[1])
	assert.Contains(t, string(raw), `"AWS::S3::Object"`)
	assert.Contains(t, string(raw), `arn:aws:s3:::gc-prod-`)

	// the bucket policy exists before the trail: CloudTrail checks it at creation
	pol := s.Named("gc-mgmt-log-archive", controls.TypeBucketPolicy)
	require.NotNil(t, pol)
	assert.Contains(t, tr.Dependencies, pol.URN)
	trailArn := "arn:aws:cloudtrail:ap-south-1:" + acct + ":trail/gc-mgmt-trail"
	writes := 0
	for _, st := range policyOf(t, pol, "policy") {
		if m, ok := st.Principal.(map[string]any); ok && m["Service"] == "cloudtrail.amazonaws.com" {
			assert.Equal(t, trailArn, st.Condition["StringEquals"]["aws:SourceArn"], st.Sid)
			writes++
		}
	}
	assert.Equal(t, 2, writes, "GetBucketAcl and PutObject, both for this trail only")
}

func bucketPart(t *testing.T, s *inventory.Stack, typ, bucket string) *inventory.Resource {
	t.Helper()
	for _, r := range s.OfType(typ) {
		if inventory.String(r, "bucket") == bucket {
			return r
		}
	}
	t.Fatalf("no %s for bucket %s", typ, bucket)
	return nil
}

func TestLogArchiveIsLockedForTenYearsAndLockedDown(t *testing.T) {
	s := stackOf(t, "mgmt")
	name := "gc-log-archive-" + acct + "-ap-south-1"
	b := s.Named("gc-mgmt-log-archive", controls.TypeBucket)
	require.NotNil(t, b)
	assert.Equal(t, name, inventory.String(b, "bucket"))
	assert.True(t, inventory.Bool(b, "objectLockEnabled"))
	assert.True(t, b.Protect && b.RetainOnDelete)

	lock := bucketPart(t, s, "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2", name)
	ret := lock.Inputs["rule"].(map[string]any)["defaultRetention"].(map[string]any)
	assert.Equal(t, "COMPLIANCE", ret["mode"])
	assert.Equal(t, 3653.0, ret["days"])
	assert.GreaterOrEqual(t, ret["days"].(float64), 3650.0, "RBI: ten years")

	sse := bucketPart(t, s, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", name)
	rule := inventory.List(sse.Inputs["rules"])[0].(map[string]any)["applyServerSideEncryptionByDefault"].(map[string]any)
	assert.Equal(t, "aws:kms", rule["sseAlgorithm"])
	assert.Contains(t, rule["kmsMasterKeyId"], keyOf(t, s, "mgmt", "logs").ID)

	lc := bucketPart(t, s, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", name)
	lr := inventory.List(lc.Inputs["rules"])[0].(map[string]any)
	assert.Equal(t, 3653.0, lr["expiration"].(map[string]any)["days"])
	var classes []string
	for _, tr := range inventory.List(lr["transitions"]) {
		classes = append(classes, tr.(map[string]any)["storageClass"].(string))
	}
	assert.Equal(t, []string{"GLACIER_IR", "DEEP_ARCHIVE"}, classes)

	logging := bucketPart(t, s, controls.TypeBucketLogging, name)
	accessLogs := "gc-s3-access-logs-" + acct + "-ap-south-1"
	assert.Equal(t, accessLogs, inventory.String(logging, "targetBucket"))
	// S3 server access logging cannot deliver to an SSE-KMS bucket
	asse := bucketPart(t, s, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", accessLogs)
	assert.Equal(t, "AES256", inventory.List(asse.Inputs["rules"])[0].(map[string]any)["applyServerSideEncryptionByDefault"].(map[string]any)["sseAlgorithm"])
	// and the archive's logging waits for the access-log bucket's policy
	assert.Contains(t, logging.Dependencies, s.Named("gc-mgmt-s3-access-logs", controls.TypeBucketPolicy).URN)

	for _, bucket := range []string{name, accessLogs} {
		pab := bucketPart(t, s, controls.TypeBucketPAB, bucket)
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			assert.True(t, inventory.Bool(pab, k), bucket+" "+k)
		}
		own := bucketPart(t, s, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", bucket)
		assert.Equal(t, "BucketOwnerEnforced", own.Inputs["rule"].(map[string]any)["objectOwnership"])
		v := bucketPart(t, s, controls.TypeBucketVersioning, bucket)
		assert.Equal(t, "Enabled", v.Inputs["versioningConfiguration"].(map[string]any)["status"])
		pol := bucketPart(t, s, controls.TypeBucketPolicy, bucket)
		sts := policyOf(t, pol, "policy")
		assert.Equal(t, "Deny", sts[0].Effect)
		assert.Equal(t, "false", sts[0].Condition["Bool"]["aws:SecureTransport"])
	}
}

func TestConfigRecorderOrderAndRules(t *testing.T) {
	s := stackOf(t, "mgmt")
	rec := s.OfType(controls.TypeRecorder)[0]
	rg := rec.Inputs["recordingGroup"].(map[string]any)
	assert.Equal(t, true, rg["allSupported"])
	assert.Equal(t, true, rg["includeGlobalResourceTypes"])
	ch := s.OfType(controls.TypeDeliveryChannel)[0]
	st := s.OfType(controls.TypeRecorderStatus)[0]
	assert.Contains(t, ch.Dependencies, rec.URN, "delivery channel after the recorder")
	assert.Contains(t, ch.Dependencies, s.Named("gc-mgmt-config-history", controls.TypeBucketPolicy).URN, "and after the bucket it delivers to")
	assert.Contains(t, st.Dependencies, ch.URN, "recorder starts after its delivery channel")
	assert.Equal(t, true, st.Inputs["isEnabled"])
	// AWS Config refuses a bucket with Object Lock: not the archive, a bucket without it
	name := "gc-config-" + acct + "-ap-south-1"
	assert.Equal(t, name, inventory.String(ch, "s3BucketName"))
	b := s.Named("gc-mgmt-config-history", controls.TypeBucket)
	require.NotNil(t, b)
	assert.Equal(t, name, inventory.String(b, "bucket"))
	assert.Equal(t, false, b.Inputs["objectLockEnabled"])
	for _, l := range s.OfType("aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2") {
		assert.NotEqual(t, name, inventory.String(l, "bucket"))
	}
	assert.True(t, b.Protect)
	assert.Contains(t, fmt.Sprint(bucketPart(t, s, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", name).Inputs["rules"]),
		keyOf(t, s, "mgmt", "logs").ID)
	lc := bucketPart(t, s, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", name)
	archiveLC := bucketPart(t, s, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "gc-log-archive-"+acct+"-ap-south-1")
	expiry := func(r *inventory.Resource) any {
		return inventory.List(r.Inputs["rules"])[0].(map[string]any)["expiration"].(map[string]any)["days"]
	}
	assert.Equal(t, expiry(archiveLC), expiry(lc), "kept as long as the archive")
	delivery := policyOf(t, s.Named("gc-mgmt-config-delivery", controls.TypeRolePolicy), "policy")
	assert.True(t, allows(delivery, "s3:PutObject", "arn:aws:s3:::"+name+"/config/AWSLogs/"+acct+"/Config/ap-south-1/x.json.gz"))

	rules := s.OfType("aws:cfg/rule:Rule")
	require.Len(t, rules, len(security.ConfigRules))
	ids := map[string]bool{}
	for _, r := range rules {
		assert.Contains(t, r.Dependencies, st.URN, r.Name)
		ids[r.Inputs["source"].(map[string]any)["sourceIdentifier"].(string)] = true
	}
	for _, want := range []string{"MULTI_REGION_CLOUD_TRAIL_ENABLED", "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", "CMK_BACKING_KEY_ROTATION_ENABLED",
		"EC2_EBS_ENCRYPTION_BY_DEFAULT", "S3_BUCKET_SSL_REQUESTS_ONLY", "IAM_PASSWORD_POLICY", "RESTRICTED_INCOMING_TRAFFIC", "GUARDDUTY_ENABLED_CENTRALIZED"} {
		assert.True(t, ids[want], want)
	}
	// every rule names a control of the catalogue
	for _, r := range security.ConfigRules {
		assert.NotNil(t, controls.Find(r.Control), r.Identifier)
	}
}

func TestGuardDutySecurityHubInspectorEbsAndAnalyzer(t *testing.T) {
	s := stackOf(t, "mgmt")
	det := s.OfType(controls.TypeDetector)[0]
	assert.True(t, inventory.Bool(det, "enable"))
	// the detector holds the findings and the trail is the audit record: neither goes
	// with a code change or a stack removal
	trail := s.OfType(controls.TypeTrail)[0]
	for _, r := range []*inventory.Resource{det, trail} {
		assert.True(t, r.Protect, r.Name)
		assert.True(t, r.RetainOnDelete, r.Name)
	}
	features := map[string]string{}
	for _, f := range s.OfType(controls.TypeDetectorFeature) {
		assert.Equal(t, det.ID, inventory.String(f, "detectorId"))
		features[inventory.String(f, "name")] = inventory.String(f, "status")
	}
	assert.Equal(t, map[string]string{"S3_DATA_EVENTS": "ENABLED", "EBS_MALWARE_PROTECTION": "ENABLED"}, features)

	hub := s.OfType(controls.TypeSecurityHub)[0]
	var standards []string
	for _, sub := range s.OfType("aws:securityhub/standardsSubscription:StandardsSubscription") {
		assert.Contains(t, sub.Dependencies, hub.URN)
		standards = append(standards, inventory.String(sub, "standardsArn"))
	}
	assert.ElementsMatch(t, []string{
		"arn:aws:securityhub:ap-south-1::standards/aws-foundational-security-best-practices/v/1.0.0",
		"arn:aws:securityhub:ap-south-1::standards/cis-aws-foundations-benchmark/v/3.0.0",
	}, standards)

	insp := s.OfType(controls.TypeInspector)[0]
	assert.Equal(t, []any{"EC2"}, insp.Inputs["resourceTypes"])
	assert.Equal(t, []any{acct}, insp.Inputs["accountIds"])

	assert.Equal(t, true, s.OfType(controls.TypeEbsEncryption)[0].Inputs["enabled"])
	assert.Contains(t, inventory.String(s.OfType(controls.TypeEbsDefaultKey)[0], "keyArn"), keyOf(t, s, "mgmt", "ebs").ID)
	assert.Equal(t, "ACCOUNT", inventory.String(s.OfType(controls.TypeAnalyzer)[0], "type"))
	pab := s.OfType(controls.TypeAccountPAB)[0]
	assert.Equal(t, acct, inventory.String(pab, "accountId"))
}
