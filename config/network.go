package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/giftcard/platform-infra/network/flows"
	"github.com/giftcard/platform-infra/network/subnetplan"
)

// NetworkServices configures the network baseline of issue 3: DNS, the on-premise VPN
// and flow logs.
type NetworkServices struct {
	// PlatformDomain is the public hosted zone of the platform's endpoints (mgmt owns it).
	PlatformDomain string
	// PrivateZone is the private hosted zone for internal names, shared by the three VPCs.
	PrivateZone string
	// ADDomain is the Active Directory DNS name; the Resolver forwards it to the DCs and
	// the DHCP options hand it out.
	ADDomain string
	// OnPremDCIPs are the on-premise DC addresses as configured; see OnPremDCs.
	OnPremDCIPs []string
	// FlowLogRetentionDays keeps flow logs and Resolver query logs.
	FlowLogRetentionDays int
	VPN                  VPN
}

// VPN is the site-to-site VPN from the mgmt VPC to the on-premise data centre.
type VPN struct {
	// PeerIP is the on-premise VPN device's public address (the customer gateway).
	PeerIP string
	// BgpASN is the on-premise side's BGP ASN; AmazonSideASN the virtual private gateway's.
	BgpASN, AmazonSideASN int
	// Tunnel1PSK and Tunnel2PSK are the tunnels' pre-shared keys (config secrets).
	Tunnel1PSK, Tunnel2PSK string
}

var networkKeys = []Key{
	{"platformDomain", String, "Public DNS domain of the platform's endpoints; its public hosted zone lives in mgmt.", func(c *Config) any { return &c.NetworkServices.PlatformDomain }},
	{"privateZoneName", String, "Private hosted zone for internal names (SQL listener, internal NLB), associated with all three VPCs.", func(c *Config) any { return &c.NetworkServices.PrivateZone }},
	{"adDomainName", String, "DNS name of the Active Directory domain, forwarded to the domain controllers and set in the DHCP options.", func(c *Config) any { return &c.NetworkServices.ADDomain }},
	{"onPremVpnPeerIp", String, "Public IPv4 address of the on-premise VPN device (customer gateway).", func(c *Config) any { return &c.NetworkServices.VPN.PeerIP }},
	{"onPremBgpAsn", Integer, "BGP ASN of the on-premise VPN device.", func(c *Config) any { return &c.NetworkServices.VPN.BgpASN }},
	{"vpnAmazonSideAsn", Integer, "BGP ASN of the AWS virtual private gateway (64512-65534 or 4200000000-4294967294).", func(c *Config) any { return &c.NetworkServices.VPN.AmazonSideASN }},
	secretKey(Key{"vpnTunnel1PreSharedKey", String, "Pre-shared key of VPN tunnel 1 (mgmt only; set with pulumi config set --secret).", func(c *Config) any { return &c.NetworkServices.VPN.Tunnel1PSK }}),
	secretKey(Key{"vpnTunnel2PreSharedKey", String, "Pre-shared key of VPN tunnel 2 (mgmt only; set with pulumi config set --secret).", func(c *Config) any { return &c.NetworkServices.VPN.Tunnel2PSK }}),
	{"onPremDcIps", Array, "IPv4 addresses of the on-premise domain controllers (at most 3), inside onPremCidr: AD replication over the VPN.", func(c *Config) any { return &c.NetworkServices.OnPremDCIPs }},
	{"flowLogRetentionDays", Integer, "Days CloudWatch keeps VPC flow logs and DNS query logs (a CloudWatch retention value, at least 180).", func(c *Config) any { return &c.NetworkServices.FlowLogRetentionDays }},
}

