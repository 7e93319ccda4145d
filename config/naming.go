package config

import "strings"

// Prefix starts every physical and logical name of the estate.
const Prefix = "gc"

// Name is the one naming scheme: gc-<environment>-<parts...>, lower case, dash-joined,
// e.g. gc-prod-app-a for the prod app subnet of AZ a. Logical names and Name tags use it,
// so a console listing and a plan read the same.
func (c *Config) Name(parts ...string) string {
	all := append([]string{Prefix, string(c.Environment)}, parts...)
	return strings.ToLower(strings.Join(all, "-"))
}

// AZSuffix is the letter that names an AZ in resource names ("a" of ap-south-1a).
func AZSuffix(az string) string {
	if az == "" {
		return ""
	}
	return az[len(az)-1:]
}

// DefaultTags are the organisation tags the AWS provider applies to every resource.
// Azure resources carry the same set explicitly.
func (c *Config) DefaultTags() map[string]string {
	return map[string]string{
		"environment":         string(c.Environment),
		"application":         Project,
		"owner":               c.Tags.Owner,
		"cost-centre":         c.Tags.CostCentre,
		"data-classification": c.Tags.DataClassification,
		"managed-by":          "pulumi",
	}
}
