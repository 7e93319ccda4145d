package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/giftcard/platform-infra/security/iamgroups"
	"github.com/giftcard/platform-infra/security/portmatrix"
)

// Security is the configuration of keys, identities, security groups, certificates and patching.
type Security struct {
	// KMSDeletionWindowDays is the waiting period before a scheduled key deletion (7-30).
	KMSDeletionWindowDays int
	// AdminCidrs may reach the RD gateway (443, UDP 3391); nothing else is open to admins
	// from the internet.
	AdminCidrs []string
	// DBACidrs may reach SQL Server on 1433.
	DBACidrs []string
	// PublicListenerPorts are the TCP ports the internet-facing NLBs forward to the
	// firewall untrust interfaces: the only ports open to 0.0.0.0/0.
	PublicListenerPorts []int
	// Users are the IAM users of the account (mgmt stack), each in one or more groups.
	Users []IAMUser
	// PatchApprovalDelayDays is how long after release security and critical updates are approved.
	PatchApprovalDelayDays int
	// PatchWindowSchedules has one maintenance window schedule per AZ index, so the AZs
	// of a tier are never patched at the same time.
	PatchWindowSchedules []string
	// PatchWindowHours is the length of each maintenance window.
	PatchWindowHours int
	// TLSCertificate is the IIS certificate and private key (PEM), a config secret of uat and prod.
	TLSCertificate string
	// AuditLogRetentionDays is how long the log archive keeps audit logs (RBI: ten years).
	AuditLogRetentionDays int
	// AuditLogLockMode is the S3 Object Lock mode of the log archive.
	AuditLogLockMode string
}

// IAMUser is one human user: permissions come only from the groups.
type IAMUser struct {
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
}

var securityKeys = []Key{
	{"kmsDeletionWindowDays", Integer, "Days a scheduled KMS key deletion waits before the key is destroyed (7-30).", func(c *Config) any { return &c.Security.KMSDeletionWindowDays }},
	{"adminCidrs", Array, "Public IPv4 CIDRs of the administrators, allowed to the RD gateway (TCP 443, UDP 3391) only; none wider than /16.", func(c *Config) any { return &c.Security.AdminCidrs }},
	{"dbaCidrs", Array, "IPv4 CIDRs of the DBA hosts allowed to SQL Server on 1433, inside onPremCidr or mgmtVpcCidr.", func(c *Config) any { return &c.Security.DBACidrs }},
	{"publicListenerPorts", Array, "TCP ports of the public NLB listeners, forwarded to the firewall untrust interfaces: the only ports open to the internet.", func(c *Config) any { return &c.Security.PublicListenerPorts }},
	{"iamUsers", Array, "IAM users of the account (mgmt stack): a list of {name, groups}; permissions only through groups, no access keys, no passwords.", func(c *Config) any { return &c.Security.Users }},
	{"patchApprovalDelayDays", Integer, "Days after release that Windows security and critical updates are approved (0-30).", func(c *Config) any { return &c.Security.PatchApprovalDelayDays }},
	{"patchWindowSchedules", Array, "Maintenance window schedules (cron or rate, Asia/Kolkata), one per AZ, all different: AZ a and AZ b never patch together.", func(c *Config) any { return &c.Security.PatchWindowSchedules }},
	{"patchWindowHours", Integer, "Length of each patching maintenance window in hours (2-24).", func(c *Config) any { return &c.Security.PatchWindowHours }},
	secretKey(Key{"tlsCertificate", String, "PEM certificate chain and private key of the IIS sites (uat, prod). Secret: set with `pulumi config set --secret`.", func(c *Config) any { return &c.Security.TLSCertificate }}),
	{"auditLogRetentionDays", Integer, "Days the log archive keeps audit logs under Object Lock (RBI: at least ten years, 3650).", func(c *Config) any { return &c.Security.AuditLogRetentionDays }},
	{"auditLogLockMode", String, "S3 Object Lock mode of the log archive: COMPLIANCE (no one can shorten it) or GOVERNANCE.", func(c *Config) any { return &c.Security.AuditLogLockMode }},
}

var (
	iamUserRE  = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	scheduleRE = regexp.MustCompile(`^(cron|rate)\(.+\)$`)
	lockModes  = []string{"COMPLIANCE", "GOVERNANCE"}
)