// CheckSecrets fails for every secret key that holds a value Pulumi does not treat as a
// config secret: a plain value sits unencrypted in the stack file and in the state.
// isSecret is the program's view (ctx.IsConfigSecret), by full key.
func (c *Config) CheckSecrets(isSecret func(fullKey string) bool) error {
	var errs Errors
	for _, k := range Keys {
		if !k.Secret() {
			continue
		}
		if v, _ := k.bind(c).(*string); v != nil && *v != "" && !isSecret(FullKey(k.Name)) {
			errs.add(FullKey(k.Name), redacted, "a config secret, set with `pulumi config set --secret "+k.Name+" <value>` (a plain value is stored unencrypted)")
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// redacted stands for a secret value in a FieldError.
const redacted = "[secret]"

// CloudWatchRetentionDays are the retention values CloudWatch Logs accepts.
var CloudWatchRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// MinLogRetentionDays is CERT-In's direction of 28 April 2022: logs of ICT systems are
// kept for a rolling 180 days, in India.
const MinLogRetentionDays = 180

var (
	dnsLabel = `[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?`
	dnsName  = regexp.MustCompile(`^` + dnsLabel + `(\.` + dnsLabel + `)+$`)
	// AWS: 8-64 characters of letters, digits, periods and underscores, not starting with 0.
	pskRE = regexp.MustCompile(`^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$`)
	// ASNs AWS reserves for its own regions' gateways.
	reservedASNs = []int{7224, 9059, 10124, 17493}
	docNets      = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")}
	sharedNAT    = netip.MustParsePrefix("100.64.0.0/10")
)

// OnPremDCs are the on-premise domain controllers. Call only on a validated Config.
func (c *Config) OnPremDCs() []netip.Addr {
	var out []netip.Addr
	for _, s := range c.NetworkServices.OnPremDCIPs {
		out = append(out, netip.MustParseAddr(strings.TrimSpace(s)))
	}
	return out
}

// OnPremDCPrefixes are the on-premise domain controllers as /32 ranges, for rules.
func (c *Config) OnPremDCPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, ip := range c.OnPremDCs() {
		out = append(out, netip.PrefixFrom(ip, 32))
	}
	return out
}

func (c *Config) validateNetworkServices(errs *Errors) {
	key := FullKey
	n := c.NetworkServices
	for _, d := range []struct{ name, value string }{{"platformDomain", n.PlatformDomain}, {"privateZoneName", n.PrivateZone}, {"adDomainName", n.ADDomain}} {
		if len(d.value) > 253 || !dnsName.MatchString(d.value) {
			errs.add(key(d.name), d.value, "a lower-case DNS name of at least two labels, such as corp.example.in")
		}
	}
	if dnsName.MatchString(n.PrivateZone) && dnsName.MatchString(n.ADDomain) &&
		(n.PrivateZone == n.ADDomain || strings.HasSuffix(n.PrivateZone, "."+n.ADDomain)) {
		errs.add(key("privateZoneName"), n.PrivateZone, fmt.Sprintf("a zone outside the AD domain %s (the Resolver rule forwards every name under it to the domain controllers, which would shadow the private zone)", n.ADDomain))
	}

	if days := n.FlowLogRetentionDays; !slices.Contains(CloudWatchRetentionDays, days) || days < MinLogRetentionDays {
		var allowed []string
		for _, d := range CloudWatchRetentionDays {
			if d >= MinLogRetentionDays {
				allowed = append(allowed, fmt.Sprint(d))
			}
		}
		errs.add(key("flowLogRetentionDays"), fmt.Sprint(days), fmt.Sprintf("a CloudWatch Logs retention of at least %d days (CERT-In, 28 April 2022): one of %s", MinLogRetentionDays, strings.Join(allowed, ", ")))
	}

	c.validateOnPremDCs(errs)
	c.validateVPN(errs)
}

// maxOnPremDCs keeps the directory security groups under EC2's 60-rule quota: each DC
// becomes a rule per AD port (portmatrix.MaxRulesPerGroup).
const maxOnPremDCs = 3

func (c *Config) validateOnPremDCs(errs *Errors) {
	k, list := FullKey("onPremDcIps"), c.NetworkServices.OnPremDCIPs
	if len(list) == 0 || len(list) > maxOnPremDCs {
		errs.add(k, fmt.Sprintf("%d entries", len(list)), fmt.Sprintf("from 1 to %d addresses (each becomes a rule per AD port in a security group, quota 60)", maxOnPremDCs))
	}
	onPrem, err := netip.ParsePrefix(strings.TrimSpace(c.Network.OnPrem))
	seen := map[netip.Addr]bool{}
	for _, s := range list {
		ip, perr := netip.ParseAddr(strings.TrimSpace(s))
		switch {
		case perr != nil || !ip.Is4():
			errs.add(k, s, "IPv4 addresses such as [\"172.16.10.10\", \"172.16.10.11\"]")
		case err == nil && !onPrem.Contains(ip):
			errs.add(k, s, fmt.Sprintf("addresses inside %s = %s", FullKey("onPremCidr"), onPrem))
		case seen[ip]:
			errs.add(k, s, "distinct addresses (it is listed twice)")
		}
		seen[ip] = true
	}
}

func (c *Config) validateVPN(errs *Errors) {
	key := FullKey
	v := c.NetworkServices.VPN
	ip, err := netip.ParseAddr(strings.TrimSpace(v.PeerIP))
	switch {
	case err != nil || !ip.Is4():
		errs.add(key("onPremVpnPeerIp"), v.PeerIP, "an IPv4 address such as 198.51.100.10")
	case !ip.IsGlobalUnicast() || ip.IsPrivate() || sharedNAT.Contains(ip):
		errs.add(key("onPremVpnPeerIp"), v.PeerIP, "a public, internet-routable IPv4 address (AWS customer gateways must be reachable over the internet)")
	}

	amazonOK := (v.AmazonSideASN >= 64512 && v.AmazonSideASN <= 65534) || (v.AmazonSideASN >= 4200000000 && v.AmazonSideASN <= 4294967294)
	if !amazonOK {
		errs.add(key("vpnAmazonSideAsn"), fmt.Sprint(v.AmazonSideASN), "a private ASN: 64512-65534 or 4200000000-4294967294")
	}
	switch {
	case v.BgpASN < 1 || v.BgpASN > 2147483647:
		errs.add(key("onPremBgpAsn"), fmt.Sprint(v.BgpASN), "a BGP ASN from 1 to 2147483647 (AWS customer gateway range)")
	case slices.Contains(reservedASNs, v.BgpASN):
		errs.add(key("onPremBgpAsn"), fmt.Sprint(v.BgpASN), "an ASN AWS does not reserve for itself (7224, 9059, 10124, 17493 are reserved)")
	case amazonOK && v.BgpASN == v.AmazonSideASN:
		errs.add(key("onPremBgpAsn"), fmt.Sprint(v.BgpASN), fmt.Sprintf("an ASN different from %s = %d (eBGP needs two autonomous systems)", key("vpnAmazonSideAsn"), v.AmazonSideASN))
	}

	if c.Environment != Mgmt {
		return // only mgmt builds the VPN; uat and prod never read the keys
	}
	for _, p := range []struct{ name, value string }{{"vpnTunnel1PreSharedKey", v.Tunnel1PSK}, {"vpnTunnel2PreSharedKey", v.Tunnel2PSK}} {
		switch {
		case p.value == "":
			errs.add(key(p.name), "", "a pre-shared key in the mgmt stack, set with `pulumi config set --secret "+p.name+" <key>`")
		case !pskRE.MatchString(p.value):
			errs.add(key(p.name), redacted, "8-64 letters, digits, periods or underscores, not starting with 0 (AWS's pre-shared key rules)")
		}
	}
	if v.Tunnel1PSK != "" && v.Tunnel1PSK == v.Tunnel2PSK {
		errs.add(key("vpnTunnel2PreSharedKey"), redacted, "a key different from vpnTunnel1PreSharedKey (one leaked key must not open both tunnels)")
	}
}

// networkWarnings are accepted but risky network choices.
func (c *Config) networkWarnings() []string {
	ip, err := netip.ParseAddr(c.NetworkServices.VPN.PeerIP)
	if err != nil || c.Environment != Mgmt {
		return nil
	}
	for _, d := range docNets {
		if d.Contains(ip) {
			return []string{fmt.Sprintf("%s = %s is a documentation address (RFC 5737); set the on-premise VPN device's address before deploying", FullKey("onPremVpnPeerIp"), ip)}
		}
	}
	return nil
}

// PeerCidrs are the VPC ranges this stack's VPC is peered with: mgmt for uat and prod,
// uat and prod for mgmt. Call only on a validated Config.
func (c *Config) PeerCidrs() []netip.Prefix {
	if c.Environment == Mgmt {
		return []netip.Prefix{c.CidrOf(Uat), c.CidrOf(Prod)}
	}
	return []netip.Prefix{c.CidrOf(Mgmt)}
}

// validateNaclQuota derives this stack's NACLs from the flow table, as the program will,
// and fails a configuration whose NACL of some tier needs more rules than AWS allows per
// direction: every AZ adds a rule per local subnet, every listener port below 1024 one
// from the internet, every on-premise DC one. Run it on an otherwise valid Config.
func (c *Config) validateNaclQuota(errs *Errors) {
	role := flows.RoleOf(c.Environment == Mgmt)
	plan, err := subnetplan.Carve(c.VpcCidr(), subnetplan.LayoutFor(c.Environment == Mgmt), c.AZCount)
	if err != nil {
		return // reported with the VPC's range
	}
	acls, err := flows.NACLs(flows.Table, flows.Addresses{
		Role: role, VPC: c.VpcCidr(), Tiers: flows.TierCIDRs(plan), Peers: c.PeerCidrs(),
		OnPrem: netip.MustParsePrefix(c.Network.OnPrem), OnPremDCs: c.OnPremDCs(), ListenerPorts: c.Security.PublicListenerPorts,
	})
	if err != nil {
		errs.add(FullKey("publicListenerPorts"), fmt.Sprint(c.Security.PublicListenerPorts), "ports the NACLs can admit: "+err.Error())
		return
	}
	listenerTiers := map[string]bool{}
	for _, f := range flows.Table {
		if f.PublicListeners && f.To.VPC == role {
			listenerTiers[f.To.Tier], listenerTiers[f.Via] = true, true
		}
	}
	for _, tier := range subnetplan.LayoutFor(c.Environment == Mgmt) {
		acl := acls[tier.Name]
		n := max(len(acl.Ingress), len(acl.Egress))
		if n <= flows.RuleQuota {
			continue
		}
		problem := fmt.Sprintf("a configuration whose %s NACL fits AWS's %d rules per direction (it would need %d ingress and %d egress rules)", tier.Name, flows.RuleQuota, len(acl.Ingress), len(acl.Egress))
		if listenerTiers[tier.Name] {
			errs.add(FullKey("publicListenerPorts"), fmt.Sprint(c.Security.PublicListenerPorts), problem+": fewer listener ports below 1024")
		} else {
			errs.add(FullKey("azCount"), fmt.Sprint(c.AZCount), problem+": fewer AZs or on-premise DCs")
		}
	}
}
