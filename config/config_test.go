package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// valid is a complete, valid prod config in the raw string form Pulumi hands the program.
func valid() map[string]string {
	raw := map[string]string{
		"environment": "prod", "owner": "platform", "costCentre": "CC-1", "dataClassification": "restricted",
		"allowDataOutsideIndia": "false", "drRegion": "centralindia", "azCount": "2",
		"mgmtVpcCidr": "10.10.0.0/20", "uatVpcCidr": "10.20.0.0/20", "prodVpcCidr": "10.30.0.0/18",
		"onPremCidr": "172.16.0.0/16", "drVnetCidr": "10.40.0.0/18",
		"windowsVersion": "2022", "allowEndOfLifeWindows": "false",
		"appInstanceType": "m6i.xlarge", "appMinInstances": "2", "appMaxInstances": "10",
		"sqlInstanceType": "r6i.2xlarge", "sqlNodeCount": "2",
		"mgmtStackName":  "organization/giftcard-platform/mgmt",
		"platformDomain": "giftcard.example.in", "privateZoneName": "svc.giftcard.example.in", "adDomainName": "corp.giftcard.example.in",
		"onPremVpnPeerIp": "198.51.100.20", "onPremBgpAsn": "65010", "vpnAmazonSideAsn": "64512",
		"vpnTunnel1PreSharedKey": "Tunnel1.Key_abcdef", "vpnTunnel2PreSharedKey": "Tunnel2.Key_abcdef",
		"onPremDcIps": `["172.16.10.10","172.16.10.11"]`, "flowLogRetentionDays": "365",
	}
	for k, v := range validSecurity() {
		raw[k] = v
	}
	out := map[string]string{RegionKey: "ap-south-1"}
	for k, v := range raw {
		out[FullKey(k)] = v
	}
	return out
}

// validSecurity is the security keys of valid().
func validSecurity() map[string]string {
	return map[string]string{
		"kmsDeletionWindowDays": "30", "adminCidrs": `["203.0.113.0/28"]`, "dbaCidrs": `["172.16.20.0/24"]`,
		"publicListenerPorts":    "[443, 8443]",
		"iamUsers":               `[{"name":"asha.rao","groups":["administrators","security-auditors"]}]`,
		"patchApprovalDelayDays": "7", "patchWindowSchedules": `["cron(0 1 ? * SUN *)","cron(0 5 ? * SUN *)"]`,
		"patchWindowHours": "3", "tlsCertificate": "-----BEGIN CERTIFICATE-----",
		"auditLogRetentionDays": "3653", "auditLogLockMode": "COMPLIANCE",
	}
}

// validMgmt is valid() for the mgmt stack, which reads no stack reference.
func validMgmt() map[string]string {
	values := valid()
	values[FullKey("environment")] = "mgmt"
	values[FullKey("mgmtStackName")] = ""
	values[FullKey("appMinInstances")] = "1"
	return values
}

func load(t *testing.T, stack string, values map[string]string) (*Config, error) {
	t.Helper()
	return Load(stack, func(k string) (string, bool) { v, ok := values[k]; return v, ok })
}

func TestValidConfigLoads(t *testing.T) {
	c, err := load(t, "prod", valid())
	require.NoError(t, err)
	assert.Equal(t, Prod, c.Environment)
	assert.Equal(t, "10.30.0.0/18", c.VpcCidr().String())
	assert.Equal(t, 2, c.AZCount)
	assert.Empty(t, c.Warnings())
	assert.Equal(t, "gc-prod-app-a", c.Name("app", AZSuffix("ap-south-1a")))
}

