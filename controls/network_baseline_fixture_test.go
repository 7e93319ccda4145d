package controls

import (
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/network/flows"
)

// withNetworkBaseline adds to compliantNetwork what the network baseline declares: a
// flow log to an encrypted log group, the adopted defaults, a NACL per tier on every
// subnet, the S3 gateway endpoint on the private route tables and the SSM endpoints.
func withNetworkBaseline(f *fixture) *fixture {
	vpc := f.named("vpc")
	group := f.add(TypeLogGroup, "flow-logs", map[string]any{"name": "/giftcard/test/vpc-flow-logs", "kmsKeyId": "arn:aws:kms:ap-south-1:111122223333:key/k", "retentionInDays": 365.0})
	_ = group
	f.add(TypeFlowLog, "flow-log", map[string]any{"vpcId": vpc.ID, "trafficType": "ALL", "logDestinationType": "cloud-watch-logs",
		"logDestination": "arn:aws:logs:ap-south-1:111122223333:log-group:/giftcard/test/vpc-flow-logs", "iamRoleArn": "arn:aws:iam::111122223333:role/flow-logs"})

	comp := &inventory.Resource{URN: "urn:pulumi:test::giftcard-platform::giftcard:network:NetworkAcls::nacls", Type: "giftcard:network:NetworkAcls",
		Name: "nacls", Inputs: map[string]any{"vpcId": vpc.ID}}
	f.resources = append(f.resources, comp)
	f.add(TypeDefaultSG, "default-sg", map[string]any{"vpcId": vpc.ID}).Parent = comp.URN
	f.add(TypeDefaultNacl, "default-nacl", map[string]any{"defaultNetworkAclId": "acl-default"}).Parent = comp.URN
	ingress := map[string][]any{
		"edge": {
			naclEntry(100, "6", "0.0.0.0/0", 443, 443),
			naclEntry(110, "6", "0.0.0.0/0", 1024, 3388),
			naclEntry(120, "6", "0.0.0.0/0", 3390, 65535),
		},
		"app": {
			naclEntry(100, "6", "10.0.0.0/16", 443, 443),
			naclEntry(110, "6", "0.0.0.0/0", 1024, 3388),
			naclEntry(120, "6", "0.0.0.0/0", 3390, 65535),
			naclEntry(130, "6", "10.10.0.0/20", 3389, 3389),
		},
	}
	for _, tier := range []string{"edge", "app"} {
		acl := f.add(TypeNetworkAcl, tier+"-nacl", map[string]any{"vpcId": vpc.ID, "ingress": ingress[tier],
			"egress": []any{naclEntry(100, "6", "0.0.0.0/0", 0, 65535)}})
		acl.Parent = comp.URN
		for _, az := range []string{"a", "b"} {
			f.add(TypeNetworkAclAssoc, tier+"-nacl-"+az, map[string]any{"networkAclId": acl.ID, "subnetId": f.named(tier + "-" + az).ID}).Parent = comp.URN
		}
	}

	f.add(TypeVpcEndpoint, "vpce-s3", map[string]any{"vpcId": vpc.ID, "vpcEndpointType": "Gateway", "serviceName": "com.amazonaws.ap-south-1.s3",
		"routeTableIds": []any{f.named("app-rt-a").ID, f.named("app-rt-b").ID}})
	for _, svc := range flows.SSMEndpointServices {
		f.add(TypeVpcEndpoint, "vpce-"+svc, map[string]any{"vpcId": vpc.ID, "vpcEndpointType": "Interface", "serviceName": "com.amazonaws.ap-south-1." + svc,
			"privateDnsEnabled": true, "securityGroupIds": []any{"sg-endpoints"}})
	}
	return f
}

func naclEntry(no int, protocol, cidr string, from, to int) map[string]any {
	return map[string]any{"ruleNo": float64(no), "action": "allow", "protocol": protocol, "cidrBlock": cidr, "fromPort": float64(from), "toPort": float64(to)}
}

