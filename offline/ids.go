package offline

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// idPrefixes gives mocked resources IDs in AWS's own formats, so plans read like the real
// thing and rules that resolve IDs to resources work on them.
var idPrefixes = map[string]string{
	"aws:ec2/vpc:Vpc":                                                                 "vpc-",
	"aws:ec2/subnet:Subnet":                                                           "subnet-",
	"aws:ec2/internetGateway:InternetGateway":                                         "igw-",
	"aws:ec2/natGateway:NatGateway":                                                   "nat-",
	"aws:ec2/eip:Eip":                                                                 "eipalloc-",
	"aws:ec2/routeTable:RouteTable":                                                   "rtb-",
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                             "rtbassoc-",
	"aws:ec2/route:Route":                                                             "r-rtb-",
	"aws:ec2/securityGroup:SecurityGroup":                                             "sg-",
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":                               "sg-",
	"aws:ec2/networkAcl:NetworkAcl":                                                   "acl-",
	"aws:ec2/defaultNetworkAcl:DefaultNetworkAcl":                                     "acl-",
	"aws:ec2/flowLog:FlowLog":                                                         "fl-",
	"aws:ec2/vpcEndpoint:VpcEndpoint":                                                 "vpce-",
	"aws:ec2/vpcPeeringConnection:VpcPeeringConnection":                               "pcx-",
	"aws:ec2/customerGateway:CustomerGateway":                                         "cgw-",
	"aws:ec2/vpnGateway:VpnGateway":                                                   "vgw-",
	"aws:ec2/vpnConnection:VpnConnection":                                             "vpn-",
	"aws:ec2/vpcDhcpOptions:VpcDhcpOptions":                                           "dopt-",
	"aws:ec2/instance:Instance":                                                       "i-",
	"aws:ec2/launchTemplate:LaunchTemplate":                                           "lt-",
	"aws:ec2/networkInterface:NetworkInterface":                                       "eni-",
	"aws:ebs/volume:Volume":                                                           "vol-",
	"aws:route53/zone:Zone":                                                           "Z",
	"aws:route53/resolverEndpoint:ResolverEndpoint":                                   "rslvr-out-",
	"aws:route53/resolverRule:ResolverRule":                                           "rslvr-rr-",
	"aws:route53/resolverRuleAssociation:ResolverRuleAssociation":                     "rslvr-rrassoc-",
	"aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig":                       "rqlc-",
	"aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation": "rqlca-",
	"aws:ec2/networkAclAssociation:NetworkAclAssociation":                             "aclassoc-",
	"aws:ec2/securityGroupRule:SecurityGroupRule":                                     "sgrule-",
	"aws:ec2/vpcDhcpOptionsAssociation:VpcDhcpOptionsAssociation":                     "dopt-assoc-",

	// security (issue 4)
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   "sgr-",
	"aws:ssm/patchBaseline:PatchBaseline":                       "pb-",
	"aws:ssm/maintenanceWindow:MaintenanceWindow":               "mw-",
}

func physicalID(typ, urn string) string {
	if p, ok := idPrefixes[typ]; ok {
		return p + shortHash(urn)
	}
	h := shortHash(urn) + shortHash(urn+"#")
	if typ == "aws:kms/key:Key" {
		return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:32]) // KMS key IDs are UUIDs
	}
	return h[:20]
}

// arnService maps a type token's module to the service name in its ARN.
func arnService(typ string) string {
	mod := strings.SplitN(strings.SplitN(typ, ":", 3)[1], "/", 2)[0]
	switch mod {
	case "cloudwatch":
		return "logs"
	case "cfg":
		return "config"
	case "ebs":
		return "ec2"
	}
	return mod
}

// computedOutputs are the provider-computed attributes the program reads from resources.
func computedOutputs(typ, id, region string, inputs resource.PropertyMap) map[string]any {
	out := map[string]any{
		"arn": fmt.Sprintf("arn:aws:%s:%s:%s:%s", arnService(typ), region, AccountID, id),
	}
	switch typ {
	case "aws:ec2/vpc:Vpc":
		out["defaultSecurityGroupId"] = "sg-" + shortHash(id+"default")
		out["defaultNetworkAclId"] = "acl-" + shortHash(id+"default")
		out["mainRouteTableId"] = "rtb-" + shortHash(id+"main")
		out["ownerId"] = AccountID
	case "aws:ec2/eip:Eip":
		h := shortHash(id)
		out["publicIp"] = fmt.Sprintf("13.%d.%d.%d", int(h[0])%200+20, int(h[1])%250+1, int(h[2])%250+1)
		out["allocationId"] = id
	case "aws:cloudwatch/logGroup:LogGroup":
		name := id
		if n, ok := inputs["name"]; ok && n.IsString() {
			name = n.StringValue()
		}
		out["arn"] = fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, AccountID, name)
	case "aws:route53/zone:Zone":
		out["zoneId"] = id
		out["arn"] = "arn:aws:route53:::hostedzone/" + id
		h := shortHash(id)
		out["nameServers"] = []any{ // one name server in each of four TLDs, as Route 53 assigns them
			fmt.Sprintf("ns-%d.awsdns-%02d.com", int(h[0])*7%2048, int(h[1])%64),
			fmt.Sprintf("ns-%d.awsdns-%02d.net", int(h[2])*7%2048, int(h[3])%64),
			fmt.Sprintf("ns-%d.awsdns-%02d.org", int(h[4])*7%2048, int(h[5])%64),
			fmt.Sprintf("ns-%d.awsdns-%02d.co.uk", int(h[6])*7%2048, int(h[7])%64),
		}
	case "aws:route53/resolverEndpoint:ResolverEndpoint":
		out["arn"] = fmt.Sprintf("arn:aws:route53resolver:%s:%s:resolver-endpoint/%s", region, AccountID, id)
	case "aws:route53/resolverRule:ResolverRule":
		out["arn"] = fmt.Sprintf("arn:aws:route53resolver:%s:%s:resolver-rule/%s", region, AccountID, id)
		out["ownerId"] = AccountID
	case "aws:s3/bucketV2:BucketV2": // name-based, as the log and trail policies expect
		if b, ok := inputs["bucket"]; ok && b.IsString() {
			out["arn"] = "arn:aws:s3:::" + b.StringValue()
		}
	case "aws:secretsmanager/secret:Secret":
		if n, ok := inputs["name"]; ok && n.IsString() {
			out["arn"] = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region, AccountID, n.StringValue(), id[:6])
		}
	case "aws:kms/key:Key":
		out["keyId"] = id
		out["arn"] = fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, AccountID, id)
	}
	if kind, ok := iamKinds[typ]; ok {
		name := id
		if n, ok := inputs["name"]; ok && n.IsString() {
			name = n.StringValue()
		}
		out["arn"] = fmt.Sprintf("arn:aws:iam::%s:%s/%s", AccountID, kind, name)
		out["uniqueId"] = "AROA" + strings.ToUpper(shortHash(id))
	}
	return out
}

// iamKinds are IAM types, whose ARNs are global and name-based.
var iamKinds = map[string]string{
	"aws:iam/role:Role":                       "role",
	"aws:iam/group:Group":                     "group",
	"aws:iam/user:User":                       "user",
	"aws:iam/policy:Policy":                   "policy",
	"aws:iam/instanceProfile:InstanceProfile": "instance-profile",
}
