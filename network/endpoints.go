package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/network/flows"
)

// EndpointsArgs configures the VPC endpoints of one VPC.
type EndpointsArgs struct {
	Config *config.Config
	Vpc    *Vpc
	// Services are the interface endpoint services (flows.InterfaceEndpointServices).
	Services []string
}

// Endpoints is an interface endpoint per service in the endpoints tier, with private DNS
// so the SDKs' default hostnames resolve to it, behind a security group that admits 443
// from the VPC only; and the S3 gateway endpoint on every private route table.
type Endpoints struct {
	pulumi.ResourceState

	SecurityGroupID pulumi.IDOutput `pulumi:"securityGroupId"`
	// InterfaceIDs are the interface endpoint ids by service.
	InterfaceIDs map[string]pulumi.IDOutput
	S3GatewayID  pulumi.IDOutput `pulumi:"s3GatewayId"`
}

// EndpointsType is the component's type token.
const EndpointsType = "giftcard:network:Endpoints"

// NewEndpoints declares the endpoints and their security group.
func NewEndpoints(ctx *pulumi.Context, name string, args *EndpointsArgs, opts ...pulumi.ResourceOption) (*Endpoints, error) {
	c, v := args.Config, args.Vpc
	subnets := v.SubnetIDs[flows.EndpointsTier]
	if len(subnets) == 0 {
		return nil, fmt.Errorf("%s: the VPC has no %s tier", name, flows.EndpointsTier)
	}
	e := &Endpoints{InterfaceIDs: map[string]pulumi.IDOutput{}}
	if err := ctx.RegisterComponentResourceV2(EndpointsType, name, pulumi.Map{"vpcId": v.VpcID, "services": stringArray(args.Services)}, e, opts...); err != nil {
		return nil, err
	}
	in := pulumi.Parent(e)

	// No egress rules: an endpoint answers connections, it never opens any, and the
	// group is stateful.
	sgName := c.Name("endpoints-sg")
	sg, err := newSecurityGroup(ctx, sgName, v.VpcID, "Interface endpoints: HTTPS from the VPC only", in)
	if err != nil {
		return nil, err
	}
	if _, err := ec2.NewSecurityGroupRule(ctx, c.Name("endpoints-sg", "https-from-vpc"), &ec2.SecurityGroupRuleArgs{
		SecurityGroupId: sg.ID(),
		Type:            pulumi.String("ingress"),
		Protocol:        pulumi.String("tcp"),
		FromPort:        pulumi.Int(443),
		ToPort:          pulumi.Int(443),
		CidrBlocks:      pulumi.StringArray{v.CidrBlock},
		Description:     pulumi.String("HTTPS to the AWS APIs from anywhere in the VPC"),
	}, in); err != nil {
		return nil, err
	}
	e.SecurityGroupID = sg.ID()

	subnetIDs := pulumi.StringArray{}
	for _, id := range subnets {
		subnetIDs = append(subnetIDs, id)
	}
	for _, svc := range args.Services {
		n := c.Name("vpce", svc)
		ep, err := ec2.NewVpcEndpoint(ctx, n, &ec2.VpcEndpointArgs{
			VpcId:             v.VpcID,
			ServiceName:       pulumi.String(fmt.Sprintf("com.amazonaws.%s.%s", c.AWSRegion, svc)),
			VpcEndpointType:   pulumi.String("Interface"),
			PrivateDnsEnabled: pulumi.Bool(true),
			SubnetIds:         subnetIDs,
			SecurityGroupIds:  pulumi.StringArray{sg.ID()},
			Tags:              nameTags(n, "service", svc),
		}, in)
		if err != nil {
			return nil, err
		}
		e.InterfaceIDs[svc] = ep.ID()
	}

	// The gateway endpoint is free and keeps S3 traffic (backups, the firewall bootstrap
	// bucket) off the NAT gateways; the public tier routes to the internet directly.
	private := pulumi.StringArray{}
	for _, t := range tiersOf(v) {
		if t.Public() {
			continue
		}
		for _, id := range v.RouteTableIDs[t.Name] {
			private = append(private, id)
		}
	}
	n := c.Name("vpce", "s3")
	s3, err := ec2.NewVpcEndpoint(ctx, n, &ec2.VpcEndpointArgs{
		VpcId:           v.VpcID,
		ServiceName:     pulumi.String(fmt.Sprintf("com.amazonaws.%s.s3", c.AWSRegion)),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   private,
		Tags:            nameTags(n, "service", "s3"),
	}, in)
	if err != nil {
		return nil, err
	}
	e.S3GatewayID = s3.ID()

	ids := pulumi.Map{}
	for svc, id := range e.InterfaceIDs {
		ids[svc] = id
	}
	return e, ctx.RegisterResourceOutputs(e, pulumi.Map{"securityGroupId": e.SecurityGroupID, "interfaceIds": ids, "s3GatewayId": e.S3GatewayID})
}
