// Package controls checks a planned stack against the security controls auditors read:
// each control has an id, a title, a severity, the framework clauses it maps to and a
// rule over plain inventory records. It imports no SDK.
package controls

import (
	"sort"

	"github.com/giftcard/platform-infra/inventory"
)

// Severity orders how bad a failure is; high and critical fail the offline plan.
type Severity string

const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Blocks is true for the severities that fail the plan.
func (s Severity) Blocks() bool { return s == High || s == Critical }

// Status of one control on one stack.
type Status string

const (
	Pass          Status = "pass"
	Fail          Status = "fail"
	NotApplicable Status = "not-applicable"
)

// Failure is one resource breaking a control.
type Failure struct {
	URN     string `json:"urn"`
	Message string `json:"message"`
}

// Rule inspects a stack. It reports whether the control applies at all (a stack without
// VPCs cannot break a VPC control) and every failure it finds.
type Rule func(s *inventory.Stack) (applicable bool, failures []Failure)

// Control is one entry of the catalogue.
type Control struct {
	ID         string
	Title      string
	Severity   Severity
	Frameworks []string
	Rule       Rule
}

// Result is a control evaluated on a stack; its JSON is part of the plan contract.
type Result struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Severity   Severity  `json:"severity"`
	Frameworks []string  `json:"frameworks"`
	Status     Status    `json:"status"`
	Failures   []Failure `json:"failures"`
}

// Evaluate runs every control of the catalogue on the stack, in catalogue order.
func Evaluate(s *inventory.Stack, catalogue []Control) []Result {
	out := make([]Result, 0, len(catalogue))
	for _, c := range catalogue {
		applicable, failures := c.Rule(s)
		res := Result{ID: c.ID, Title: c.Title, Severity: c.Severity, Frameworks: c.Frameworks, Failures: []Failure{}}
		switch {
		case !applicable:
			res.Status = NotApplicable
		case len(failures) > 0:
			res.Status = Fail
			sort.SliceStable(failures, func(i, j int) bool { return failures[i].URN < failures[j].URN })
			res.Failures = failures
		default:
			res.Status = Pass
		}
		out = append(out, res)
	}
	return out
}

// Blocking lists the failed results whose severity fails the plan.
func Blocking(results []Result) []Result {
	var out []Result
	for _, r := range results {
		if r.Status == Fail && r.Severity.Blocks() {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the catalogue entry with an id, or nil.
func Find(id string) *Control {
	for i := range Catalogue {
		if Catalogue[i].ID == id {
			return &Catalogue[i]
		}
	}
	return nil
}

// Catalogue is every control, in the order the report lists them.
var Catalogue = []Control{
	tagsComplete,
	dataInIndia,
	noPublicIPOnLaunch,
	natPerAZ,
	noPlaintextSecrets,
	statefulProtected,
	flowLogsOnEveryVpc,
	defaultsStripped,
	noNaclAdminPortsFromAnywhere,
	peeringOnlyWithMgmt,
	s3GatewayOnPrivateRouteTables,
	ssmEndpointsInEveryVpc,
	vpnTunnelsHardened,
	// network baseline (issue 3) above; security (issue 4):
	kmsRotation, kmsProtected, kmsPolicies,
	trailMultiRegion, trailValidation, trailKMS, trailCloudWatch, configOn, guardDutyOn, securityHubStandards, inspectorEC2,
	ebsDefault, s3PublicAccess, s3TLSOnly, s3Versioning, s3Logging,
	passwordPolicy, noUserPolicies, noStarStar, supportRole, accessAnalyzer, groupsEnforceMFA, noCredentialsInCode,
	noWorldAdminPorts, rulesDescribed, worldOnlyToUntrust, egressRestricted, groupsWithinQuota,
	accountWideInMgmtOnly, patchingStaggered,
}

func fail(r *inventory.Resource, msg string) Failure { return Failure{URN: r.URN, Message: msg} }
