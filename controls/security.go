package controls

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/security/portmatrix"
)

// Type tokens of the security resources the rules read.
const (
	TypeKmsKey               = "aws:kms/key:Key"
	TypeTrail                = "aws:cloudtrail/trail:Trail"
	TypeDetector             = "aws:guardduty/detector:Detector"
	TypeDetectorFeature      = "aws:guardduty/detectorFeature:DetectorFeature"
	TypeRecorder             = "aws:cfg/recorder:Recorder"
	TypeRecorderStatus       = "aws:cfg/recorderStatus:RecorderStatus"
	TypeDeliveryChannel      = "aws:cfg/deliveryChannel:DeliveryChannel"
	TypeEbsEncryption        = "aws:ebs/encryptionByDefault:EncryptionByDefault"
	TypeEbsDefaultKey        = "aws:ebs/defaultKmsKey:DefaultKmsKey"
	TypeBucket               = "aws:s3/bucketV2:BucketV2"
	TypeBucketPAB            = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	TypeAccountPAB           = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
	TypeBucketPolicy         = "aws:s3/bucketPolicy:BucketPolicy"
	TypeBucketVersioning     = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	TypeBucketLogging        = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	TypePasswordPolicy       = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"
	TypeIAMPolicy            = "aws:iam/policy:Policy"
	TypeRole                 = "aws:iam/role:Role"
	TypeRolePolicy           = "aws:iam/rolePolicy:RolePolicy"
	TypeRolePolicyAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	TypeGroup                = "aws:iam/group:Group"
	TypeGroupPolicy          = "aws:iam/groupPolicy:GroupPolicy"
	TypeGroupPolicyAttach    = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
	TypeUser                 = "aws:iam/user:User"
	TypeUserPolicy           = "aws:iam/userPolicy:UserPolicy"
	TypeUserPolicyAttachment = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
	TypePolicyAttachment     = "aws:iam/policyAttachment:PolicyAttachment"
	TypeUserGroupMembership  = "aws:iam/userGroupMembership:UserGroupMembership"
	TypeGroupMembership      = "aws:iam/groupMembership:GroupMembership"
	TypeAccessKey            = "aws:iam/accessKey:AccessKey"
	TypeLoginProfile         = "aws:iam/userLoginProfile:UserLoginProfile"
	TypeAnalyzer             = "aws:accessanalyzer/analyzer:Analyzer"
	TypeSecurityHub          = "aws:securityhub/account:Account"
	TypeInspector            = "aws:inspector2/enabler:Enabler"
	TypeSecurityGroup        = "aws:ec2/securityGroup:SecurityGroup"
	TypePatchBaseline        = "aws:ssm/patchBaseline:PatchBaseline"
	TypeMaintenanceWindow    = "aws:ssm/maintenanceWindow:MaintenanceWindow"
	TypeMaintenanceTask      = "aws:ssm/maintenanceWindowTask:MaintenanceWindowTask"
	TypeMaintenanceTarget    = "aws:ssm/maintenanceWindowTarget:MaintenanceWindowTarget"

	// AccountBaselineType is the component that holds the account-wide services.
	AccountBaselineType = "giftcard:security:AccountBaseline"
	// UntrustTier is the only tier open to the internet, on its listener ports.
	UntrustTier = string(portmatrix.FwUntrust)
)

// AccountWideTypes are the resources there is one of per account and region: they
// belong to the mgmt stack alone.
var AccountWideTypes = []string{
	TypeTrail, TypeDetector, TypeDetectorFeature, TypeRecorder, TypeRecorderStatus, TypeDeliveryChannel, TypeEbsEncryption,
	TypeEbsDefaultKey, TypeAccountPAB, TypePasswordPolicy, TypeAnalyzer, TypeSecurityHub, TypeStandardsSubscription,
	TypeInspector, TypeServiceLinkedRole,
}

// TypeServiceLinkedRole is a service's role in IAM, which is global: one per account.
const TypeServiceLinkedRole = "aws:iam/serviceLinkedRole:ServiceLinkedRole"

// accountScope is true for a stack that must hold the account baseline: it declares the
// AccountBaseline component, or its provider tags it as the mgmt environment.
func accountScope(s *inventory.Stack) bool {
	if len(s.OfType(AccountBaselineType)) > 0 {
		return true
	}
	for _, p := range s.OfType("pulumi:providers:aws") {
		if dt, ok := p.Inputs["defaultTags"].(map[string]any); ok && inventory.StringMap(dt["tags"])["environment"] == "mgmt" {
			return true
		}
	}
	return false
}

// anchor is the resource a missing account-wide piece is reported against: the baseline
// component, else the provider.
func anchor(s *inventory.Stack) *inventory.Resource {
	if b := s.OfType(AccountBaselineType); len(b) > 0 {
		return b[0]
	}
	if p := s.OfType("pulumi:providers:aws"); len(p) > 0 {
		return p[0]
	}
	return &inventory.Resource{URN: "urn:pulumi:" + s.Stack + "::" + s.Project}
}

