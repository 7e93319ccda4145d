package controls

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/network/flows"
)

// Type tokens of the network baseline resources the rules read.
const (
	TypeFlowLog           = "aws:ec2/flowLog:FlowLog"
	TypeLogGroup          = "aws:cloudwatch/logGroup:LogGroup"
	TypeDefaultSG         = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	TypeDefaultNacl       = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
	TypeNetworkAcl        = "aws:ec2/networkAcl:NetworkAcl"
	TypeNetworkAclRule    = "aws:ec2/networkAclRule:NetworkAclRule"
	TypeNetworkAclAssoc   = "aws:ec2/networkAclAssociation:NetworkAclAssociation"
	TypeSecurityGroupRule = "aws:ec2/securityGroupRule:SecurityGroupRule"
	TypeSGIngressRule     = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	TypeSGEgressRule      = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	TypeVpcEndpoint       = "aws:ec2/vpcEndpoint:VpcEndpoint"
	TypePeering           = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
	TypeVpnConnection     = "aws:ec2/vpnConnection:VpnConnection"
)

// Workload environments may peer with mgmt, and nothing else may peer at all.
var peeringEnvironments = []string{"uat", "prod"}

// MgmtVpcIDOutput is the stack output in which uat and prod record the mgmt VPC they
// read through the StackReference: the only VPC they may peer with.
const (
	MgmtVpcIDOutput   = "mgmtVpcId"
	MgmtVpcCidrOutput = "mgmtVpcCidr"
)

var flowLogsOnEveryVpc = Control{
	ID:         "GC-NET-3",
	Title:      "Every VPC has a flow log of all traffic to a KMS-encrypted log group kept at least 180 days",
	Severity:   High,
	Frameworks: []string{"CIS-AWS-4.0 3.7", "FSBP EC2.6", "CERT-In Directions 2022 (logs 180 days)"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		vpcs := s.OfType(TypeVpc)
		var failures []Failure
		for _, vpc := range vpcs {
			var logs []*inventory.Resource
			for _, fl := range s.OfType(TypeFlowLog) {
				if inventory.String(fl, "vpcId") == vpc.ID {
					logs = append(logs, fl)
				}
			}
			if len(logs) == 0 {
				failures = append(failures, fail(vpc, "has no flow log"))
			}
			for _, fl := range logs {
				if tt := inventory.String(fl, "trafficType"); tt != "ALL" {
					failures = append(failures, fail(fl, fmt.Sprintf("logs %q traffic, not ALL (accepted and rejected)", tt)))
				}
				failures = append(failures, checkFlowLogDestination(s, fl)...)
			}
		}
		return len(vpcs) > 0, failures
	},
}

func checkFlowLogDestination(s *inventory.Stack, fl *inventory.Resource) []Failure {
	dest := inventory.String(fl, "logDestination")
	switch inventory.String(fl, "logDestinationType") {
	case "", "cloud-watch-logs":
		if inventory.String(fl, "iamRoleArn") == "" {
			return []Failure{fail(fl, "delivers to CloudWatch Logs without a delivery role")}
		}
		group := logGroupByArn(s, dest)
		if group == nil {
			group = s.Named(inventory.String(fl, "logGroupName"), TypeLogGroup)
		}
		if group == nil {
			return []Failure{fail(fl, fmt.Sprintf("its log group %q is not declared by this stack, so its encryption and retention are unchecked", dest))}
		}
		var out []Failure
		if inventory.String(group, "kmsKeyId") == "" {
			out = append(out, fail(group, "holds flow logs without a customer-managed KMS key"))
		}
		switch days, _ := group.Inputs["retentionInDays"].(float64); {
		case days <= 0:
			out = append(out, fail(group, "holds flow logs with no retention set"))
		case days < config.MinLogRetentionDays:
			out = append(out, fail(group, fmt.Sprintf("keeps flow logs %v days; CERT-In requires at least %d", days, config.MinLogRetentionDays)))
		}
		return out
	case "s3", "kinesis-data-firehose":
		if dest == "" {
			return []Failure{fail(fl, "has no destination")}
		}
		return nil
	default:
		return []Failure{fail(fl, fmt.Sprintf("unknown destination type %q", inventory.String(fl, "logDestinationType")))}
	}
}

