package offline

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// regionAZs are the zones the mocks report per region (the real ones, in name order).
var regionAZs = map[string][]string{
	"ap-south-1": {"ap-south-1a", "ap-south-1b", "ap-south-1c"},
	"ap-south-2": {"ap-south-2a", "ap-south-2b", "ap-south-2c"},
}

func azsOf(region string) []string {
	if azs, ok := regionAZs[region]; ok {
		return azs
	}
	return []string{region + "a", region + "b", region + "c"}
}

// invokes answers every data source the program calls, with values shaped like AWS's.
// Keys are the wire names of the SDK's result types.
var invokes = map[string]func(region string, args resource.PropertyMap) map[string]any{
	"aws:index/getAvailabilityZones:getAvailabilityZones": func(region string, _ resource.PropertyMap) map[string]any {
		names := azsOf(region)
		ids := make([]any, len(names))
		for i := range names {
			ids[i] = fmt.Sprintf("%s-az%d", regionShort(region), i+1)
		}
		return map[string]any{"id": region, "names": toAny(names), "zoneIds": ids, "groupNames": toAny(names)}
	},
	"aws:index/getCallerIdentity:getCallerIdentity": func(string, resource.PropertyMap) map[string]any {
		return map[string]any{"id": AccountID, "accountId": AccountID,
			"arn": "arn:aws:sts::" + AccountID + ":assumed-role/platform-deployer/pulumi", "userId": "AROAEXAMPLEDEPLOYER"}
	},
	"aws:index/getRegion:getRegion": func(region string, _ resource.PropertyMap) map[string]any {
		return map[string]any{"id": region, "name": region, "region": region,
			"endpoint": "ec2." + region + ".amazonaws.com", "description": region}
	},
	"aws:index/getPartition:getPartition": func(string, resource.PropertyMap) map[string]any {
		return map[string]any{"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}
	},
	"aws:ssm/getParameter:getParameter": func(region string, args resource.PropertyMap) map[string]any {
		name := args["name"].StringValue()
		return map[string]any{"id": name, "name": name, "type": "String", "version": 1.0,
			"value": "ami-" + shortHash(region+name), "insecureValue": "ami-" + shortHash(region+name),
			"arn": "arn:aws:ssm:" + region + "::parameter" + name}
	},
	"aws:ec2/getAmi:getAmi": func(region string, args resource.PropertyMap) map[string]any {
		id := "ami-" + shortHash(region+fmt.Sprint(args))
		return map[string]any{"id": id, "imageId": id, "architecture": "x86_64", "rootDeviceName": "/dev/xvda",
			"name": "mocked-image", "ownerId": "aws-marketplace", "state": "available"}
	},
}

func regionShort(region string) string {
	// ap-south-1 -> aps1, the prefix AWS uses in zone IDs.
	var out []byte
	parts := []byte(region)
	out = append(out, parts[0], parts[1])
	for i := 2; i < len(parts); i++ {
		if parts[i-1] == '-' {
			out = append(out, parts[i])
		}
	}
	return string(out)
}

func toAny(in []string) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}