// Each case breaks one rule; the error must name the key, the bad value and what is expected.
func TestEveryRuleNamesKeyValueAndExpectation(t *testing.T) {
	cases := []struct {
		name     string
		stack    string
		set      map[string]string
		key      string
		value    string
		expected string
	}{
		{"unknown environment", "prod", map[string]string{"environment": "staging"}, "environment", "staging", "one of mgmt, uat, prod"},
		{"environment is not the stack's role", "prod", map[string]string{"environment": "uat"}, "environment", "uat", `role of stack "prod"`},
		{"AWS region outside India", "prod", map[string]string{RegionKey: "eu-west-1"}, RegionKey, "eu-west-1", "a region in India"},
		{"malformed AWS region", "prod", map[string]string{RegionKey: "mumbai"}, RegionKey, "mumbai", "an AWS region name"},
		{"DR region outside India", "prod", map[string]string{"drRegion": "westeurope"}, "drRegion", "westeurope", "a region in India"},
		{"unparsable CIDR", "prod", map[string]string{"uatVpcCidr": "10.20.0.0/33"}, "uatVpcCidr", "10.20.0.0/33", "an IPv4 CIDR"},
		{"host bits set", "prod", map[string]string{"uatVpcCidr": "10.20.0.1/20"}, "uatVpcCidr", "10.20.0.1/20", "did you mean 10.20.0.0/20"},
		{"public VPC range", "prod", map[string]string{"uatVpcCidr": "8.8.0.0/20"}, "uatVpcCidr", "8.8.0.0/20", "private (RFC 1918)"},
		{"VPC prefix too small for the tiers", "prod", map[string]string{"uatVpcCidr": "10.20.0.0/25"}, "uatVpcCidr", "10.20.0.0/25", "between /16 and /24"},
		{"VPC too small for its tiers", "prod", map[string]string{"uatVpcCidr": "10.20.0.0/24"}, "uatVpcCidr", "10.20.0.0/24", "large enough for its subnet tiers"},
		{"VPC overlaps on-premise", "prod", map[string]string{"prodVpcCidr": "172.16.0.0/18"}, "onPremCidr", "172.16.0.0/16", "disjoint from giftcard-platform:prodVpcCidr = 172.16.0.0/18"},
		{"DR overlaps prod", "prod", map[string]string{"drVnetCidr": "10.30.32.0/19"}, "drVnetCidr", "10.30.32.0/19", "disjoint from giftcard-platform:prodVpcCidr = 10.30.0.0/18"},
		{"one AZ", "prod", map[string]string{"azCount": "1"}, "azCount", "1", "2 or 3"},
		{"azCount not an integer", "prod", map[string]string{"azCount": "two"}, "azCount", "two", "an integer"},
		{"bool not a bool", "prod", map[string]string{"allowEndOfLifeWindows": "yes please"}, "allowEndOfLifeWindows", "yes please", "true or false"},
		{"prod with one app instance", "prod", map[string]string{"appMinInstances": "1"}, "appMinInstances", "1", "from 2 to"},
		{"max below min", "prod", map[string]string{"appMaxInstances": "1"}, "appMaxInstances", "1", "from appMinInstances (2)"},
		{"prod with one SQL node", "prod", map[string]string{"sqlNodeCount": "1"}, "sqlNodeCount", "1", "from 2 to 9"},
		{"too many SQL replicas", "prod", map[string]string{"sqlNodeCount": "12"}, "sqlNodeCount", "12", "from 2 to 9"},
		{"bad instance type", "prod", map[string]string{"sqlInstanceType": "huge"}, "sqlInstanceType", "huge", "an EC2 instance type"},
		{"end-of-life Windows", "prod", map[string]string{"windowsVersion": "2012-R2"}, "windowsVersion", "2012-R2", "allowEndOfLifeWindows"},
		{"unknown Windows", "prod", map[string]string{"windowsVersion": "2003"}, "windowsVersion", "2003", "one of 2012-R2, 2016"},
		{"empty owner", "prod", map[string]string{"owner": " "}, "owner", " ", "a non-empty tag value"},
		{"owner with characters AWS tags refuse", "prod", map[string]string{"owner": "R&D (payments)"}, "owner", "R&D (payments)", "letters, digits, spaces and _ . : / = + - @"},
		{"cost centre too long", "prod", map[string]string{"costCentre": strings.Repeat("C", 257)}, "costCentre", strings.Repeat("C", 257), "at most 256"},
		{"unknown classification", "prod", map[string]string{"dataClassification": "secret"}, "dataClassification", "secret", "one of public, internal"},
		{"bad stack reference", "prod", map[string]string{"mgmtStackName": "mgmt"}, "mgmtStackName", "mgmt", "<org>/<project>/<stack>"},
		{"missing key", "prod", map[string]string{"owner": "\x00unset"}, "owner", "", "a value"},
		{"public domain not a DNS name", "prod", map[string]string{"platformDomain": "Gift Card.in"}, "platformDomain", "Gift Card.in", "a lower-case DNS name"},
		{"single-label AD domain", "prod", map[string]string{"adDomainName": "corp"}, "adDomainName", "corp", "at least two labels"},
		{"private zone inside the AD domain", "prod", map[string]string{"privateZoneName": "sql.corp.giftcard.example.in"}, "privateZoneName", "sql.corp.giftcard.example.in", "outside the AD domain corp.giftcard.example.in"},
		{"private zone is the AD domain", "prod", map[string]string{"privateZoneName": "corp.giftcard.example.in"}, "privateZoneName", "corp.giftcard.example.in", "shadow the private zone"},
		{"retention CloudWatch rejects", "prod", map[string]string{"flowLogRetentionDays": "200"}, "flowLogRetentionDays", "200", "one of 180, 365, 400"},
		{"retention below CERT-In's 180 days", "prod", map[string]string{"flowLogRetentionDays": "90"}, "flowLogRetentionDays", "90", "at least 180 days (CERT-In"},
		{"VPN peer not an IP", "prod", map[string]string{"onPremVpnPeerIp": "vpn.example.in"}, "onPremVpnPeerIp", "vpn.example.in", "an IPv4 address"},
		{"VPN peer private", "prod", map[string]string{"onPremVpnPeerIp": "10.1.2.3"}, "onPremVpnPeerIp", "10.1.2.3", "public, internet-routable"},
		{"VPN peer in carrier-grade NAT", "prod", map[string]string{"onPremVpnPeerIp": "100.64.1.1"}, "onPremVpnPeerIp", "100.64.1.1", "public, internet-routable"},
		{"BGP ASN out of range", "prod", map[string]string{"onPremBgpAsn": "0"}, "onPremBgpAsn", "0", "from 1 to 2147483647"},
		{"BGP ASN reserved by AWS", "prod", map[string]string{"onPremBgpAsn": "7224"}, "onPremBgpAsn", "7224", "AWS does not reserve"},
		{"BGP ASN equals Amazon's", "prod", map[string]string{"onPremBgpAsn": "64512"}, "onPremBgpAsn", "64512", "different from giftcard-platform:vpnAmazonSideAsn = 64512"},
		{"Amazon side ASN public", "prod", map[string]string{"vpnAmazonSideAsn": "16509"}, "vpnAmazonSideAsn", "16509", "64512-65534 or 4200000000-4294967294"},
		{"on-premise DC outside on-premise", "prod", map[string]string{"onPremDcIps": `["172.16.10.10","10.99.0.1"]`}, "onPremDcIps", "10.99.0.1", "inside giftcard-platform:onPremCidr = 172.16.0.0/16"},
		{"on-premise DC not an address", "prod", map[string]string{"onPremDcIps": `["dc1"]`}, "onPremDcIps", "dc1", "IPv4 addresses such as"},
		{"on-premise DC twice", "prod", map[string]string{"onPremDcIps": `["172.16.10.10","172.16.10.10"]`}, "onPremDcIps", "172.16.10.10", "listed twice"},
		{"mgmt without tunnel key", "mgmt", map[string]string{"environment": "mgmt", "mgmtStackName": "", "appMinInstances": "1", "vpnTunnel1PreSharedKey": "\x00unset"}, "vpnTunnel1PreSharedKey", "", "pulumi config set --secret vpnTunnel1PreSharedKey"},
		{"tunnel key too short", "mgmt", map[string]string{"environment": "mgmt", "mgmtStackName": "", "appMinInstances": "1", "vpnTunnel1PreSharedKey": "short"}, "vpnTunnel1PreSharedKey", "[secret]", "8-64 letters"},
		{"tunnel key starts with 0", "mgmt", map[string]string{"environment": "mgmt", "mgmtStackName": "", "appMinInstances": "1", "vpnTunnel2PreSharedKey": "0abcdefghij"}, "vpnTunnel2PreSharedKey", "[secret]", "not starting with 0"},
		{"tunnel key with a dash", "mgmt", map[string]string{"environment": "mgmt", "mgmtStackName": "", "appMinInstances": "1", "vpnTunnel2PreSharedKey": "abc-defghij"}, "vpnTunnel2PreSharedKey", "[secret]", "periods or underscores"},
		{"same key on both tunnels", "mgmt", map[string]string{"environment": "mgmt", "mgmtStackName": "", "appMinInstances": "1", "vpnTunnel2PreSharedKey": "Tunnel1.Key_abcdef"}, "vpnTunnel2PreSharedKey", "[secret]", "different from vpnTunnel1PreSharedKey"},
		{"too many on-premise DCs for one group", "prod", map[string]string{"onPremDcIps": `["172.16.10.10","172.16.10.11","172.16.10.12","172.16.10.13"]`}, "onPremDcIps", "4 entries", "from 1 to 3"},
		{"no on-premise DC", "prod", map[string]string{"onPremDcIps": `[]`}, "onPremDcIps", "0 entries", "from 1 to 3"},
		{"KMS deletion window too short", "prod", map[string]string{"kmsDeletionWindowDays": "3"}, "kmsDeletionWindowDays", "3", "from 7 to 30"},
		{"admin CIDR is the internet", "prod", map[string]string{"adminCidrs": `["0.0.0.0/0"]`}, "adminCidrs", "0.0.0.0/0", "no wider than /16"},
		{"admin CIDR malformed", "prod", map[string]string{"adminCidrs": `["office"]`}, "adminCidrs", "office", "an IPv4 CIDR"},
		{"admin CIDRs not a list", "prod", map[string]string{"adminCidrs": "203.0.113.0/28"}, "adminCidrs", "203.0.113.0/28", "a JSON array"},
		{"DBA hosts outside the estate", "prod", map[string]string{"dbaCidrs": `["192.168.1.0/24"]`}, "dbaCidrs", "192.168.1.0/24", "inside onPremCidr"},
		{"DBA CIDR host bits", "prod", map[string]string{"dbaCidrs": `["172.16.20.1/24"]`}, "dbaCidrs", "172.16.20.1/24", "did you mean 172.16.20.0/24"},
		{"no listener port", "prod", map[string]string{"publicListenerPorts": "[]"}, "publicListenerPorts", "[]", "at least one TCP port"},
		{"RDP as a public listener", "prod", map[string]string{"publicListenerPorts": "[443, 3389]"}, "publicListenerPorts", "3389", "not an admin or database port"},
		{"listener port out of range", "prod", map[string]string{"publicListenerPorts": "[70000]"}, "publicListenerPorts", "70000", "from 1 to 65535"},
		{"listener port twice", "prod", map[string]string{"publicListenerPorts": "[443, 443]"}, "publicListenerPorts", "443", "each port once"},
		{"user in an unknown group", "prod", map[string]string{"iamUsers": `[{"name":"asha","groups":["root"]}]`}, "iamUsers", "asha: root", "groups among administrators"},
		{"user without a group", "prod", map[string]string{"iamUsers": `[{"name":"asha","groups":[]}]`}, "iamUsers", "asha", "at least one group"},
		{"user name invalid", "prod", map[string]string{"iamUsers": `[{"name":"asha rao","groups":["read-only"]}]`}, "iamUsers", "asha rao", "an IAM user name"},
		{"user twice", "prod", map[string]string{"iamUsers": `[{"name":"asha","groups":["read-only"]},{"name":"Asha","groups":["read-only"]}]`}, "iamUsers", "Asha", "each user once"},
		{"patch delay too long", "prod", map[string]string{"patchApprovalDelayDays": "90"}, "patchApprovalDelayDays", "90", "from 0 to 30"},
		{"one patch window for two AZs", "prod", map[string]string{"patchWindowSchedules": `["cron(0 1 ? * SUN *)"]`}, "patchWindowSchedules", "cron(0 1 ? * SUN *)", "one schedule per AZ"},
		{"both AZs in the same window", "prod", map[string]string{"patchWindowSchedules": `["cron(0 1 ? * SUN *)","cron(0 1 ? * SUN *)"]`}, "patchWindowSchedules", "cron(0 1 ? * SUN *)", "a different schedule per AZ"},
		{"AZ b starts while AZ a still patches", "prod", map[string]string{"patchWindowSchedules": `["cron(0 1 ? * SUN *)","cron(0 2 ? * SUN *)"]`}, "patchWindowSchedules", "cron(0 2 ? * SUN *)", "at least 3 hours"},
		{"AZ b overlaps across midnight", "prod", map[string]string{"patchWindowSchedules": `["cron(0 23 ? * SAT *)","cron(0 1 ? * SUN *)"]`}, "patchWindowSchedules", "cron(0 1 ? * SUN *)", "at least 3 hours"},
		{"schedule not cron", "prod", map[string]string{"patchWindowSchedules": `["sunday 1am","cron(0 5 ? * SUN *)"]`}, "patchWindowSchedules", "sunday 1am", "a cron(...) or rate(...)"},
		{"patch window too short", "prod", map[string]string{"patchWindowHours": "1"}, "patchWindowHours", "1", "from 2 to 24"},
		{"prod without its TLS certificate", "prod", map[string]string{"tlsCertificate": "\x00unset"}, "tlsCertificate", "", "pulumi config set --secret"},
		{"audit logs kept one year", "prod", map[string]string{"auditLogRetentionDays": "365"}, "auditLogRetentionDays", "365", "RBI: ten years"},
		{"edge NACL over the rule quota", "prod", map[string]string{"azCount": "3", "patchWindowSchedules": `["cron(0 1 ? * SUN *)","cron(0 5 ? * SUN *)","cron(0 9 ? * SUN *)"]`, "publicListenerPorts": "[25, 80, 119, 443, 465, 563, 587, 636, 993, 995]"}, "publicListenerPorts", "[25 80 119 443 465 563 587 636 993 995]", "edge NACL fits AWS's 20 rules per direction (it would need 21 ingress"},
		{"unknown lock mode", "prod", map[string]string{"auditLogLockMode": "LEGAL_HOLD"}, "auditLogLockMode", "LEGAL_HOLD", "one of COMPLIANCE, GOVERNANCE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			values := valid()
			for k, v := range tc.set {
				if !strings.Contains(k, ":") {
					k = FullKey(k)
				}
				if v == "\x00unset" {
					delete(values, k)
				} else {
					values[k] = v
				}
			}
			_, err := load(t, tc.stack, values)
			require.Error(t, err)
			var errs Errors
			require.ErrorAs(t, err, &errs)
			key := tc.key
			if !strings.Contains(key, ":") {
				key = FullKey(key)
			}
			var found *FieldError
			for i := range errs {
				if errs[i].Key == key {
					found = &errs[i]
				}
			}
			require.NotNil(t, found, "no error for %s in:\n%v", key, err)
			assert.Equal(t, tc.value, found.Value)
			assert.Contains(t, found.Expected, tc.expected)
			assert.Contains(t, err.Error(), key)
		})
	}
}