// logGroupByArn finds a declared log group by the ARN a resource was given
// (arn:aws:logs:<region>:<account>:log-group:<name>).
func logGroupByArn(s *inventory.Stack, arn string) *inventory.Resource {
	_, name, ok := strings.Cut(arn, ":log-group:")
	if !ok {
		return nil
	}
	name = strings.TrimSuffix(name, ":*")
	for _, g := range s.OfType(TypeLogGroup) {
		if inventory.String(g, "name") == name {
			return g
		}
	}
	return nil
}

var defaultsStripped = Control{
	ID:         "GC-NET-4",
	Title:      "The default security group and default NACL of every VPC are adopted with no rules, and no subnet is left on the default NACL",
	Severity:   High,
	Frameworks: []string{"CIS-AWS-4.0 5.5", "FSBP EC2.2"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		vpcs := s.OfType(TypeVpc)
		var failures []Failure
		for _, vpc := range vpcs {
			var sgs, nacls []*inventory.Resource
			for _, sg := range s.OfType(TypeDefaultSG) {
				if inventory.String(sg, "vpcId") == vpc.ID {
					sgs = append(sgs, sg)
				}
			}
			for _, n := range s.OfType(TypeDefaultNacl) {
				if vpcOfDefaultNacl(s, n) == vpc.ID {
					nacls = append(nacls, n)
				}
			}
			if len(sgs) == 0 {
				failures = append(failures, fail(vpc, "its default security group is not adopted, so AWS's allow-all rules stay"))
			}
			if len(nacls) == 0 {
				failures = append(failures, fail(vpc, "its default NACL is not adopted, so AWS's allow-all rules stay"))
			}
			for _, r := range append(sgs, nacls...) {
				if n := len(inventory.List(r.Inputs["ingress"])) + len(inventory.List(r.Inputs["egress"])); n > 0 {
					failures = append(failures, fail(r, fmt.Sprintf("keeps %d rule(s); the default must allow nothing", n)))
				}
			}
			for _, sg := range sgs {
				for _, typ := range []string{TypeSecurityGroupRule, TypeSGIngressRule, TypeSGEgressRule} {
					for _, rule := range s.OfType(typ) {
						if inventory.String(rule, "securityGroupId") == sg.ID {
							failures = append(failures, fail(rule, "adds a rule to the default security group"))
						}
					}
				}
			}
			failures = append(failures, subnetsOnDefaultNacl(s, vpc)...)
		}
		return len(vpcs) > 0, failures
	},
}

// vpcOfDefaultNacl is the VPC a DefaultNetworkAcl adopts. Its only input is the VPC's
// computed defaultNetworkAclId, so the VPC is the one its adopting component declares
// (the component's vpcId input), or, failing that, the VPC of the NACLs beside it.
func vpcOfDefaultNacl(s *inventory.Stack, n *inventory.Resource) string {
	comp := s.Component(n)
	if comp == nil {
		return ""
	}
	if id := inventory.String(comp, "vpcId"); id != "" {
		return id
	}
	for _, sib := range s.Children(comp.URN) {
		if sib.Type == TypeNetworkAcl {
			return inventory.String(sib, "vpcId")
		}
	}
	return ""
}

func subnetsOnDefaultNacl(s *inventory.Stack, vpc *inventory.Resource) []Failure {
	associated := map[string]bool{}
	for _, a := range s.OfType(TypeNetworkAclAssoc) {
		associated[inventory.String(a, "subnetId")] = true
	}
	for _, acl := range s.OfType(TypeNetworkAcl) {
		for _, id := range inventory.List(acl.Inputs["subnetIds"]) {
			if sid, ok := id.(string); ok {
				associated[sid] = true
			}
		}
	}
	var out []Failure
	for _, sn := range s.OfType(TypeSubnet) {
		if inventory.String(sn, "vpcId") == vpc.ID && !associated[sn.ID] {
			out = append(out, fail(sn, "is left on the default NACL instead of its tier's NACL"))
		}
	}
	return out
}

