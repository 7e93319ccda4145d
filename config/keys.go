package config

import "slices"

// Project is the Pulumi project name; config keys are namespaced with it.
const Project = "giftcard-platform"

// Type is the Pulumi.yaml schema type of a config key.
type Type string

const (
	String  Type = "string"
	Integer Type = "integer"
	Boolean Type = "boolean"
	// Array and Object values arrive as JSON (the CLI and the offline plan both render
	// structured config that way) and are json-decoded into their field.
	Array  Type = "array"
	Object Type = "object"
)

// Key declares one project config key the program reads. The table below is the single
// list of keys: the loader binds each to its field, and a test holds Pulumi.yaml to it
// (same keys, same types, same descriptions, a default for every key), so the CLI and
// the offline plan can never read different sets of keys. Defaults live only in
// Pulumi.yaml; the offline plan applies them exactly as the CLI does.
type Key struct {
	Name        string
	Type        Type
	Description string
	bind        func(c *Config) any // pointer to the field the value lands in
}

// secretKeys names the keys whose values are config secrets. Pulumi.yaml declares them
// `secret: true` without a default, so the CLI requires every stack file to set them
// encrypted (a stack that never reads one sets a dummy); the loader accepts them unset
// (validation says where one is required), CheckSecrets refuses a plain value, and errors
// never echo their values.
var secretKeys = map[string]bool{}

func secretKey(k Key) Key {
	secretKeys[k.Name] = true
	return k
}

// Secret is true for a key whose value is a config secret.
func (k Key) Secret() bool { return secretKeys[k.Name] }

// Keys is every project key, in the order the README's config reference lists them:
// the core keys here, then each concern's keys from its own file.
var Keys = slices.Concat(coreKeys, networkKeys, securityKeys)

var coreKeys = []Key{
	{"environment", String, "Role of this stack: mgmt, uat or prod. Must match the stack name.", func(c *Config) any { return &c.Environment }},
	{"owner", String, "Team that owns the estate; the owner tag on every resource.", func(c *Config) any { return &c.Tags.Owner }},
	{"costCentre", String, "Cost centre billed for the estate; the cost-centre tag.", func(c *Config) any { return &c.Tags.CostCentre }},
	{"dataClassification", String, "Data classification tag: public, internal, confidential or restricted.", func(c *Config) any { return &c.Tags.DataClassification }},
	{"allowDataOutsideIndia", Boolean, "Permit AWS or Azure regions outside India. Payment data must stay in India (RBI, 6 April 2018); the data-localisation control still fails.", func(c *Config) any { return &c.AllowDataOutsideIndia }},
	{"drRegion", String, "Azure region of the disaster-recovery site (centralindia, southindia, westindia).", func(c *Config) any { return &c.DRRegion }},
	{"azCount", Integer, "Availability zones each VPC spans: 2 or 3.", func(c *Config) any { return &c.AZCount }},
	{"mgmtVpcCidr", String, "IPv4 CIDR of the management VPC.", func(c *Config) any { return &c.Network.Mgmt }},
	{"uatVpcCidr", String, "IPv4 CIDR of the UAT VPC.", func(c *Config) any { return &c.Network.Uat }},
	{"prodVpcCidr", String, "IPv4 CIDR of the production VPC.", func(c *Config) any { return &c.Network.Prod }},
	{"onPremCidr", String, "IPv4 CIDR of the on-premise data centre, reached over the site-to-site VPN.", func(c *Config) any { return &c.Network.OnPrem }},
	{"drVnetCidr", String, "IPv4 CIDR of the Azure DR virtual network.", func(c *Config) any { return &c.Network.DR }},
	{"windowsVersion", String, "Windows Server version of every Windows instance: 2016, 2019, 2022 or 2025.", func(c *Config) any { return &c.Windows.Version }},
	{"allowEndOfLifeWindows", Boolean, "Accept a Windows Server version past Microsoft's end of extended support (with a warning).", func(c *Config) any { return &c.Windows.AllowEndOfLife }},
	{"appInstanceType", String, "EC2 instance type of the IIS/.NET app servers.", func(c *Config) any { return &c.App.InstanceType }},
	{"appMinInstances", Integer, "Minimum size of the app auto scaling group (prod: at least 2).", func(c *Config) any { return &c.App.MinInstances }},
	{"appMaxInstances", Integer, "Maximum size of the app auto scaling group.", func(c *Config) any { return &c.App.MaxInstances }},
	{"sqlInstanceType", String, "EC2 instance type of the SQL Server nodes (EBS-optimised, memory-optimised families).", func(c *Config) any { return &c.SQL.InstanceType }},
	{"sqlNodeCount", Integer, "SQL Server Always On nodes, one per AZ in turn (prod: at least 2).", func(c *Config) any { return &c.SQL.NodeCount }},
	{"mgmtStackName", String, "Fully qualified name of the mgmt stack that uat and prod read (org/project/stack).", func(c *Config) any { return &c.MgmtStackName }},
}

// RegionKey is the AWS provider's own region key; it is set per stack, not in Pulumi.yaml.
const RegionKey = "aws:region"

// FullKey is the namespaced form Pulumi uses for a project key.
func FullKey(name string) string { return Project + ":" + name }
