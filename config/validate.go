package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/giftcard/platform-infra/network/subnetplan"
)

// FieldError is one invalid value: the key, the value as given and what was expected.
type FieldError struct {
	Key      string
	Value    string
	Expected string
}

func (e FieldError) Error() string {
	return fmt.Sprintf("%s = %q: expected %s", e.Key, e.Value, e.Expected)
}

// Errors is every problem found in one stack's config, reported together.
type Errors []FieldError

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, fe := range e {
		lines[i] = "  - " + fe.Error()
	}
	return fmt.Sprintf("invalid configuration (%d problem(s)):\n%s", len(e), strings.Join(lines, "\n"))
}

func (e *Errors) add(key, value, expected string) {
	*e = append(*e, FieldError{Key: key, Value: value, Expected: expected})
}

// IndianAWSRegions and IndianAzureRegions are where payment system data may live
// (RBI DPSS.CO.OD.No 2785/06.08.005/2017-18: "stored in a system only in India").
var (
	IndianAWSRegions   = []string{"ap-south-1", "ap-south-2"}
	IndianAzureRegions = []string{"centralindia", "southindia", "westindia", "jioindiawest", "jioindiacentral"}
)

// WindowsRelease is a Windows Server version the program can deploy.
type WindowsRelease struct {
	Version string
	// EndOfSupport is the end of Microsoft's extended support.
	EndOfSupport time.Time
	// AMIName is the fragment of the AWS public SSM parameter of its AMIs.
	AMIName string
}

