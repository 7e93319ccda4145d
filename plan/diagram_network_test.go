package plan

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/inventory"
)

func res(urn, typ, name, id string, inputs map[string]any) *inventory.Resource {
	return &inventory.Resource{URN: urn, Type: typ, Name: name, ID: id, Custom: true, Provider: "urn:p::p", Inputs: inputs}
}

func TestDiagramShowsThePeeringAndTheMgmtVpcOfAWorkloadStack(t *testing.T) {
	rs := []*inventory.Resource{
		res("urn:v", "aws:ec2/vpc:Vpc", "gc-uat-vpc", "vpc-uat", map[string]any{"cidrBlock": "10.20.0.0/20"}),
		res("urn:s", "aws:ec2/subnet:Subnet", "app-a", "subnet-1", map[string]any{"vpcId": "vpc-uat", "cidrBlock": "10.20.0.0/23", "tags": map[string]any{"tier": "app"}}),
		res("urn:rt", "aws:ec2/routeTable:RouteTable", "app-a", "rtb-1", map[string]any{"vpcId": "vpc-uat", "tags": map[string]any{"tier": "app"}}),
		res("urn:pcx", "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "gc-uat-peering-mgmt", "pcx-1", map[string]any{"vpcId": "vpc-uat", "peerVpcId": "vpc-mgmt"}),
		res("urn:r1", "aws:ec2/route:Route", "app-a-to-mgmt", "r-1", map[string]any{"routeTableId": "rtb-1", "destinationCidrBlock": "10.10.0.0/20", "vpcPeeringConnectionId": "pcx-1"}),
		res("urn:r2", "aws:ec2/route:Route", "mgmt-directory-a-to-uat", "r-2", map[string]any{"routeTableId": "rtb-mgmt-1", "destinationCidrBlock": "10.20.0.0/20", "vpcPeeringConnectionId": "pcx-1"}),
		res("urn:r3", "aws:ec2/route:Route", "mgmt-directory-b-to-uat", "r-3", map[string]any{"routeTableId": "rtb-mgmt-2", "destinationCidrBlock": "10.20.0.0/20", "vpcPeeringConnectionId": "pcx-1"}),
	}
	s := inventory.NewStack("giftcard-platform", "uat", rs, map[string]any{"mgmtVpcId": "vpc-mgmt", "mgmtVpcCidr": "10.10.0.0/20"})
	var out bytes.Buffer
	NewDocument(s, nil, controls.Catalogue).WriteMermaid(&out)
	mmd := out.String()
	assert.Contains(t, mmd, `n_vpc_mgmt[["VPC mgmt 10.10.0.0/20<br/>(stack reference)"]]`)
	assert.Contains(t, mmd, `n_pcx_1{{"peering gc-uat-peering-mgmt"}}`)
	assert.Contains(t, mmd, `n_gc_uat_vpc_app -->|"10.10.0.0/20"| n_pcx_1`)
	assert.Contains(t, mmd, `n_pcx_1 -->|"accepted, remote DNS on"| n_vpc_mgmt`)
	assert.Contains(t, mmd, `n_vpc_mgmt -->|"10.20.0.0/20, 2 route tables"| n_pcx_1`)
}

func TestDiagramShowsTheVpnToTheOnPremiseNetwork(t *testing.T) {
	comp := &inventory.Resource{URN: "urn:c", Type: "giftcard:network:OnPremVpn", Name: "vpn", Inputs: map[string]any{"onPremCidr": "172.16.0.0/16"}}
	conn := res("urn:vpn", "aws:ec2/vpnConnection:VpnConnection", "vpn", "vpn-1", map[string]any{"customerGatewayId": "cgw-1", "vpnGatewayId": "vgw-1"})
	conn.Parent = comp.URN
	rs := []*inventory.Resource{
		res("urn:v", "aws:ec2/vpc:Vpc", "gc-mgmt-vpc", "vpc-mgmt", map[string]any{"cidrBlock": "10.10.0.0/20"}),
		res("urn:s", "aws:ec2/subnet:Subnet", "directory-a", "subnet-1", map[string]any{"vpcId": "vpc-mgmt", "cidrBlock": "10.10.4.0/25", "tags": map[string]any{"tier": "directory"}}),
		res("urn:rt", "aws:ec2/routeTable:RouteTable", "directory-a", "rtb-1", map[string]any{"vpcId": "vpc-mgmt", "tags": map[string]any{"tier": "directory"}}),
		res("urn:vgw", "aws:ec2/vpnGateway:VpnGateway", "vgw", "vgw-1", map[string]any{"vpcId": "vpc-mgmt", "amazonSideAsn": "64512"}),
		res("urn:cgw", "aws:ec2/customerGateway:CustomerGateway", "cgw", "cgw-1", map[string]any{"ipAddress": "198.51.100.20", "bgpAsn": "65010"}),
		comp, conn,
		res("urn:prop", "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation", "directory-a-onprem", "prop-1", map[string]any{"routeTableId": "rtb-1", "vpnGatewayId": "vgw-1"}),
	}
	var out bytes.Buffer
	NewDocument(inventory.NewStack("giftcard-platform", "mgmt", rs, nil), nil, controls.Catalogue).WriteMermaid(&out)
	mmd := out.String()
	assert.Contains(t, mmd, `n_vgw_1{{"VPN gateway AS64512"}}`)
	assert.Contains(t, mmd, `n_cgw_1[/"customer gateway 198.51.100.20 AS65010"/]`)
	assert.Contains(t, mmd, `onprem(("on-premise 172.16.0.0/16"))`)
	assert.Contains(t, mmd, `n_gc_mgmt_vpc_directory -->|"on-premise (BGP)"| n_vgw_1`)
	assert.Contains(t, mmd, `n_vgw_1 -->|"IPsec IKEv2, 2 tunnels"| n_cgw_1`)
	assert.Contains(t, mmd, `n_cgw_1 -->|"data centre"| onprem`)
}

// The estate diagram joins the mgmt VPC a workload stack reads through its reference to
// the mgmt VPC the mgmt stack declares, so the peering reaches the real box.
func TestEstateDiagramJoinsTheWorkloadPeeringsToTheMgmtVpc(t *testing.T) {
	mgmt := inventory.NewStack("giftcard-platform", "mgmt", []*inventory.Resource{
		res("urn:mv", "aws:ec2/vpc:Vpc", "gc-mgmt-vpc", "vpc-mgmt", map[string]any{"cidrBlock": "10.10.0.0/20"}),
		res("urn:ms", "aws:ec2/subnet:Subnet", "directory-a", "subnet-m1", map[string]any{"vpcId": "vpc-mgmt", "cidrBlock": "10.10.4.0/25", "tags": map[string]any{"tier": "directory"}}),
	}, nil)
	var workloads []*Document
	for i, env := range []string{"uat", "prod"} {
		vpc, pcx := "vpc-"+env, fmt.Sprintf("pcx-%d", i)
		s := inventory.NewStack("giftcard-platform", env, []*inventory.Resource{
			res("urn:v"+env, "aws:ec2/vpc:Vpc", "gc-"+env+"-vpc", vpc, map[string]any{"cidrBlock": "10.20.0.0/20"}),
			res("urn:p"+env, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "gc-"+env+"-peering-mgmt", pcx, map[string]any{"vpcId": vpc, "peerVpcId": "vpc-mgmt"}),
			res("urn:r"+env, "aws:ec2/route:Route", "mgmt-directory-a-to-"+env, "r-"+env, map[string]any{"routeTableId": "rtb-mgmt-1", "destinationCidrBlock": "10.20.0.0/20", "vpcPeeringConnectionId": pcx}),
		}, map[string]any{"mgmtVpcId": "vpc-mgmt", "mgmtVpcCidr": "10.10.0.0/20"})
		workloads = append(workloads, NewDocument(s, nil, controls.Catalogue))
	}
	var out bytes.Buffer
	WriteEstateMermaid(&out, append([]*Document{NewDocument(mgmt, nil, controls.Catalogue)}, workloads...))
	mmd := out.String()
	for _, vpc := range []string{"gc-mgmt-vpc", "gc-uat-vpc", "gc-prod-vpc"} {
		assert.Contains(t, mmd, `subgraph n_`+strings.ReplaceAll(vpc, "-", "_")+`["VPC `+vpc, vpc)
	}
	assert.Contains(t, mmd, `n_pcx_0 -->|"accepted, remote DNS on"| n_gc_mgmt_vpc`)
	assert.Contains(t, mmd, `n_pcx_1 -->|"accepted, remote DNS on"| n_gc_mgmt_vpc`)
	assert.Contains(t, mmd, `n_gc_mgmt_vpc -->|"10.20.0.0/20, 1 route tables"| n_pcx_0`)
	assert.NotContains(t, mmd, "n_vpc_mgmt", "the stack-reference stand-in is replaced by the mgmt VPC")
}