func TestAllErrorsReportedTogether(t *testing.T) {
	values := valid()
	values[RegionKey] = "us-east-1"
	values[FullKey("azCount")] = "5"
	values[FullKey("uatVpcCidr")] = "10.10.0.0/20" // same as mgmt
	values[FullKey("sqlNodeCount")] = "0"
	_, err := load(t, "prod", values)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	keys := map[string]bool{}
	for _, e := range errs {
		keys[e.Key] = true
	}
	for _, k := range []string{RegionKey, FullKey("azCount"), FullKey("uatVpcCidr"), FullKey("sqlNodeCount")} {
		assert.True(t, keys[k], "missing error for %s in %v", k, err)
	}
}

func TestOverrideAllowsDataOutsideIndiaWithWarning(t *testing.T) {
	values := valid()
	values[RegionKey] = "eu-west-1"
	values[FullKey("allowDataOutsideIndia")] = "true"
	c, err := load(t, "prod", values)
	require.NoError(t, err)
	require.Len(t, c.Warnings(), 1)
	assert.Contains(t, c.Warnings()[0], "leaves India")
}

func TestEndOfLifeWindowsAllowedWithFlagAndWarning(t *testing.T) {
	values := valid()
	values[FullKey("windowsVersion")] = "2012-R2"
	values[FullKey("allowEndOfLifeWindows")] = "true"
	c, err := load(t, "prod", values)
	require.NoError(t, err)
	require.Len(t, c.Warnings(), 1)
	assert.Contains(t, c.Warnings()[0], "out of extended support since 2023-10-10")
	assert.Equal(t, "Windows_Server-2012-R2_RTM", c.Release().AMIName)
}