// compliantWorkloadNetwork is the baseline of a uat VPC peered with mgmt (exported as
// the stack reads it), plus a hardened VPN connection.
func compliantWorkloadNetwork() *fixture {
	f := withNetworkBaseline(compliantNetwork())
	tags := allTags()
	tags["environment"] = "uat"
	f.named("aws").Inputs["defaultTags"] = map[string]any{"tags": tags}
	vpc := f.named("vpc")
	f.outputs = map[string]any{MgmtVpcIDOutput: "vpc-mgmt", MgmtVpcCidrOutput: "10.10.0.0/20"}
	pcx := f.add(TypePeering, "peering-mgmt", map[string]any{"vpcId": vpc.ID, "peerVpcId": "vpc-mgmt", "autoAccept": true,
		"requester": map[string]any{"allowRemoteVpcDnsResolution": true}, "accepter": map[string]any{"allowRemoteVpcDnsResolution": true}})
	for _, az := range []string{"a", "b"} {
		f.add(TypeRoute, "app-"+az+"-to-mgmt", map[string]any{"routeTableId": f.named("app-rt-" + az).ID, "destinationCidrBlock": "10.10.0.0/20", "vpcPeeringConnectionId": pcx.ID})
		f.add(TypeRoute, "mgmt-directory-"+az+"-to-uat", map[string]any{"routeTableId": "rtb-mgmt-directory-" + az, "destinationCidrBlock": "10.0.0.0/16", "vpcPeeringConnectionId": pcx.ID})
	}
	tunnel := func() map[string]any {
		return map[string]any{"cloudwatchLogOptions": map[string]any{"logEnabled": true, "logGroupArn": "arn:aws:logs:ap-south-1:111122223333:log-group:/giftcard/test/vpn"}}
	}
	f.add(TypeVpnConnection, "vpn", map[string]any{"type": "ipsec.1",
		"tunnel1IkeVersions": []any{"ikev2"}, "tunnel2IkeVersions": []any{"ikev2"},
		"tunnel1PresharedKey": inventory.Secret, "tunnel2PresharedKey": inventory.Secret,
		"tunnel1LogOptions": tunnel(), "tunnel2LogOptions": tunnel()})
	for _, t := range []string{"tunnel1", "tunnel2"} {
		for _, phase := range []string{"Phase1", "Phase2"} {
			f.named("vpn").Inputs[t+phase+"IntegrityAlgorithms"] = []any{"SHA2-256", "SHA2-384"}
			f.named("vpn").Inputs[t+phase+"DhGroupNumbers"] = []any{14.0, 19.0, 20.0}
		}
	}
	return f
}

var networkBaselineControls = []string{"GC-NET-3", "GC-NET-4", "GC-NET-5", "GC-NET-6", "GC-NET-7", "GC-NET-8", "GC-NET-9"}