// accountRule checks an account-wide resource type: applicable where the stack must hold
// it or holds it anyway; each resource is checked, and a missing one fails where required.
func accountRule(typ, what string, check func(s *inventory.Stack, r *inventory.Resource) []string) Rule {
	return func(s *inventory.Stack) (bool, []Failure) {
		scope, rs := accountScope(s), s.OfType(typ)
		if !scope && len(rs) == 0 {
			return false, nil
		}
		if len(rs) == 0 {
			return true, []Failure{fail(anchor(s), "the account baseline has no "+what)}
		}
		var failures []Failure
		for _, r := range rs {
			for _, msg := range check(s, r) {
				failures = append(failures, fail(r, msg))
			}
		}
		return true, failures
	}
}

func num(r *inventory.Resource, key string) float64 {
	f, _ := r.Inputs[key].(float64)
	return f
}

func isFalse(r *inventory.Resource, key string) bool {
	b, ok := r.Inputs[key].(bool)
	return ok && !b
}

// statements parses a policy document input; unknown or secret documents give none.
func statements(doc any) []map[string]any {
	s, _ := doc.(string)
	if s == "" || s == inventory.Secret || s == "[unknown]" {
		return nil
	}
	var d struct {
		Statement any `json:"Statement"`
	}
	if json.Unmarshal([]byte(s), &d) != nil {
		return nil
	}
	switch st := d.Statement.(type) {
	case map[string]any:
		return []map[string]any{st}
	case []any:
		var out []map[string]any
		for _, x := range st {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// principals lists a statement's principals ("*" for the wildcard).
func principals(st map[string]any) []string {
	switch p := st["Principal"].(type) {
	case string:
		return []string{p}
	case map[string]any:
		var out []string
		for _, k := range inventory.SortedKeys(p) {
			out = append(out, inventory.Strings(p[k])...)
		}
		return out
	}
	return nil
}

var kmsRotation = Control{
	ID: "GC-KMS-1", Title: "Every customer-managed symmetric KMS key rotates", Severity: High,
	Frameworks: []string{"CIS-AWS-4.0 3.6", "ISO27001-2022 A.8.24"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		keys := s.OfType(TypeKmsKey)
		var failures []Failure
		for _, k := range keys {
			spec := inventory.String(k, "customerMasterKeySpec")
			if (spec == "" || spec == "SYMMETRIC_DEFAULT") && !inventory.Bool(k, "enableKeyRotation") {
				failures = append(failures, fail(k, "key rotation is off"))
			}
		}
		return len(keys) > 0, failures
	},
}

var kmsProtected = Control{
	ID: "GC-KMS-2", Title: "KMS keys are protected from deletion and wait at least 7 days when scheduled for it", Severity: Medium,
	Frameworks: []string{"FSBP KMS.3"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		keys := s.OfType(TypeKmsKey)
		var failures []Failure
		for _, k := range keys {
			if !k.Protect {
				failures = append(failures, fail(k, "not protected: a stack update could schedule its deletion, and data it encrypts would be lost"))
			}
			if w := num(k, "deletionWindowInDays"); w != 0 && w < 7 {
				failures = append(failures, fail(k, fmt.Sprintf("deletion window of %v days", w)))
			}
		}
		return len(keys) > 0, failures
	},
}

var kmsPolicies = Control{
	ID: "GC-KMS-3", Title: "Key policies grant the account root, no unconditioned wildcard principal and no unconditioned service", Severity: High,
	Frameworks: []string{"FSBP KMS.5", "CIS-AWS-4.0 3.5"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		keys := s.OfType(TypeKmsKey)
		var failures []Failure
		for _, k := range keys {
			sts := statements(k.Inputs["policy"])
			if len(sts) == 0 {
				failures = append(failures, fail(k, "no explicit key policy"))
				continue
			}
			root := false
			for _, st := range sts {
				allow := st["Effect"] == "Allow"
				for _, p := range principals(st) {
					if allow && strings.HasSuffix(p, ":root") {
						root = true
					}
					if allow && p == "*" && st["Condition"] == nil {
						failures = append(failures, fail(k, fmt.Sprintf("statement %v allows any principal", st["Sid"])))
					}
				}
				// A service acts for every account: unconditioned, any account's trail,
				// log group or topic could have it use this key (the confused deputy).
				svc, _ := st["Principal"].(map[string]any)
				if allow && svc["Service"] != nil && st["Condition"] == nil && !contextFree(inventory.Strings(svc["Service"]), inventory.Strings(st["Action"])) {
					failures = append(failures, fail(k, fmt.Sprintf("statement %v grants %v without a source-account, source-ARN or encryption-context condition", st["Sid"], svc["Service"])))
				}
			}
			if !root {
				failures = append(failures, fail(k, "the account root is not granted: IAM policies cannot govern the key and it can become unmanageable"))
			}
		}
		return len(keys) > 0, failures
	},
}

// ContextFreeServices are the service principals whose KMS requests carry no source
// account, source ARN or encryption context to condition on, and the only key actions
// they may then have: EventBridge publishing to an encrypted SNS topic (the topic's own
// policy limits the publishers).
var ContextFreeServices = map[string][]string{
	"events.amazonaws.com": {"kms:Decrypt", "kms:GenerateDataKey*"},
}

// contextFree is true when every service is context-free and every action is one it may
// have unconditioned.
func contextFree(services, actions []string) bool {
	for _, svc := range services {
		allowed, ok := ContextFreeServices[svc]
		if !ok {
			return false
		}
		for _, a := range actions {
			if !slices.Contains(allowed, a) {
				return false
			}
		}
	}
	return len(services) > 0
}

func trailCheck(msg string, ok func(r *inventory.Resource) bool) func(*inventory.Stack, *inventory.Resource) []string {
	return func(_ *inventory.Stack, r *inventory.Resource) []string {
		if ok(r) {
			return nil
		}
		return []string{msg}
	}
}

var trailMultiRegion = Control{
	ID: "GC-LOG-1", Title: "CloudTrail records every region, global services included, and is logging", Severity: High,
	Frameworks: []string{"CIS-AWS-4.0 3.1", "FSBP CloudTrail.1"},
	Rule: accountRule(TypeTrail, "CloudTrail trail", trailCheck("not a logging multi-region trail with global service events",
		func(r *inventory.Resource) bool {
			return inventory.Bool(r, "isMultiRegionTrail") && !isFalse(r, "includeGlobalServiceEvents") && !isFalse(r, "enableLogging")
		})),
}

var trailValidation = Control{
	ID: "GC-LOG-2", Title: "CloudTrail log file validation is on", Severity: High,
	Frameworks: []string{"CIS-AWS-4.0 3.2", "FSBP CloudTrail.4"},
	Rule: accountRule(TypeTrail, "CloudTrail trail", trailCheck("log file validation is off", func(r *inventory.Resource) bool {
		return inventory.Bool(r, "enableLogFileValidation")
	})),
}

var trailKMS = Control{
	ID: "GC-LOG-3", Title: "CloudTrail logs are encrypted with a customer-managed KMS key", Severity: High,
	Frameworks: []string{"CIS-AWS-4.0 3.5", "FSBP CloudTrail.2"},
	Rule: accountRule(TypeTrail, "CloudTrail trail", trailCheck("no KMS key", func(r *inventory.Resource) bool {
		return inventory.String(r, "kmsKeyId") != ""
	})),
}

var trailCloudWatch = Control{
	ID: "GC-LOG-4", Title: "CloudTrail delivers to CloudWatch Logs", Severity: Medium,
	Frameworks: []string{"FSBP CloudTrail.5"},
	Rule: accountRule(TypeTrail, "CloudTrail trail", trailCheck("no CloudWatch Logs group and role", func(r *inventory.Resource) bool {
		return inventory.String(r, "cloudWatchLogsGroupArn") != "" && inventory.String(r, "cloudWatchLogsRoleArn") != ""
	})),
}

var configOn = Control{
	ID: "GC-LOG-5", Title: "AWS Config records all supported resources (global ones here), delivers to a bucket it accepts, and is on", Severity: High,
	Frameworks: []string{"CIS-AWS-4.0 3.3", "FSBP Config.1"},
	Rule: accountRule(TypeRecorder, "AWS Config recorder", func(s *inventory.Stack, r *inventory.Resource) []string {
		var out []string
		rg, _ := r.Inputs["recordingGroup"].(map[string]any)
		if rg["allSupported"] != true || rg["includeGlobalResourceTypes"] != true {
			out = append(out, "does not record all supported resources including global ones")
		}
		name := inventory.String(r, "name")
		on := false
		for _, st := range s.OfType(TypeRecorderStatus) {
			if inventory.String(st, "name") == name && inventory.Bool(st, "isEnabled") {
				on = true
			}
		}
		if !on {
			out = append(out, "no enabled recorder status: the recorder never starts")
		}
		channels := s.OfType(TypeDeliveryChannel)
		if len(channels) == 0 {
			out = append(out, "no delivery channel")
		}
		buckets := bucketNames(s)
		for _, ch := range channels {
			name := inventory.String(ch, "s3BucketName")
			if b := buckets[name]; b != nil && inventory.Bool(b, "objectLockEnabled") {
				out = append(out, fmt.Sprintf("delivery channel %s targets bucket %s, which has Object Lock: AWS Config does not deliver to it", ch.Name, name))
			}
		}
		return out
	}),
}

// GuardDutyFeatures must be enabled on the detector (FSBP GuardDuty.10 S3, .8 malware).
var GuardDutyFeatures = []string{"S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION"}

var guardDutyOn = Control{
	ID: "GC-LOG-6", Title: "GuardDuty is on with S3 protection and EBS malware protection", Severity: High,
	Frameworks: []string{"FSBP GuardDuty.1", "FSBP GuardDuty.8", "FSBP GuardDuty.10"},
	Rule: accountRule(TypeDetector, "GuardDuty detector", func(s *inventory.Stack, r *inventory.Resource) []string {
		var out []string
		if isFalse(r, "enable") {
			out = append(out, "detector disabled")
		}
		for _, f := range GuardDutyFeatures {
			on := false
			for _, df := range s.OfType(TypeDetectorFeature) {
				if inventory.String(df, "detectorId") == r.ID && inventory.String(df, "name") == f && inventory.String(df, "status") == "ENABLED" {
					on = true
				}
			}
			if !on {
				out = append(out, f+" is not enabled")
			}
		}
		return out
	}),
}

var ebsDefault = Control{
	ID: "GC-EBS-1", Title: "EBS encryption by default is on, with the estate's key", Severity: High,
	Frameworks: []string{"CIS-AWS-4.0 5.1.1", "FSBP EC2.7"},
	Rule: accountRule(TypeEbsEncryption, "EBS encryption by default", func(s *inventory.Stack, r *inventory.Resource) []string {
		var out []string
		if !inventory.Bool(r, "enabled") {
			out = append(out, "EBS encryption by default is off")
		}
		if len(s.OfType(TypeEbsDefaultKey)) == 0 {
			out = append(out, "no default EBS key: volumes would use the AWS managed key, which Auto Scaling cannot be granted")
		}
		return out
	}),
}

// bucketNames maps bucket names to their BucketV2 resources.
func bucketNames(s *inventory.Stack) map[string]*inventory.Resource {
	out := map[string]*inventory.Resource{}
	for _, b := range s.OfType(TypeBucket) {
		out[inventory.String(b, "bucket")] = b
	}
	return out
}

// bucketConfigs lists, per bucket name, the resources of typ configuring it.
func bucketConfigs(s *inventory.Stack, typ string) map[string][]*inventory.Resource {
	out := map[string][]*inventory.Resource{}
	for _, r := range s.OfType(typ) {
		name := inventory.String(r, "bucket")
		out[name] = append(out[name], r)
	}
	return out
}

func allBlocked(r *inventory.Resource) bool {
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if !inventory.Bool(r, k) {
			return false
		}
	}
	return true
}

func perBucket(s *inventory.Stack, check func(name string, b *inventory.Resource) string) []Failure {
	var failures []Failure
	names := bucketNames(s)
	for _, n := range inventory.SortedKeys(names) {
		if msg := check(n, names[n]); msg != "" {
			failures = append(failures, fail(names[n], msg))
		}
	}
	return failures
}

var s3PublicAccess = Control{
	ID: "GC-S3-1", Title: "S3 public access is blocked for the account and every bucket", Severity: Critical,
	Frameworks: []string{"CIS-AWS-4.0 2.1.4", "FSBP S3.1", "FSBP S3.8"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		scope, buckets, pabs := accountScope(s), s.OfType(TypeBucket), s.OfType(TypeAccountPAB)
		var failures []Failure
		if scope && len(pabs) == 0 {
			failures = append(failures, fail(anchor(s), "no S3 account public access block"))
		}
		for _, p := range pabs {
			if !allBlocked(p) {
				failures = append(failures, fail(p, "the account public access block leaves a setting off"))
			}
		}
		blocks := bucketConfigs(s, TypeBucketPAB)
		failures = append(failures, perBucket(s, func(name string, _ *inventory.Resource) string {
			for _, b := range blocks[name] {
				if allBlocked(b) {
					return ""
				}
			}
			return "no bucket public access block with all four settings on"
		})...)
		return scope || len(buckets) > 0 || len(pabs) > 0, failures
	},
}

// deniesInsecureTransport is true for a policy that denies requests without TLS.
func deniesInsecureTransport(doc any) bool {
	for _, st := range statements(doc) {
		cond, _ := st["Condition"].(map[string]any)
		b, _ := cond["Bool"].(map[string]any)
		if st["Effect"] == "Deny" && fmt.Sprint(b["aws:SecureTransport"]) == "false" && slices.Contains(principals(st), "*") {
			return true
		}
	}
	return false
}

var s3TLSOnly = Control{
	ID: "GC-S3-2", Title: "Every bucket policy denies requests without TLS", Severity: High,
	Frameworks: []string{"CIS-AWS-4.0 2.1.1", "FSBP S3.5"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		policies := bucketConfigs(s, TypeBucketPolicy)
		failures := perBucket(s, func(name string, b *inventory.Resource) string {
			if deniesInsecureTransport(b.Inputs["policy"]) {
				return ""
			}
			for _, p := range policies[name] {
				if deniesInsecureTransport(p.Inputs["policy"]) {
					return ""
				}
			}
			return "no bucket policy denying aws:SecureTransport = false"
		})
		return len(s.OfType(TypeBucket)) > 0, failures
	},
}

var s3Versioning = Control{
	ID: "GC-S3-3", Title: "Every bucket is versioned", Severity: Medium,
	Frameworks: []string{"FSBP S3.14", "ISO27001-2022 A.8.13"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		versioning := bucketConfigs(s, TypeBucketVersioning)
		failures := perBucket(s, func(name string, _ *inventory.Resource) string {
			for _, v := range versioning[name] {
				if vc, _ := v.Inputs["versioningConfiguration"].(map[string]any); vc["status"] == "Enabled" {
					return ""
				}
			}
			return "versioning is not enabled"
		})
		return len(s.OfType(TypeBucket)) > 0, failures
	},
}

var s3Logging = Control{
	ID: "GC-S3-4", Title: "Every bucket has server access logging, except the access-log bucket itself", Severity: Medium,
	Frameworks: []string{"FSBP S3.9", "CIS-AWS-4.0 3.4"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		logging := bucketConfigs(s, TypeBucketLogging)
		targets := map[string]bool{}
		for _, l := range s.OfType(TypeBucketLogging) {
			targets[inventory.String(l, "targetBucket")] = true
		}
		failures := perBucket(s, func(name string, _ *inventory.Resource) string {
			if len(logging[name]) > 0 || targets[name] {
				return ""
			}
			return "no server access logging"
		})
		return len(s.OfType(TypeBucket)) > 0, failures
	},
}

var passwordPolicy = Control{
	ID: "GC-IAM-1", Title: "Password policy: 14+ characters, all classes, 24 remembered, 90-day maximum age", Severity: High,
	Frameworks: []string{"CIS-AWS-4.0 1.8", "CIS-AWS-4.0 1.9", "FSBP IAM.7"},
	Rule: accountRule(TypePasswordPolicy, "account password policy", func(_ *inventory.Stack, r *inventory.Resource) []string {
		var out []string
		if num(r, "minimumPasswordLength") < 14 {
			out = append(out, "minimum length below 14")
		}
		if num(r, "passwordReusePrevention") < 24 {
			out = append(out, "fewer than 24 passwords remembered")
		}
		if age := num(r, "maxPasswordAge"); age == 0 || age > 90 {
			out = append(out, "passwords do not expire within 90 days")
		}
		for _, k := range []string{"requireLowercaseCharacters", "requireUppercaseCharacters", "requireNumbers", "requireSymbols"} {
			if !inventory.Bool(r, k) {
				out = append(out, k+" is off")
			}
		}
		return out
	}),
}

var noUserPolicies = Control{
	ID: "GC-IAM-2", Title: "Users get permissions only through groups: no user policies, every user in a group", Severity: High,
	Frameworks: []string{"CIS-AWS-4.0 1.15", "FSBP IAM.2"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		users := s.OfType(TypeUser)
		var failures []Failure
		for _, typ := range []string{TypeUserPolicy, TypeUserPolicyAttachment} {
			for _, r := range s.OfType(typ) {
				failures = append(failures, fail(r, "a policy attached to a user"))
			}
		}
		for _, r := range s.OfType(TypePolicyAttachment) {
			if len(inventory.List(r.Inputs["users"])) > 0 {
				failures = append(failures, fail(r, "a policy attached to users"))
			}
		}
		member := map[string]bool{}
		for _, m := range s.OfType(TypeUserGroupMembership) {
			if len(inventory.List(m.Inputs["groups"])) > 0 {
				member[inventory.String(m, "user")] = true
			}
		}
		for _, m := range s.OfType(TypeGroupMembership) {
			for _, u := range inventory.List(m.Inputs["users"]) {
				member[fmt.Sprint(u)] = true
			}
		}
		for _, u := range users {
			if !member[inventory.String(u, "name")] {
				failures = append(failures, fail(u, "user in no group"))
			}
		}
		return accountScope(s) || len(users) > 0 || len(failures) > 0, failures
	},
}

// policyDocuments lists every policy document the stack writes, with its resource.
func policyDocuments(s *inventory.Stack) []struct {
	r   *inventory.Resource
	doc any
} {
	var out []struct {
		r   *inventory.Resource
		doc any
	}
	for _, typ := range []string{TypeIAMPolicy, TypeRolePolicy, TypeGroupPolicy, TypeUserPolicy} {
		for _, r := range s.OfType(typ) {
			out = append(out, struct {
				r   *inventory.Resource
				doc any
			}{r, r.Inputs["policy"]})
		}
	}
	for _, r := range s.OfType(TypeRole) {
		for _, p := range inventory.List(r.Inputs["inlinePolicies"]) {
			m, _ := p.(map[string]any)
			out = append(out, struct {
				r   *inventory.Resource
				doc any
			}{r, m["policy"]})
		}
	}
	return out
}

var noStarStar = Control{
	ID: "GC-IAM-3", Title: "No policy the program writes allows every action on every resource", Severity: Critical,
	Frameworks: []string{"CIS-AWS-4.0 1.16", "FSBP IAM.1"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		docs := policyDocuments(s)
		var failures []Failure
		for _, d := range docs {
			for _, st := range statements(d.doc) {
				if st["Effect"] == "Allow" && slices.Contains(inventory.Strings(st["Action"]), "*") && slices.Contains(inventory.Strings(st["Resource"]), "*") {
					failures = append(failures, fail(d.r, fmt.Sprintf("statement %v allows \"*:*\"", st["Sid"])))
				}
			}
		}
		return len(docs) > 0, failures
	},
}

// SupportPolicy is the AWS managed policy of the support role (CIS 1.17).
const SupportPolicy = "arn:aws:iam::aws:policy/AWSSupportAccess"

var supportRole = Control{
	ID: "GC-IAM-4", Title: "A support role with AWSSupportAccess exists", Severity: Medium,
	Frameworks: []string{"CIS-AWS-4.0 1.17"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		if !accountScope(s) {
			return false, nil
		}
		roles := map[string]bool{}
		for _, r := range s.OfType(TypeRole) {
			roles[inventory.String(r, "name")] = true
		}
		for _, a := range s.OfType(TypeRolePolicyAttachment) {
			if inventory.String(a, "policyArn") == SupportPolicy && roles[inventory.String(a, "role")] {
				return true, nil
			}
		}
		return true, []Failure{fail(anchor(s), "no role has AWSSupportAccess")}
	},
}

var accessAnalyzer = Control{
	ID: "GC-IAM-5", Title: "IAM Access Analyzer is on", Severity: Medium,
	Frameworks: []string{"CIS-AWS-4.0 1.20"},
	Rule: accountRule(TypeAnalyzer, "IAM Access Analyzer", func(_ *inventory.Stack, r *inventory.Resource) []string {
		if t := inventory.String(r, "type"); t != "" && t != "ACCOUNT" && t != "ORGANIZATION" {
			return []string{"analyzer of type " + t + " does not analyse external access"}
		}
		return nil
	}),
}

// enforcesMFA is true for a policy denying actions to sessions without MFA.
func enforcesMFA(doc any) bool {
	for _, st := range statements(doc) {
		cond, _ := st["Condition"].(map[string]any)
		for _, op := range []string{"BoolIfExists", "Bool"} {
			m, _ := cond[op].(map[string]any)
			if st["Effect"] == "Deny" && fmt.Sprint(m["aws:MultiFactorAuthPresent"]) == "false" {
				return true
			}
		}
	}
	return false
}

var groupsEnforceMFA = Control{
	ID: "GC-IAM-6", Title: "Every human group enforces MFA", Severity: High,
	Frameworks: []string{"CIS-AWS-4.0 1.10", "FSBP IAM.5", "RBI Cyber Resilience 2024 (MFA)"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		groups := s.OfType(TypeGroup)
		mfaPolicies := map[string]bool{} // policy names
		for _, p := range s.OfType(TypeIAMPolicy) {
			if enforcesMFA(p.Inputs["policy"]) {
				mfaPolicies[inventory.String(p, "name")] = true
			}
		}
		covered := map[string]bool{}
		for _, a := range s.OfType(TypeGroupPolicyAttach) {
			arn := inventory.String(a, "policyArn")
			if mfaPolicies[arn[strings.LastIndex(arn, "/")+1:]] {
				covered[inventory.String(a, "group")] = true
			}
		}
		for _, p := range s.OfType(TypeGroupPolicy) {
			if enforcesMFA(p.Inputs["policy"]) {
				covered[inventory.String(p, "group")] = true
			}
		}
		var failures []Failure
		for _, g := range groups {
			if !covered[inventory.String(g, "name")] {
				failures = append(failures, fail(g, "no MFA-enforcing policy"))
			}
		}
		return len(groups) > 0, failures
	},
}

var noCredentialsInCode = Control{
	ID: "GC-IAM-7", Title: "No access keys or console passwords are created by the program", Severity: High,
	Frameworks: []string{"CIS-AWS-4.0 1.11", "FSBP IAM.3"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		var failures []Failure
		for _, typ := range []string{TypeAccessKey, TypeLoginProfile} {
			for _, r := range s.OfType(typ) {
				failures = append(failures, fail(r, "credentials created in code end up in the state"))
			}
		}
		return accountScope(s) || len(s.OfType(TypeUser)) > 0 || len(failures) > 0, failures
	},
}

// sgRule is one security group rule, whatever resource declares it.
type sgRule struct {
	r           *inventory.Resource
	group       string // security group ID
	ingress     bool
	protocol    string
	from, to    int
	cidrs       []string
	description string
	inline      bool
}

func ruleProtocol(p string) string {
	switch strings.ToLower(p) {
	case "-1", "all":
		return "-1"
	case "6":
		return "tcp"
	case "17":
		return "udp"
	}
	return strings.ToLower(p)
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range inventory.List(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// sgRules gathers inline rules, vpc ingress/egress rule resources and ec2 SecurityGroupRules.
func sgRules(s *inventory.Stack) []sgRule {
	var out []sgRule
	for _, sg := range s.OfType(TypeSecurityGroup) {
		for _, dir := range []string{"ingress", "egress"} {
			for _, x := range inventory.List(sg.Inputs[dir]) {
				m, _ := x.(map[string]any)
				f, _ := m["fromPort"].(float64)
				t, _ := m["toPort"].(float64)
				d, _ := m["description"].(string)
				p, _ := m["protocol"].(string)
				out = append(out, sgRule{r: sg, group: sg.ID, ingress: dir == "ingress", protocol: ruleProtocol(p), from: int(f), to: int(t),
					cidrs: append(anyStrings(m["cidrBlocks"]), anyStrings(m["ipv6CidrBlocks"])...), description: d, inline: true})
			}
		}
	}
	for _, typ := range []string{TypeSGIngressRule, TypeSGEgressRule} {
		for _, r := range s.OfType(typ) {
			var cidrs []string
			for _, k := range []string{"cidrIpv4", "cidrIpv6"} {
				if c := inventory.String(r, k); c != "" {
					cidrs = append(cidrs, c)
				}
			}
			out = append(out, sgRule{r: r, group: inventory.String(r, "securityGroupId"), ingress: typ == TypeSGIngressRule,
				protocol: ruleProtocol(inventory.String(r, "ipProtocol")), from: int(num(r, "fromPort")), to: int(num(r, "toPort")),
				cidrs: cidrs, description: inventory.String(r, "description")})
		}
	}
	for _, r := range s.OfType(TypeSecurityGroupRule) {
		out = append(out, sgRule{r: r, group: inventory.String(r, "securityGroupId"), ingress: inventory.String(r, "type") == "ingress",
			protocol: ruleProtocol(inventory.String(r, "protocol")), from: int(num(r, "fromPort")), to: int(num(r, "toPort")),
			cidrs:       append(anyStrings(r.Inputs["cidrBlocks"]), anyStrings(r.Inputs["ipv6CidrBlocks"])...),
			description: inventory.String(r, "description")})
	}
	return out
}

func (r sgRule) world() bool {
	return slices.Contains(r.cidrs, "0.0.0.0/0") || slices.Contains(r.cidrs, "::/0")
}

func (r sgRule) ports() string {
	if r.protocol == "-1" {
		return "all traffic"
	}
	return fmt.Sprintf("%s %d-%d", r.protocol, r.from, r.to)
}

var noWorldAdminPorts = Control{
	ID: "GC-SG-1", Title: "No security group admits the internet to an admin or database port", Severity: Critical,
	Frameworks: []string{"CIS-AWS-4.0 5.3", "CIS-AWS-4.0 5.4", "FSBP EC2.19", "CIS-AWS-4.0 5.1.2"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		rules := sgRules(s)
		var failures []Failure
		for _, r := range rules {
			if r.ingress && r.world() && portmatrix.IsHighRisk(portmatrix.Protocol(r.protocol), r.from, r.to) {
				failures = append(failures, fail(r.r, "open to the internet on "+r.ports()+", which includes an admin or database port"))
			}
		}
		return len(rules) > 0 || len(s.OfType(TypeSecurityGroup)) > 0, failures
	},
}

var rulesDescribed = Control{
	ID: "GC-SG-2", Title: "Every security group and rule has a description", Severity: Low,
	Frameworks: []string{"ISO27001-2022 A.8.20", "PCI-DSS 1.2.7"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		var failures []Failure
		groups := s.OfType(TypeSecurityGroup)
		for _, g := range groups {
			if d := inventory.String(g, "description"); d == "" || d == "Managed by Pulumi" {
				failures = append(failures, fail(g, "security group without a description"))
			}
		}
		for _, r := range sgRules(s) {
			if strings.TrimSpace(r.description) == "" {
				failures = append(failures, fail(r.r, "rule "+r.ports()+" without a description"))
			}
		}
		return len(groups) > 0 || len(sgRules(s)) > 0, failures
	},
}

var worldOnlyToUntrust = Control{
	ID: "GC-SG-3", Title: "Only the firewall untrust tier admits the internet, and only on TCP listener ports", Severity: High,
	Frameworks: []string{"FSBP EC2.18", "CIS-AWS-4.0 5.3"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		rules := sgRules(s)
		var failures []Failure
		for _, r := range rules {
			if !r.ingress || !r.world() {
				continue
			}
			sg := s.ByID(r.group)
			tier := ""
			if sg != nil {
				tier = inventory.Tags(sg)[TierTag]
			}
			switch {
			case tier != UntrustTier:
				failures = append(failures, fail(r.r, fmt.Sprintf("internet ingress into tier %q; only %s may take it", tier, UntrustTier)))
			case r.protocol != "tcp" || r.from != r.to:
				failures = append(failures, fail(r.r, "internet ingress on "+r.ports()+": listeners are single TCP ports"))
			}
		}
		return len(rules) > 0 || len(s.OfType(TypeSecurityGroup)) > 0, failures
	},
}

var egressRestricted = Control{
	ID: "GC-SG-4", Title: "No security group lets all traffic out to the internet", Severity: Medium,
	Frameworks: []string{"ISO27001-2022 A.8.22"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		rules := sgRules(s)
		var failures []Failure
		for _, r := range rules {
			if !r.ingress && r.world() && (r.protocol == "-1" || r.to-r.from > 0) {
				failures = append(failures, fail(r.r, "egress to the internet on "+r.ports()+": open single ports only, through NAT"))
			}
		}
		return len(rules) > 0 || len(s.OfType(TypeSecurityGroup)) > 0, failures
	},
}

var accountWideInMgmtOnly = Control{
	ID: "GC-ACCT-1", Title: "Account-wide services are declared by the mgmt stack only", Severity: High,
	Frameworks: []string{"ISO27001-2022 A.8.9"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		var found []*inventory.Resource
		for _, typ := range AccountWideTypes {
			found = append(found, s.OfType(typ)...)
		}
		aws := false
		for _, r := range s.Resources {
			aws = aws || inventory.IsAWS(r)
		}
		if len(found) == 0 || accountScope(s) {
			return aws, nil // every stack with AWS resources is checked; none is the pass
		}
		var failures []Failure
		for _, r := range found {
			failures = append(failures, fail(r, "one per account and region: a second stack declaring it would fight the mgmt stack over it"))
		}
		return true, failures
	},
}

var patchingStaggered = Control{
	ID: "GC-PATCH-1", Title: "Patching runs AWS-RunPatchBaseline in at least two maintenance windows with different schedules and targets", Severity: Medium,
	Frameworks: []string{"FSBP SSM.2", "ISO27001-2022 A.8.8"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		baselines := s.OfType(TypePatchBaseline)
		if len(baselines) == 0 {
			return false, nil
		}
		var failures []Failure
		windows := s.OfType(TypeMaintenanceWindow)
		schedules, targeted := map[string]*inventory.Resource{}, map[string]*inventory.Resource{}
		for _, w := range windows {
			sch := inventory.String(w, "schedule")
			if prev := schedules[sch]; prev != nil {
				failures = append(failures, fail(w, fmt.Sprintf("same schedule as %s: both AZs would patch at once", prev.Name)))
			}
			schedules[sch] = w
			patches := false
			for _, t := range s.OfType(TypeMaintenanceTask) {
				if inventory.String(t, "windowId") == w.ID && inventory.String(t, "taskArn") == "AWS-RunPatchBaseline" {
					patches = true
				}
			}
			if !patches {
				failures = append(failures, fail(w, "no AWS-RunPatchBaseline task"))
			}
			var sel []string
			for _, tg := range s.OfType(TypeMaintenanceTarget) {
				if inventory.String(tg, "windowId") == w.ID {
					sel = append(sel, fmt.Sprint(tg.Inputs["targets"]))
				}
			}
			slices.Sort(sel)
			switch key := strings.Join(sel, " | "); {
			case len(sel) == 0:
				failures = append(failures, fail(w, "no targets: the window patches nothing"))
			case targeted[key] != nil:
				failures = append(failures, fail(w, fmt.Sprintf("targets the same instances as %s: one AZ would be patched twice and the other never apart", targeted[key].Name)))
			default:
				targeted[key] = w
			}
		}
		if len(windows) < 2 {
			failures = append(failures, fail(baselines[0], "fewer than two maintenance windows: the AZs of a tier cannot be patched apart"))
		}
		return true, failures
	},
}

var groupsWithinQuota = Control{
	ID: "GC-SG-5", Title: "No security group has more inbound or outbound rules than EC2's quota", Severity: High,
	Frameworks: []string{"AWS-WAF REL01-BP01"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		count := map[string]int{}
		for _, r := range sgRules(s) {
			dir := "outbound"
			if r.ingress {
				dir = "inbound"
			}
			count[r.group+" "+dir]++
		}
		var failures []Failure
		for _, k := range inventory.SortedKeys(count) {
			id, dir, _ := strings.Cut(k, " ")
			if n := count[k]; n > portmatrix.MaxRulesPerGroup {
				if sg := s.ByID(id); sg != nil {
					failures = append(failures, fail(sg, fmt.Sprintf("%d %s rules: the deployment fails past %d", n, dir, portmatrix.MaxRulesPerGroup)))
				}
			}
		}
		return len(s.OfType(TypeSecurityGroup)) > 0, failures
	},
}

// TypeStandardsSubscription is a Security Hub standard the account subscribes to.
const TypeStandardsSubscription = "aws:securityhub/standardsSubscription:StandardsSubscription"

var securityHubStandards = Control{
	ID: "GC-LOG-7", Title: "Security Hub is on with the CIS and AWS Foundational standards", Severity: Medium,
	Frameworks: []string{"CIS-AWS-4.0 4.16"},
	Rule: accountRule(TypeSecurityHub, "Security Hub account", func(s *inventory.Stack, _ *inventory.Resource) []string {
		var out []string
		for _, want := range []string{"cis-aws-foundations-benchmark", "aws-foundational-security-best-practices"} {
			found := false
			for _, sub := range s.OfType(TypeStandardsSubscription) {
				found = found || strings.Contains(inventory.String(sub, "standardsArn"), "/"+want+"/")
			}
			if !found {
				out = append(out, "not subscribed to "+want)
			}
		}
		return out
	}),
}

var inspectorEC2 = Control{
	ID: "GC-LOG-8", Title: "Inspector scans EC2 instances", Severity: Medium,
	Frameworks: []string{"FSBP Inspector.1"},
	Rule: accountRule(TypeInspector, "Inspector enabler", func(_ *inventory.Stack, r *inventory.Resource) []string {
		if !slices.Contains(anyStrings(r.Inputs["resourceTypes"]), "EC2") {
			return []string{"EC2 scanning is not enabled"}
		}
		return nil
	}),
}