func TestEndOfLifeFollowsTheCalendar(t *testing.T) {
	defer func(orig func() time.Time) { Today = orig }(Today)
	values := valid()
	values[FullKey("windowsVersion")] = "2016"
	Today = func() time.Time { return date("2027-01-11") }
	_, err := load(t, "prod", values)
	require.NoError(t, err, "2016 is supported until 12 January 2027")
	Today = func() time.Time { return date("2027-01-12") }
	_, err = load(t, "prod", values)
	require.ErrorContains(t, err, "ended extended support on 2027-01-12")
}

func TestStackNamedAfterRoleWithSuffix(t *testing.T) {
	values := valid()
	_, err := load(t, "prod-canary", values)
	require.NoError(t, err)
}

func TestMgmtNeedsNoStackReference(t *testing.T) {
	values := validMgmt()
	delete(values, FullKey("tlsCertificate")) // mgmt serves no IIS site
	c, err := load(t, "mgmt", values)
	require.NoError(t, err)
	assert.Empty(t, c.Security.TLSCertificate)
}

func TestStructuredSecurityKeysDecode(t *testing.T) {
	c, err := load(t, "prod", valid())
	require.NoError(t, err)
	assert.Equal(t, []int{443, 8443}, c.Security.PublicListenerPorts)
	assert.Equal(t, []string{"203.0.113.0/28"}, c.Security.AdminCidrs)
	assert.Equal(t, []IAMUser{{Name: "asha.rao", Groups: []string{"administrators", "security-auditors"}}}, c.Security.Users)
	assert.Len(t, c.Security.PatchWindowSchedules, 2)
}