func init() {
	// The walking skeleton's network fixture is compliant only with the baseline added.
	compliantFixtures["network"] = func() *fixture { return withNetworkBaseline(compliantNetwork()) }
	compliantFixtures["network-baseline"] = compliantWorkloadNetwork
	for _, id := range networkBaselineControls {
		baseFixture[id] = compliantWorkloadNetwork
	}
	setIn := func(name, key string, v any) func(f *fixture) {
		return func(f *fixture) { f.named(name).Inputs[key] = v }
	}
	addIngress := func(acl string, e map[string]any) func(f *fixture) {
		return func(f *fixture) {
			r := f.named(acl)
			r.Inputs["ingress"] = append(inventory.List(r.Inputs["ingress"]), e)
		}
	}
	remove := func(names ...string) func(f *fixture) {
		return func(f *fixture) { f.resources = removeNamed(f.resources, names...) }
	}

	breakages["GC-NET-3"] = []breakage{
		{"VPC without a flow log", remove("flow-log"), "vpc"},
		{"rejected traffic only", setIn("flow-log", "trafficType", "REJECT"), "flow-log"},
		{"log group without a KMS key", setIn("flow-logs", "kmsKeyId", ""), "flow-logs"},
		{"log group kept forever by accident (no retention)", func(f *fixture) { delete(f.named("flow-logs").Inputs, "retentionInDays") }, "flow-logs"},
		{"log group kept 90 days, under CERT-In's 180", setIn("flow-logs", "retentionInDays", 90.0), "flow-logs"},
		{"log group not declared by the stack", setIn("flow-log", "logDestination", "arn:aws:logs:ap-south-1:111122223333:log-group:elsewhere"), "flow-log"},
		{"no delivery role", func(f *fixture) { delete(f.named("flow-log").Inputs, "iamRoleArn") }, "flow-log"},
	}
	breakages["GC-NET-4"] = []breakage{
		{"default security group not adopted", remove("default-sg"), "vpc"},
		{"default NACL not adopted", remove("default-nacl"), "vpc"},
		{"default security group keeps an allow-all egress", setIn("default-sg", "egress", []any{map[string]any{"protocol": "-1", "cidrBlocks": []any{"0.0.0.0/0"}}}), "default-sg"},
		{"default NACL keeps a rule", setIn("default-nacl", "ingress", []any{naclEntry(100, "-1", "0.0.0.0/0", 0, 0)}), "default-nacl"},
		{"a rule added to the default security group", func(f *fixture) {
			f.add(TypeSecurityGroupRule, "rdp-on-default", map[string]any{"securityGroupId": f.named("default-sg").ID, "type": "ingress", "fromPort": 3389.0, "toPort": 3389.0})
		}, "rdp-on-default"},
		{"a subnet left on the default NACL", remove("app-nacl-b"), "app-b"},
	}
	breakages["GC-NET-5"] = []breakage{
		{"ephemeral return not split around 3389", addIngress("app-nacl", naclEntry(140, "6", "0.0.0.0/0", 1024, 65535)), "app-nacl"},
		{"SSH from anywhere", addIngress("edge-nacl", naclEntry(140, "tcp", "0.0.0.0/0", 22, 22)), "edge-nacl"},
		{"every protocol from anywhere", addIngress("edge-nacl", naclEntry(140, "-1", "0.0.0.0/0", 0, 0)), "edge-nacl"},
		{"RDP over UDP from anywhere on the default NACL", setIn("default-nacl", "ingress", []any{naclEntry(100, "17", "0.0.0.0/0", 3389, 3389)}), "default-nacl"},
		{"separate rule resource admitting RDP from ::/0", func(f *fixture) {
			f.add(TypeNetworkAclRule, "rdp-v6", map[string]any{"networkAclId": f.named("app-nacl").ID, "ruleNumber": 200.0, "egress": false,
				"protocol": "6", "ruleAction": "allow", "ipv6CidrBlock": "::/0", "fromPort": 3000.0, "toPort": 4000.0})
		}, "rdp-v6"},
	}
	breakages["GC-NET-6"] = []breakage{
		{"uat peers with prod", setIn("peering-mgmt", "peerVpcId", "vpc-prod"), "peering-mgmt"},
		{"mgmt requests a peering", func(f *fixture) {
			tags := allTags()
			tags["environment"] = "mgmt"
			f.named("aws").Inputs["defaultTags"] = map[string]any{"tags": tags}
		}, "peering-mgmt"},
		{"another account", setIn("peering-mgmt", "peerOwnerId", "444455556666"), "peering-mgmt"},
		{"another region", setIn("peering-mgmt", "peerRegion", "ap-south-2"), "peering-mgmt"},
		{"mgmt VPC not recorded", func(f *fixture) { f.outputs = nil }, "peering-mgmt"},
		{"default route through the peering", setIn("app-a-to-mgmt", "destinationCidrBlock", "0.0.0.0/0"), "app-a-to-mgmt"},
		{"mgmt side routes a supernet back", setIn("mgmt-directory-b-to-uat", "destinationCidrBlock", "10.0.0.0/8"), "mgmt-directory-b-to-uat"},
		{"a second peering", func(f *fixture) {
			f.add(TypePeering, "peering-again", map[string]any{"vpcId": f.named("vpc").ID, "peerVpcId": "vpc-mgmt"})
		}, "vpc"},
	}
	breakages["GC-NET-7"] = []breakage{
		{"a private route table without the S3 endpoint", func(f *fixture) {
			f.named("vpce-s3").Inputs["routeTableIds"] = []any{f.named("app-rt-a").ID}
		}, "app-rt-b"},
		{"no S3 gateway endpoint", remove("vpce-s3"), "app-rt-a"},
		{"the S3 endpoint is an interface endpoint", setIn("vpce-s3", "vpcEndpointType", "Interface"), "app-rt-a"},
	}
	breakages["GC-NET-8"] = []breakage{
		{"no ssmmessages endpoint", remove("vpce-ssmmessages"), "vpc"},
		{"ssm endpoint without private DNS", setIn("vpce-ssm", "privateDnsEnabled", false), "vpce-ssm"},
		{"ec2messages endpoint without a security group", setIn("vpce-ec2messages", "securityGroupIds", []any{}), "vpce-ec2messages"},
	}
	breakages["GC-NET-9"] = []breakage{
		{"IKEv1 allowed", setIn("vpn", "tunnel2IkeVersions", []any{"ikev1", "ikev2"}), "vpn"},
		{"plain pre-shared key", setIn("vpn", "tunnel1PresharedKey", "plaintext.key"), "vpn"},
		{"SHA-1 in phase 1", setIn("vpn", "tunnel2Phase1IntegrityAlgorithms", []any{"SHA1", "SHA2-256"}), "vpn"},
		{"DH group 2 in phase 2", setIn("vpn", "tunnel1Phase2DhGroupNumbers", []any{2.0, 14.0}), "vpn"},
		{"phase 2 left to AWS's defaults", func(f *fixture) { delete(f.named("vpn").Inputs, "tunnel1Phase2IntegrityAlgorithms") }, "vpn"},
		{"tunnel logging off", setIn("vpn", "tunnel1LogOptions", map[string]any{}), "vpn"},
	}
}
