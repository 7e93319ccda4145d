// Package iamgroups is the table of the estate's IAM groups (pure data, no SDK): the
// Identity component creates them, config validation checks users' groups against them,
// and the tests read them.
package iamgroups

// Group is one IAM group: humans get permissions only through groups (CIS 1.15).
type Group struct {
	// Name is the group's short name (the IAM group is gc-<env>-<name>).
	Name string
	// ManagedPolicies are AWS managed policy ARNs attached to the group.
	ManagedPolicies []string
	// ManagesKeys grants the KMS key-administration actions (never use of the keys):
	// an IAM group cannot be a key-policy principal, so key policies grant the account
	// root and this group's IAM policy does the rest.
	ManagesKeys bool
	Purpose     string
}

const awsPolicy = "arn:aws:iam::aws:policy/"

// Groups are every human group of the account, each also bound by the MFA policy.
var Groups = []Group{
	{Name: "administrators", ManagedPolicies: []string{awsPolicy + "AdministratorAccess"}, Purpose: "break-glass account administration"},
	{Name: "network-admins", ManagedPolicies: []string{awsPolicy + "job-function/NetworkAdministrator"}, Purpose: "VPCs, VPN, DNS and load balancers"},
	{Name: "database-admins", ManagedPolicies: []string{awsPolicy + "job-function/DatabaseAdministrator", awsPolicy + "AmazonSSMReadOnlyAccess"}, Purpose: "SQL Server nodes and backups"},
	{Name: "operators", ManagedPolicies: []string{awsPolicy + "ReadOnlyAccess", awsPolicy + "AmazonSSMAutomationApproverAccess"}, Purpose: "day-to-day operation through Systems Manager"},
	{Name: "security-auditors", ManagedPolicies: []string{awsPolicy + "SecurityAudit", awsPolicy + "AWSSecurityHubReadOnlyAccess"}, Purpose: "internal and external auditors (ISO 27001, CISA)"},
	{Name: "read-only", ManagedPolicies: []string{awsPolicy + "ReadOnlyAccess"}, Purpose: "read-only console access"},
	{Name: "key-administrators", ManagesKeys: true, Purpose: "KMS key administration without use of the keys"},
}

// Names lists the group names, in table order.
func Names() []string {
	out := make([]string, len(Groups))
	for i, g := range Groups {
		out[i] = g.Name
	}
	return out
}