func date(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

// WindowsReleases is the data behind the end-of-life rule (Microsoft lifecycle dates).
var WindowsReleases = []WindowsRelease{
	{"2012-R2", date("2023-10-10"), "Windows_Server-2012-R2_RTM"},
	{"2016", date("2027-01-12"), "Windows_Server-2016"},
	{"2019", date("2029-01-09"), "Windows_Server-2019"},
	{"2022", date("2031-10-14"), "Windows_Server-2022"},
	{"2025", date("2034-10-10"), "Windows_Server-2025"},
}

// Release is the Windows release this config selects. Call only on a validated Config.
func (c *Config) Release() WindowsRelease {
	for _, r := range WindowsReleases {
		if r.Version == c.Windows.Version {
			return r
		}
	}
	panic("config: Release on an unvalidated config")
}

// Today is the clock the end-of-life rule reads; tests pin it.
var Today = time.Now

var (
	dataClasses     = []string{"public", "internal", "confidential", "restricted"}
	instanceTypeRE  = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	awsRegionRE     = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	azureRegionRE   = regexp.MustCompile(`^[a-z][a-z0-9]+$`)
	tagValueRE      = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$`)
	stackRefRE      = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	maxSQLReplicas  = 9 // availability replicas per AG (SQL Server 2019+ Enterprise)
	maxAppInstances = 100
)

// Validate checks the config as a whole and returns every problem at once.
func (c *Config) Validate() error {
	var errs Errors
	key := FullKey

	if !contains(Environments, c.Environment) {
		errs.add(key("environment"), string(c.Environment), "one of mgmt, uat, prod")
	} else if c.Stack != "" && c.Stack != string(c.Environment) && !strings.HasPrefix(c.Stack, string(c.Environment)+"-") {
		errs.add(key("environment"), string(c.Environment), fmt.Sprintf("the role of stack %q (%q, or a stack named %q-<suffix>)", c.Stack, c.Stack, c.Environment))
	}

	for _, t := range []struct{ name, value string }{{"owner", c.Tags.Owner}, {"costCentre", c.Tags.CostCentre}} {
		switch {
		case strings.TrimSpace(t.value) == "":
			errs.add(key(t.name), t.value, "a non-empty tag value")
		case !tagValueRE.MatchString(t.value):
			// IAM, KMS and Route 53 reject other characters in tags, mid-deploy.
			errs.add(key(t.name), t.value, "a tag value of at most 256 letters, digits, spaces and _ . : / = + - @")
		}
	}
	if !contains(dataClasses, c.Tags.DataClassification) {
		errs.add(key("dataClassification"), c.Tags.DataClassification, "one of "+strings.Join(dataClasses, ", "))
	}

	c.validateRegions(&errs)
	if c.AZCount < 2 || c.AZCount > 3 {
		errs.add(key("azCount"), fmt.Sprint(c.AZCount), "2 or 3 (every VPC spans at least two AZs)")
	}
	c.validateNetwork(&errs)
	c.validateWindows(&errs)
	c.validateSizing(&errs)
	c.validateNetworkServices(&errs)
	c.validateSecurity(&errs)

	if c.IsWorkload() && !stackRefRE.MatchString(c.MgmtStackName) {
		errs.add(key("mgmtStackName"), c.MgmtStackName, "a stack reference of the form <org>/<project>/<stack>")
	}
	if len(errs) > 0 {
		return errs
	}
	if c.validateNaclQuota(&errs); len(errs) > 0 {
		return errs
	}
	return nil
}

func (c *Config) validateRegions(errs *Errors) {
	outside := "a region in India (%s); set giftcard-platform:allowDataOutsideIndia to true to override the RBI data-localisation rule"
	switch {
	case !awsRegionRE.MatchString(c.AWSRegion):
		errs.add(RegionKey, c.AWSRegion, "an AWS region name such as ap-south-1")
	case !c.AllowDataOutsideIndia && !contains(IndianAWSRegions, c.AWSRegion):
		errs.add(RegionKey, c.AWSRegion, fmt.Sprintf(outside, strings.Join(IndianAWSRegions, ", ")))
	}
	switch {
	case !azureRegionRE.MatchString(c.DRRegion):
		errs.add(FullKey("drRegion"), c.DRRegion, "an Azure region name such as centralindia")
	case !c.AllowDataOutsideIndia && !contains(IndianAzureRegions, c.DRRegion):
		errs.add(FullKey("drRegion"), c.DRRegion, fmt.Sprintf(outside, strings.Join(IndianAzureRegions, ", ")))
	}
}

// NamedRange is a CIDR from config with the key it came from.
type NamedRange struct {
	Key    string
	Prefix netip.Prefix
}

// Ranges lists every address range of the estate. Call only on a validated Config.
func (c *Config) Ranges() []NamedRange {
	var out []NamedRange
	for _, r := range c.rawRanges() {
		out = append(out, NamedRange{r.key, netip.MustParsePrefix(r.value)})
	}
	return out
}

type rawRange struct {
	key, value string
	vpc        Environment // empty for ranges that are not VPCs
}

func (c *Config) rawRanges() []rawRange {
	return []rawRange{
		{FullKey("mgmtVpcCidr"), c.Network.Mgmt, Mgmt},
		{FullKey("uatVpcCidr"), c.Network.Uat, Uat},
		{FullKey("prodVpcCidr"), c.Network.Prod, Prod},
		{FullKey("onPremCidr"), c.Network.OnPrem, ""},
		{FullKey("drVnetCidr"), c.Network.DR, ""},
	}
}

func (c *Config) validateNetwork(errs *Errors) {
	var parsed []NamedRange
	for _, r := range c.rawRanges() {
		p, err := netip.ParsePrefix(strings.TrimSpace(r.value))
		switch {
		case err != nil || !p.Addr().Is4():
			errs.add(r.key, r.value, "an IPv4 CIDR such as 10.10.0.0/20")
			continue
		case p.Masked() != p:
			errs.add(r.key, r.value, fmt.Sprintf("a network address (did you mean %s?)", p.Masked()))
			continue
		case r.vpc != "" && (p.Bits() < 16 || p.Bits() > 24):
			errs.add(r.key, r.value, "a VPC prefix length between /16 and /24 (AWS allows /16 to /28; the subnet tiers need at least a /24)")
			continue
		case r.vpc != "" && !isPrivate(p):
			errs.add(r.key, r.value, "a private (RFC 1918) range")
			continue
		}
		parsed = append(parsed, NamedRange{r.key, p})
		if r.vpc != "" {
			if _, err := subnetplan.Carve(p, subnetplan.LayoutFor(r.vpc == Mgmt), c.AZCount); err != nil {
				errs.add(r.key, r.value, fmt.Sprintf("a range large enough for its subnet tiers: %v", err))
			}
		}
	}
	for i := range parsed {
		for j := i + 1; j < len(parsed); j++ {
			a, b := parsed[i], parsed[j]
			if a.Prefix.Overlaps(b.Prefix) {
				errs.add(b.Key, b.Prefix.String(), fmt.Sprintf("a range disjoint from %s = %s (they overlap)", a.Key, a.Prefix))
			}
		}
	}
}

var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
}

func isPrivate(p netip.Prefix) bool {
	for _, r := range privateRanges {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// Warnings are accepted but risky choices, reported by the program and the offline plan.
func (c *Config) Warnings() []string {
	var w []string
	for _, r := range WindowsReleases {
		if r.Version == c.Windows.Version && !Today().Before(r.EndOfSupport) {
			w = append(w, fmt.Sprintf("Windows Server %s has been out of extended support since %s; allowed by %s", r.Version, r.EndOfSupport.Format(time.DateOnly), FullKey("allowEndOfLifeWindows")))
		}
	}
	w = append(w, c.networkWarnings()...)
	if c.AllowDataOutsideIndia && (!contains(IndianAWSRegions, c.AWSRegion) || !contains(IndianAzureRegions, c.DRRegion)) {
		w = append(w, fmt.Sprintf("payment system data leaves India (aws:region %s, drRegion %s); allowed by %s", c.AWSRegion, c.DRRegion, FullKey("allowDataOutsideIndia")))
	}
	return w
}

func (c *Config) validateWindows(errs *Errors) {
	var versions []string
	for _, r := range WindowsReleases {
		versions = append(versions, r.Version)
		if r.Version != c.Windows.Version {
			continue
		}
		if !Today().Before(r.EndOfSupport) && !c.Windows.AllowEndOfLife {
			errs.add(FullKey("windowsVersion"), c.Windows.Version, fmt.Sprintf("a supported Windows Server version (%s ended extended support on %s; set %s to true to accept it)", r.Version, r.EndOfSupport.Format(time.DateOnly), FullKey("allowEndOfLifeWindows")))
		}
		return
	}
	errs.add(FullKey("windowsVersion"), c.Windows.Version, "one of "+strings.Join(versions, ", "))
}

func (c *Config) validateSizing(errs *Errors) {
	key := FullKey
	for _, t := range []struct{ name, value string }{{"appInstanceType", c.App.InstanceType}, {"sqlInstanceType", c.SQL.InstanceType}} {
		if !instanceTypeRE.MatchString(t.value) {
			errs.add(key(t.name), t.value, "an EC2 instance type such as m6i.large")
		}
	}
	minApp, minSQL := 1, 1
	if c.Environment == Prod {
		minApp, minSQL = 2, 2 // one per AZ: production survives the loss of an AZ
	}
	if c.App.MinInstances < minApp || c.App.MinInstances > maxAppInstances {
		errs.add(key("appMinInstances"), fmt.Sprint(c.App.MinInstances), fmt.Sprintf("an integer from %d to %d in %s", minApp, maxAppInstances, c.Environment))
	}
	if c.App.MaxInstances < c.App.MinInstances || c.App.MaxInstances > maxAppInstances {
		errs.add(key("appMaxInstances"), fmt.Sprint(c.App.MaxInstances), fmt.Sprintf("an integer from appMinInstances (%d) to %d", c.App.MinInstances, maxAppInstances))
	}
	if c.SQL.NodeCount < minSQL || c.SQL.NodeCount > maxSQLReplicas {
		errs.add(key("sqlNodeCount"), fmt.Sprint(c.SQL.NodeCount), fmt.Sprintf("an integer from %d to %d in %s", minSQL, maxSQLReplicas, c.Environment))
	}
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
