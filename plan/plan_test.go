package plan

import (
	"bytes"
	"encoding/json"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/inventory"
)

// The JSON shape is a public contract: these are the documented field names.
func TestDocumentJSONShape(t *testing.T) {
	r := &inventory.Resource{URN: "urn:x", Type: "aws:ec2/vpc:Vpc", Name: "v", ID: "vpc-1", Custom: true,
		Inputs: map[string]any{"cidrBlock": "10.0.0.0/16"}, Dependencies: []string{}, IgnoreChanges: []string{}}
	s := inventory.NewStack("giftcard-platform", "prod", []*inventory.Resource{r}, map[string]any{"vpcId": "vpc-1"})
	doc := NewDocument(s, nil, controls.Catalogue)

	b, err := json.Marshal(doc)
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	assert.Equal(t, []string{"controls", "outputs", "project", "resources", "schemaVersion", "stack", "warnings"}, keys(raw))
	assert.EqualValues(t, 1, raw["schemaVersion"])

	res := raw["resources"].([]any)[0].(map[string]any)
	assert.Equal(t, []string{"custom", "deleteBeforeReplace", "dependencies", "id", "ignoreChanges", "inputs", "name",
		"parent", "protect", "provider", "retainOnDelete", "type", "urn"}, keys(res))

	ctl := raw["controls"].([]any)[0].(map[string]any)
	assert.Equal(t, []string{"failures", "frameworks", "id", "severity", "status", "title"}, keys(ctl))
}

func TestSummaryAndDiagram(t *testing.T) {
	provider := &inventory.Resource{URN: "urn:p", Type: "pulumi:providers:aws", Name: "aws", Custom: true, ID: "p",
		Inputs: map[string]any{"region": "ap-south-1"}}
	vpc := &inventory.Resource{URN: "urn:v", Type: "aws:ec2/vpc:Vpc", Name: "gc-prod-vpc", ID: "vpc-1", Custom: true, Provider: "urn:p::p",
		Inputs: map[string]any{"cidrBlock": "10.30.0.0/18"}}
	igw := &inventory.Resource{URN: "urn:i", Type: "aws:ec2/internetGateway:InternetGateway", Name: "igw", ID: "igw-1", Custom: true,
		Provider: "urn:p::p", Inputs: map[string]any{"vpcId": "vpc-1"}}
	sn := &inventory.Resource{URN: "urn:s", Type: "aws:ec2/subnet:Subnet", Name: "edge-a", ID: "subnet-1", Custom: true, Provider: "urn:p::p",
		Inputs: map[string]any{"vpcId": "vpc-1", "cidrBlock": "10.30.0.0/24", "tags": map[string]any{"tier": "edge"}}}
	rt := &inventory.Resource{URN: "urn:rt", Type: "aws:ec2/routeTable:RouteTable", Name: "edge-a", ID: "rtb-1", Custom: true, Provider: "urn:p::p",
		Inputs: map[string]any{"vpcId": "vpc-1", "tags": map[string]any{"tier": "edge"}}}
	route := &inventory.Resource{URN: "urn:r", Type: "aws:ec2/route:Route", Name: "edge-a-default", ID: "r-1", Custom: true, Provider: "urn:p::p",
		Inputs: map[string]any{"routeTableId": "rtb-1", "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}}
	s := inventory.NewStack("giftcard-platform", "prod", []*inventory.Resource{provider, vpc, igw, sn, rt, route}, nil)
	doc := NewDocument(s, []string{"careful"}, controls.Catalogue)

	var summary bytes.Buffer
	doc.WriteSummary(&summary)
	assert.Contains(t, summary.String(), "== stack prod: 6 resources")
	assert.Contains(t, summary.String(), "warning: careful")
	assert.Contains(t, summary.String(), "1  aws:ec2/vpc:Vpc")
	assert.Contains(t, summary.String(), "GC-TAG-1")

	var mmd bytes.Buffer
	doc.WriteMermaid(&mmd)
	out := mmd.String()
	assert.Contains(t, out, "flowchart LR")
	assert.Contains(t, out, `subgraph n_gc_prod_vpc["VPC gc-prod-vpc 10.30.0.0/18"]`)
	assert.Contains(t, out, `n_gc_prod_vpc_edge -->|"0.0.0.0/0"| n_igw_1`)
	assert.Contains(t, out, `n_igw_1 -->|"0.0.0.0/0"| internet`)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