// Pulumi.yaml must declare exactly the keys the program reads, with the same type and
// description, and a default for every key but the per-stack environment.
func TestPulumiYamlDeclaresEveryKey(t *testing.T) {
	raw, err := os.ReadFile("../Pulumi.yaml")
	require.NoError(t, err)
	var doc struct {
		Name   string `yaml:"name"`
		Config map[string]struct {
			Type        string `yaml:"type"`
			Description string `yaml:"description"`
			Default     any    `yaml:"default"`
			Secret      bool   `yaml:"secret"`
			Items       *struct {
				Type string `yaml:"type"`
			} `yaml:"items"`
		} `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	assert.Equal(t, Project, doc.Name)
	declared := map[string]bool{}
	for _, k := range Keys {
		declared[k.Name] = true
		d, ok := doc.Config[k.Name]
		if !assert.True(t, ok, "Pulumi.yaml does not declare %s", k.Name) {
			continue
		}
		assert.Equal(t, string(k.Type), d.Type, k.Name)
		assert.Equal(t, k.Description, d.Description, k.Name)
		assert.Equal(t, k.Secret(), d.Secret, "%s: secret in Pulumi.yaml must match the key table", k.Name)
		if k.Type == Array {
			assert.NotNil(t, d.Items, "%s: an array needs items", k.Name)
		}
		switch {
		case k.Secret():
			assert.Nil(t, d.Default, "%s is a secret: only stack files set it, encrypted", k.Name)
		case k.Name != "environment":
			assert.NotNil(t, d.Default, "%s has no default in Pulumi.yaml", k.Name)
		}
	}
	for name := range doc.Config {
		assert.True(t, declared[name], "Pulumi.yaml declares %s, which the program never reads", name)
	}
}

// The README's configuration reference lists every key with its type.
func TestReadmeDocumentsEveryKey(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	for _, k := range Keys {
		row := fmt.Sprintf("| `%s` | %s |", k.Name, k.Type)
		assert.True(t, strings.Contains(string(raw), row), "README's configuration reference has no row starting %q", row)
	}
}

func TestSecretsNeverAppearInErrors(t *testing.T) {
	values := validMgmt()
	values[FullKey("vpnTunnel1PreSharedKey")] = "sh0rt-secret"
	values[FullKey("vpnTunnel2PreSharedKey")] = "sh0rt-secret"
	_, err := load(t, "mgmt", values)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "sh0rt-secret")
}

func TestWorkloadStacksNeedNoTunnelKeys(t *testing.T) {
	values := valid()
	delete(values, FullKey("vpnTunnel1PreSharedKey"))
	delete(values, FullKey("vpnTunnel2PreSharedKey"))
	c, err := load(t, "prod", values)
	require.NoError(t, err)
	assert.Empty(t, c.NetworkServices.VPN.Tunnel1PSK)
	var dcs []string
	for _, ip := range c.OnPremDCs() {
		dcs = append(dcs, ip.String())
	}
	assert.Equal(t, []string{"172.16.10.10", "172.16.10.11"}, dcs)
}

func TestDocumentationVpnPeerWarnsInMgmt(t *testing.T) {
	values := validMgmt()
	values[FullKey("onPremVpnPeerIp")] = "203.0.113.10"
	c, err := load(t, "mgmt", values)
	require.NoError(t, err)
	require.Len(t, c.Warnings(), 1)
	assert.Contains(t, c.Warnings()[0], "documentation address")
}

func TestPlainTunnelKeyIsRefused(t *testing.T) {
	values := validMgmt()
	c, err := load(t, "mgmt", values)
	require.NoError(t, err)
	secure := map[string]bool{FullKey("vpnTunnel1PreSharedKey"): true, FullKey("tlsCertificate"): true}
	err = c.CheckSecrets(func(k string) bool { return secure[k] })
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1)
	assert.Equal(t, FullKey("vpnTunnel2PreSharedKey"), errs[0].Key)
	assert.Equal(t, "[secret]", errs[0].Value)
	assert.Contains(t, errs[0].Expected, "pulumi config set --secret vpnTunnel2PreSharedKey")
	assert.NotContains(t, err.Error(), "Tunnel2.Key_abcdef")

	secure[FullKey("vpnTunnel2PreSharedKey")] = true
	require.NoError(t, c.CheckSecrets(func(k string) bool { return secure[k] }))
	// uat and prod leave the keys empty, which is not a plain secret.
	values = valid()
	values[FullKey("vpnTunnel1PreSharedKey")], values[FullKey("vpnTunnel2PreSharedKey")] = "", ""
	c, err = load(t, "prod", values)
	require.NoError(t, err)
	require.NoError(t, c.CheckSecrets(func(k string) bool { return k == FullKey("tlsCertificate") }))
}

// The CLI refuses a stack that leaves a key declared without a default unset, and a
// secret key set in plain text: every stack file sets the secrets, encrypted.
func TestEveryStackFileSetsTheSecretKeysEncrypted(t *testing.T) {
	for _, env := range Environments {
		raw, err := os.ReadFile("../Pulumi." + string(env) + ".yaml")
		require.NoError(t, err)
		var doc struct {
			Config map[string]any `yaml:"config"`
		}
		require.NoError(t, yaml.Unmarshal(raw, &doc))
		for _, k := range Keys {
			if !k.Secret() {
				continue
			}
			v, ok := doc.Config[FullKey(k.Name)].(map[string]any)
			if assert.True(t, ok, "Pulumi.%s.yaml must set %s as a secure value", env, k.Name) {
				assert.Contains(t, v, "secure")
			}
		}
	}
}
