package controls

import (
	"fmt"
	"sort"

	"github.com/giftcard/platform-infra/inventory"
)

// Type tokens of the AWS network resources the rules read.
const (
	TypeVpc              = "aws:ec2/vpc:Vpc"
	TypeSubnet           = "aws:ec2/subnet:Subnet"
	TypeNatGateway       = "aws:ec2/natGateway:NatGateway"
	TypeRoute            = "aws:ec2/route:Route"
	TypeRouteTable       = "aws:ec2/routeTable:RouteTable"
	TypeRouteTableAssoc  = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	TypeInternetGateway  = "aws:ec2/internetGateway:InternetGateway"
	PublicTier           = "edge"
	TierTag              = "tier"
	defaultRouteDestIPv4 = "0.0.0.0/0"
)

var noPublicIPOnLaunch = Control{
	ID:         "GC-NET-1",
	Title:      "No subnet assigns public IPs on launch, except the edge tier",
	Severity:   High,
	Frameworks: []string{"FSBP EC2.15"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		subnets := s.OfType(TypeSubnet)
		var failures []Failure
		for _, sn := range subnets {
			if inventory.Bool(sn, "mapPublicIpOnLaunch") && inventory.Tags(sn)[TierTag] != PublicTier {
				failures = append(failures, fail(sn, fmt.Sprintf("maps public IPs on launch in tier %q", inventory.Tags(sn)[TierTag])))
			}
		}
		return len(subnets) > 0, failures
	},
}

var natPerAZ = Control{
	ID:         "GC-NET-2",
	Title:      "Each AZ of a VPC has its own NAT gateway in a public subnet, and private routes use their own AZ's NAT",
	Severity:   High,
	Frameworks: []string{"AWS-WAF REL10-BP01", "AWS-WAF REL02-BP02"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		vpcs := s.OfType(TypeVpc)
		var failures []Failure
		for _, vpc := range vpcs {
			failures = append(failures, checkNatPerAZ(s, vpc)...)
		}
		return len(vpcs) > 0, failures
	},
}

func checkNatPerAZ(s *inventory.Stack, vpc *inventory.Resource) []Failure {
	var failures []Failure
	azs := map[string]bool{}
	for _, sn := range s.OfType(TypeSubnet) {
		if inventory.String(sn, "vpcId") == vpc.ID {
			azs[inventory.String(sn, "availabilityZone")] = true
		}
	}
	natAZ := map[string]string{} // NAT id -> AZ
	natsIn := map[string]int{}
	for _, nat := range s.OfType(TypeNatGateway) {
		sn := s.ByID(inventory.String(nat, "subnetId"))
		if sn == nil || inventory.String(sn, "vpcId") != vpc.ID {
			continue
		}
		az := inventory.String(sn, "availabilityZone")
		natAZ[nat.ID] = az
		natsIn[az]++
		if inventory.String(nat, "connectivityType") != "private" && !isPublicSubnet(s, sn) {
			failures = append(failures, fail(nat, "public NAT gateway is not in a subnet routed to an internet gateway"))
		}
	}
	for _, az := range inventory.SortedKeys(azs) {
		if natsIn[az] == 0 {
			failures = append(failures, fail(vpc, fmt.Sprintf("AZ %s has no NAT gateway; its private subnets lose egress when another AZ fails", az)))
		}
	}
	for _, rt := range routeTablesOf(s, vpc) {
		for _, route := range routesOf(s, rt) {
			natID := inventory.String(route, "natGatewayId")
			if natID == "" {
				continue
			}
			for _, sn := range subnetsOf(s, rt) {
				if az := inventory.String(sn, "availabilityZone"); natAZ[natID] != az {
					failures = append(failures, fail(route, fmt.Sprintf("subnet in %s routes through the NAT gateway of %q", az, natAZ[natID])))
				}
			}
		}
	}
	return failures
}

func routeTablesOf(s *inventory.Stack, vpc *inventory.Resource) []*inventory.Resource {
	var out []*inventory.Resource
	for _, rt := range s.OfType(TypeRouteTable) {
		if inventory.String(rt, "vpcId") == vpc.ID {
			out = append(out, rt)
		}
	}
	return out
}

// routesOf lists the routes of a route table, both separate Route resources and inline ones.
func routesOf(s *inventory.Stack, rt *inventory.Resource) []*inventory.Resource {
	var out []*inventory.Resource
	for _, r := range s.OfType(TypeRoute) {
		if inventory.String(r, "routeTableId") == rt.ID {
			out = append(out, r)
		}
	}
	for i, inline := range inventory.List(rt.Inputs["routes"]) {
		m, _ := inline.(map[string]any)
		out = append(out, &inventory.Resource{URN: fmt.Sprintf("%s#routes[%d]", rt.URN, i), Type: TypeRoute, Inputs: m})
	}
	return out
}

func subnetsOf(s *inventory.Stack, rt *inventory.Resource) []*inventory.Resource {
	var out []*inventory.Resource
	for _, a := range s.OfType(TypeRouteTableAssoc) {
		if inventory.String(a, "routeTableId") != rt.ID {
			continue
		}
		if sn := s.ByID(inventory.String(a, "subnetId")); sn != nil {
			out = append(out, sn)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// routeTableOf is the route table explicitly associated with a subnet, or nil.
func routeTableOf(s *inventory.Stack, subnet *inventory.Resource) *inventory.Resource {
	for _, a := range s.OfType(TypeRouteTableAssoc) {
		if inventory.String(a, "subnetId") == subnet.ID {
			return s.ByID(inventory.String(a, "routeTableId"))
		}
	}
	return nil
}

func isPublicSubnet(s *inventory.Stack, subnet *inventory.Resource) bool {
	rt := routeTableOf(s, subnet)
	if rt == nil {
		return false
	}
	for _, r := range routesOf(s, rt) {
		gw := s.ByID(inventory.String(r, "gatewayId"))
		if inventory.String(r, "destinationCidrBlock") == defaultRouteDestIPv4 && gw != nil && gw.Type == TypeInternetGateway {
			return true
		}
	}
	return false
}