var noNaclAdminPortsFromAnywhere = Control{
	ID:         "GC-NET-5",
	Title:      "No NACL admits SSH (22) or RDP (3389) from 0.0.0.0/0 or ::/0",
	Severity:   High,
	Frameworks: []string{"CIS-AWS-4.0 5.2", "FSBP EC2.21"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		applicable := false
		var failures []Failure
		check := func(r *inventory.Resource, rule map[string]any, where string) {
			if action := strings.ToLower(str(rule, "action", "ruleAction")); action != "allow" {
				return
			}
			cidr := str(rule, "cidrBlock") + str(rule, "ipv6CidrBlock")
			if cidr != "0.0.0.0/0" && cidr != "::/0" {
				return
			}
			for _, port := range flows.AdminPorts {
				if ruleCoversPort(rule, port) {
					failures = append(failures, fail(r, fmt.Sprintf("%s admits port %d from %s (protocol %s, ports %v-%v)", where, port, cidr, str(rule, "protocol"), rule["fromPort"], rule["toPort"])))
				}
			}
		}
		for _, typ := range []string{TypeNetworkAcl, TypeDefaultNacl} {
			for _, acl := range s.OfType(typ) {
				applicable = true
				for _, in := range inventory.List(acl.Inputs["ingress"]) {
					if m, ok := in.(map[string]any); ok {
						check(acl, m, fmt.Sprintf("ingress rule %v", m["ruleNo"]))
					}
				}
			}
		}
		for _, r := range s.OfType(TypeNetworkAclRule) {
			applicable = true
			if !inventory.Bool(r, "egress") {
				check(r, r.Inputs, fmt.Sprintf("ingress rule %v", r.Inputs["ruleNumber"]))
			}
		}
		return applicable, failures
	},
}

// ruleCoversPort reads a NACL entry's protocol (number or name) and port range.
func ruleCoversPort(rule map[string]any, port int) bool {
	switch strings.ToLower(str(rule, "protocol")) {
	case "-1", "all":
		return true
	case "6", "tcp", "17", "udp":
		from, _ := rule["fromPort"].(float64)
		to, _ := rule["toPort"].(float64)
		return int(from) <= port && port <= int(to)
	}
	return false
}

func str(m map[string]any, keys ...string) string {
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			if v != "" {
				return v
			}
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ""
}

var peeringOnlyWithMgmt = Control{
	ID:         "GC-NET-6",
	Title:      "VPC peering only between a workload VPC (uat, prod) and mgmt, in-account and in-region, with routes for exactly the peer's range",
	Severity:   High,
	Frameworks: []string{"CIS-AWS-4.0 5.6", "ISO27001-2022 A.8.22"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		peerings := s.OfType(TypePeering)
		var failures []Failure
		mgmtVpc, _ := s.Outputs[MgmtVpcIDOutput].(string)
		mgmtCidr, _ := s.Outputs[MgmtVpcCidrOutput].(string)
		perVpc := map[string]int{}
		for _, p := range peerings {
			own := s.ByID(inventory.String(p, "vpcId"))
			if own == nil || own.Type != TypeVpc {
				failures = append(failures, fail(p, "the requester VPC is not a VPC of this stack"))
				continue
			}
			perVpc[own.ID]++
			env := s.EffectiveTags(own)["environment"]
			switch peer := inventory.String(p, "peerVpcId"); {
			case !slices.Contains(peeringEnvironments, env):
				failures = append(failures, fail(p, fmt.Sprintf("requested from the %q environment; only uat and prod peer, with mgmt", env)))
			case mgmtVpc == "":
				failures = append(failures, fail(p, "the stack does not export "+MgmtVpcIDOutput+", so the peer cannot be shown to be the mgmt VPC"))
			case peer != mgmtVpc:
				failures = append(failures, fail(p, fmt.Sprintf("peers with %s, which is not the mgmt VPC %s (uat and prod never peer with each other)", peer, mgmtVpc)))
			}
			if o := inventory.String(p, "peerOwnerId"); o != "" {
				failures = append(failures, fail(p, "peers with another account ("+o+")"))
			}
			if r := inventory.String(p, "peerRegion"); r != "" && r != inventory.String(s.ProviderOf(p), "region") {
				failures = append(failures, fail(p, "peers with another region ("+r+")"))
			}
			failures = append(failures, checkPeeringRoutes(s, p, own, mgmtCidr)...)
		}
		for id, n := range perVpc {
			if n > 1 {
				failures = append(failures, fail(s.ByID(id), fmt.Sprintf("has %d peering connections; a workload VPC has exactly one, with mgmt", n)))
			}
		}
		return len(peerings) > 0, failures
	},
}