// MinAuditLogRetentionDays is ten years: RBI requires transaction and audit logs kept for ten.
const MinAuditLogRetentionDays = 3650

func (c *Config) validateSecurity(errs *Errors) {
	key := FullKey
	s := c.Security
	if s.KMSDeletionWindowDays < 7 || s.KMSDeletionWindowDays > 30 {
		errs.add(key("kmsDeletionWindowDays"), fmt.Sprint(s.KMSDeletionWindowDays), "an integer from 7 to 30 (the KMS limits)")
	}

	// The caps keep every tier's group under EC2's 60-rule quota (portmatrix.MaxRulesPerGroup).
	for _, l := range []struct {
		name string
		n    int
		max  int
	}{{"adminCidrs", len(s.AdminCidrs), 20}, {"dbaCidrs", len(s.DBACidrs), 20}, {"publicListenerPorts", len(s.PublicListenerPorts), 10}} {
		if l.n > l.max {
			errs.add(key(l.name), fmt.Sprintf("%d entries", l.n), fmt.Sprintf("at most %d entries (each becomes rules of a security group, quota 60)", l.max))
		}
	}
	onPrem, _ := netip.ParsePrefix(c.Network.OnPrem)
	mgmt, _ := netip.ParsePrefix(c.Network.Mgmt)
	for _, raw := range s.AdminCidrs {
		p, ok := cidrValue(errs, "adminCidrs", raw)
		if ok && p.Bits() < 16 {
			errs.add(key("adminCidrs"), raw, "a CIDR no wider than /16 (the RD gateway is never open to the whole internet)")
		}
	}
	for _, raw := range s.DBACidrs {
		if p, ok := cidrValue(errs, "dbaCidrs", raw); ok && !within(p, onPrem) && !within(p, mgmt) {
			errs.add(key("dbaCidrs"), raw, fmt.Sprintf("a CIDR inside onPremCidr (%s) or mgmtVpcCidr (%s)", c.Network.OnPrem, c.Network.Mgmt))
		}
	}

	if len(s.PublicListenerPorts) == 0 {
		errs.add(key("publicListenerPorts"), "[]", "at least one TCP port")
	}
	seenPort := map[int]bool{}
	for _, p := range s.PublicListenerPorts {
		switch {
		case p < 1 || p > 65535:
			errs.add(key("publicListenerPorts"), fmt.Sprint(p), "a TCP port from 1 to 65535")
		case portmatrix.IsHighRisk(portmatrix.TCP, p, p):
			errs.add(key("publicListenerPorts"), fmt.Sprint(p), "a port that is not an admin or database port (never open to the internet: CIS 5.3, FSBP EC2.19)")
		case seenPort[p]:
			errs.add(key("publicListenerPorts"), fmt.Sprint(p), "each port once")
		}
		seenPort[p] = true
	}

	groups := iamgroups.Names()
	seenUser := map[string]bool{}
	for _, u := range s.Users {
		switch {
		case !iamUserRE.MatchString(u.Name):
			errs.add(key("iamUsers"), u.Name, "an IAM user name (1-64 letters, digits or +=,.@_-)")
		case seenUser[strings.ToLower(u.Name)]:
			errs.add(key("iamUsers"), u.Name, "each user once (IAM names are case-insensitive)")
		case len(u.Groups) == 0:
			errs.add(key("iamUsers"), u.Name, "a user with at least one group (permissions come only from groups)")
		}
		seenUser[strings.ToLower(u.Name)] = true
		for _, g := range u.Groups {
			if !slices.Contains(groups, g) {
				errs.add(key("iamUsers"), u.Name+": "+g, "groups among "+strings.Join(groups, ", "))
			}
		}
	}

	if s.PatchApprovalDelayDays < 0 || s.PatchApprovalDelayDays > 30 {
		errs.add(key("patchApprovalDelayDays"), fmt.Sprint(s.PatchApprovalDelayDays), "an integer from 0 to 30 (security updates wait at most a month)")
	}
	if len(s.PatchWindowSchedules) < c.AZCount {
		errs.add(key("patchWindowSchedules"), strings.Join(s.PatchWindowSchedules, "; "), fmt.Sprintf("one schedule per AZ (azCount = %d)", c.AZCount))
	}
	seenSchedule := map[string]bool{}
	for _, sch := range s.PatchWindowSchedules {
		switch {
		case !scheduleRE.MatchString(sch):
			errs.add(key("patchWindowSchedules"), sch, "a cron(...) or rate(...) expression")
		case seenSchedule[sch]:
			errs.add(key("patchWindowSchedules"), sch, "a different schedule per AZ (two AZs of a tier never patch together)")
		}
		seenSchedule[sch] = true
	}
	if s.PatchWindowHours >= 2 && s.PatchWindowHours <= 24 {
		for i := 0; i < len(s.PatchWindowSchedules) && i < c.AZCount; i++ {
			for j := i + 1; j < len(s.PatchWindowSchedules) && j < c.AZCount; j++ {
				a, b := s.PatchWindowSchedules[i], s.PatchWindowSchedules[j]
				if a != b && windowsOverlap(a, b, s.PatchWindowHours) {
					errs.add(key("patchWindowSchedules"), b, fmt.Sprintf("a window that starts at least %d hours (patchWindowHours) away from %q: AZs of a tier never patch together", s.PatchWindowHours, a))
				}
			}
		}
	}
	if s.PatchWindowHours < 2 || s.PatchWindowHours > 24 {
		errs.add(key("patchWindowHours"), fmt.Sprint(s.PatchWindowHours), "an integer from 2 to 24 (the last hour is the cutoff)")
	}

	if c.IsWorkload() && strings.TrimSpace(s.TLSCertificate) == "" {
		errs.add(key("tlsCertificate"), "", "the IIS certificate and key, set with `pulumi config set --secret tlsCertificate < bundle.pem`")
	}
	if s.AuditLogRetentionDays < MinAuditLogRetentionDays || s.AuditLogRetentionDays > 36500 {
		errs.add(key("auditLogRetentionDays"), fmt.Sprint(s.AuditLogRetentionDays), fmt.Sprintf("an integer from %d (RBI: ten years) to 36500", MinAuditLogRetentionDays))
	}
	if !slices.Contains(lockModes, s.AuditLogLockMode) {
		errs.add(key("auditLogLockMode"), s.AuditLogLockMode, "one of "+strings.Join(lockModes, ", "))
	}
}