// checkPeeringRoutes holds routes through a peering to the peer's range: a route table
// of this stack's VPC sends only the mgmt range; one in the mgmt VPC (not declared here)
// returns only this VPC's range. Anything wider would be transit the peering cannot carry
// and broader access than the flows need.
func checkPeeringRoutes(s *inventory.Stack, p, own *inventory.Resource, mgmtCidr string) []Failure {
	var out []Failure
	ownCidr := inventory.String(own, "cidrBlock")
	for _, r := range s.OfType(TypeRoute) {
		if inventory.String(r, "vpcPeeringConnectionId") != p.ID {
			continue
		}
		dest := inventory.String(r, "destinationCidrBlock")
		want, side := ownCidr, "the mgmt side"
		if rt := s.ByID(inventory.String(r, "routeTableId")); rt != nil && inventory.String(rt, "vpcId") == own.ID {
			want, side = mgmtCidr, "this VPC's side"
		}
		if dest != want {
			out = append(out, fail(r, fmt.Sprintf("on %s routes %s through the peering; only the peer's range %s may", side, dest, want)))
		}
	}
	return out
}

var s3GatewayOnPrivateRouteTables = Control{
	ID:         "GC-NET-7",
	Title:      "Every private route table of a VPC has the S3 gateway endpoint",
	Severity:   Medium,
	Frameworks: []string{"AWS-WAF SEC05-BP02"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		vpcs := s.OfType(TypeVpc)
		var failures []Failure
		applicable := false
		for _, vpc := range vpcs {
			onEndpoint := map[string]bool{}
			for _, ep := range s.OfType(TypeVpcEndpoint) {
				if inventory.String(ep, "vpcId") != vpc.ID || inventory.String(ep, "vpcEndpointType") != "Gateway" || !strings.HasSuffix(inventory.String(ep, "serviceName"), ".s3") {
					continue
				}
				for _, id := range inventory.List(ep.Inputs["routeTableIds"]) {
					if sid, ok := id.(string); ok {
						onEndpoint[sid] = true
					}
				}
			}
			for _, rt := range routeTablesOf(s, vpc) {
				if isPublicRouteTable(s, rt) {
					continue
				}
				applicable = true
				if !onEndpoint[rt.ID] {
					failures = append(failures, fail(rt, "private route table without the S3 gateway endpoint: S3 traffic goes through NAT or nowhere"))
				}
			}
		}
		return applicable, failures
	},
}

func isPublicRouteTable(s *inventory.Stack, rt *inventory.Resource) bool {
	for _, r := range routesOf(s, rt) {
		if gw := s.ByID(inventory.String(r, "gatewayId")); gw != nil && gw.Type == TypeInternetGateway {
			return true
		}
	}
	return false
}

var ssmEndpointsInEveryVpc = Control{
	ID:         "GC-NET-8",
	Title:      "Every VPC reaches Systems Manager through interface endpoints (ssm, ssmmessages, ec2messages) with private DNS",
	Severity:   Medium,
	Frameworks: []string{"FSBP EC2.57"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		vpcs := s.OfType(TypeVpc)
		var failures []Failure
		for _, vpc := range vpcs {
			have := map[string]*inventory.Resource{}
			for _, ep := range s.OfType(TypeVpcEndpoint) {
				if inventory.String(ep, "vpcId") != vpc.ID || inventory.String(ep, "vpcEndpointType") != "Interface" {
					continue
				}
				name := inventory.String(ep, "serviceName")
				have[name[strings.LastIndex(name, ".")+1:]] = ep
			}
			for _, svc := range flows.SSMEndpointServices {
				ep := have[svc]
				switch {
				case ep == nil:
					failures = append(failures, fail(vpc, "has no "+svc+" interface endpoint"))
				case !inventory.Bool(ep, "privateDnsEnabled"):
					failures = append(failures, fail(ep, "private DNS is off, so the SSM agent's default "+svc+" hostname bypasses the endpoint"))
				case len(inventory.List(ep.Inputs["securityGroupIds"])) == 0:
					failures = append(failures, fail(ep, "has no security group of its own, so it falls back on the VPC default"))
				}
			}
		}
		return len(vpcs) > 0, failures
	},
}

var vpnTunnelsHardened = Control{
	ID:         "GC-NET-9",
	Title:      "Site-to-site VPN tunnels use IKEv2 only, no SHA-1 or DH group 2/5, secret pre-shared keys, and log to CloudWatch",
	Severity:   Medium,
	Frameworks: []string{"FSBP EC2.171", "ISO27001-2022 A.8.20"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		vpns := s.OfType(TypeVpnConnection)
		var failures []Failure
		for _, v := range vpns {
			for _, t := range []string{"tunnel1", "tunnel2"} {
				ike := inventory.List(v.Inputs[t+"IkeVersions"])
				if len(ike) != 1 || ike[0] != "ikev2" {
					failures = append(failures, fail(v, fmt.Sprintf("%s allows IKE versions %v; IKEv1 must be off", t, ike)))
				}
				if psk, set := v.Inputs[t+"PresharedKey"]; set && psk != inventory.Secret {
					failures = append(failures, fail(v, t+" pre-shared key is a plain input; wrap it with pulumi.ToSecret"))
				}
				failures = append(failures, weakProposals(v, t)...)
				opts, _ := v.Inputs[t+"LogOptions"].(map[string]any)
				cw, _ := opts["cloudwatchLogOptions"].(map[string]any)
				if enabled, _ := cw["logEnabled"].(bool); !enabled || str(cw, "logGroupArn") == "" {
					failures = append(failures, fail(v, t+" activity is not logged to CloudWatch"))
				}
			}
		}
		return len(vpns) > 0, failures
	},
}

// Weak IKE proposals: SHA-1 integrity and the 1024- and 1536-bit MODP groups. AWS's
// defaults for an unset list include both, so an unset list is weak too.
var (
	weakIntegrity = []string{"SHA1"}
	weakDhGroups  = []float64{2, 5}
)

func weakProposals(v *inventory.Resource, tunnel string) []Failure {
	var out []Failure
	for _, phase := range []string{"Phase1", "Phase2"} {
		integrity := inventory.List(v.Inputs[tunnel+phase+"IntegrityAlgorithms"])
		dh := inventory.List(v.Inputs[tunnel+phase+"DhGroupNumbers"])
		if len(integrity) == 0 || len(dh) == 0 {
			out = append(out, fail(v, fmt.Sprintf("%s %s leaves integrity or DH groups to AWS's defaults, which include SHA-1 and DH group 2", tunnel, phase)))
			continue
		}
		for _, a := range integrity {
			if s, _ := a.(string); slices.Contains(weakIntegrity, s) {
				out = append(out, fail(v, fmt.Sprintf("%s %s accepts %s integrity", tunnel, phase, s)))
			}
		}
		for _, g := range dh {
			if n, _ := g.(float64); slices.Contains(weakDhGroups, n) {
				out = append(out, fail(v, fmt.Sprintf("%s %s accepts DH group %v", tunnel, phase, n)))
			}
		}
	}
	return out
}