func cidrValue(errs *Errors, name, raw string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(strings.TrimSpace(raw))
	switch {
	case err != nil || !p.Addr().Is4():
		errs.add(FullKey(name), raw, "an IPv4 CIDR such as 203.0.113.0/28")
		return p, false
	case p.Masked() != p:
		errs.add(FullKey(name), raw, fmt.Sprintf("a network address (did you mean %s?)", p.Masked()))
		return p, false
	}
	return p, true
}

func within(inner, outer netip.Prefix) bool {
	return outer.IsValid() && outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// Prefixes parses CIDRs of a validated config.
func Prefixes(raw []string) []netip.Prefix {
	out := make([]netip.Prefix, len(raw))
	for i, r := range raw {
		out[i] = netip.MustParsePrefix(strings.TrimSpace(r))
	}
	return out
}

var (
	weeklyCronRE = regexp.MustCompile(`^cron\((\d{1,2}) (\d{1,2}) \? \* ([A-Z,]+|\*) \*\)$`)
	weekdays     = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// weeklyStarts are a weekly cron's start times in minutes of the week, or nil for an
// expression it does not read (rate, day-of-month, ranges), whose overlap goes unchecked.
func weeklyStarts(expr string) []int {
	m := weeklyCronRE.FindStringSubmatch(expr)
	if m == nil {
		return nil
	}
	var minute, hour int
	fmt.Sscan(m[1], &minute)
	fmt.Sscan(m[2], &hour)
	if minute > 59 || hour > 23 {
		return nil
	}
	days := weekdays
	if m[3] != "*" {
		days = strings.Split(m[3], ",")
	}
	var out []int
	for _, d := range days {
		i := slices.Index(weekdays, d)
		if i < 0 {
			return nil
		}
		out = append(out, i*24*60+hour*60+minute)
	}
	return out
}

// windowsOverlap is true when two weekly windows of the given length share any time.
func windowsOverlap(a, b string, hours int) bool {
	const week = 7 * 24 * 60
	for _, x := range weeklyStarts(a) {
		for _, y := range weeklyStarts(b) {
			d := (x - y + week) % week
			if d < hours*60 || week-d < hours*60 {
				return true
			}
		}
	}
	return false
}
