package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/offline"
)

// Every control of the catalogue passes (or does not apply) on every real stack: the
// program is held to the same rules as the fixtures.
// Each control also passes somewhere, so none is left unexercised by the program.
func TestEveryControlPassesOnTheProgram(t *testing.T) {
	passedSomewhere := map[string]bool{}
	for _, name := range stacks {
		for _, res := range planned(t)[name].Document.Controls {
			assert.NotEqual(t, controls.Fail, res.Status, "%s: %s failed: %v", name, res.ID, res.Failures)
			passedSomewhere[res.ID] = passedSomewhere[res.ID] || res.Status == controls.Pass
		}
	}
	for _, c := range controls.Catalogue {
		assert.True(t, passedSomewhere[c.ID], "%s applies to no stack of the program", c.ID)
	}
}

// One explicit AWS provider per stack carries the organisation tags as default tags, and
// every AWS resource is registered with it, so AWS applies them to every taggable resource.
func TestEveryAWSResourceUsesTheTaggedProvider(t *testing.T) {
	for _, name := range stacks {
		s := stackOf(t, name)
		providers := s.OfType("pulumi:providers:aws")
		require.Len(t, providers, 1, name)
		p := providers[0]
		assert.Equal(t, "ap-south-1", inventory.String(p, "region"))
		dt, _ := p.Inputs["defaultTags"].(map[string]any)
		tags := inventory.StringMap(dt["tags"])
		for _, k := range controls.RequiredTags {
			assert.NotEmpty(t, tags[k], "%s: default tag %s", name, k)
		}
		assert.Equal(t, name, tags["environment"])
		assert.Equal(t, config.Project, tags["application"])
		assert.Equal(t, "pulumi", tags["managed-by"])
		for _, r := range s.Resources {
			if inventory.IsAWS(r) {
				assert.Same(t, p, s.ProviderOf(r), "%s: %s %s is not on the stack's provider", name, r.Type, r.Name)
			}
		}
	}
	assert.Equal(t, "restricted", inventory.StringMap(stackOf(t, "prod").OfType("pulumi:providers:aws")[0].Inputs["defaultTags"].(map[string]any)["tags"])["data-classification"])
}

// Invalid config fails before any resource is declared, naming every bad key together.
func TestInvalidConfigDeclaresNothing(t *testing.T) {
	resources, err := runRaw(t, "prod", map[string]string{
		"aws:region":          "eu-west-1",
		key("prodVpcCidr"):    "10.10.0.0/20", // the mgmt range
		key("azCount"):        "1",
		key("sqlNodeCount"):   "1",
		key("windowsVersion"): "2012-R2",
	})
	require.Error(t, err)
	assert.Empty(t, resources, "resources were declared before validation failed")
	for _, want := range []string{
		`aws:region = "eu-west-1"`,
		`giftcard-platform:prodVpcCidr = "10.10.0.0/20": expected a range disjoint from giftcard-platform:mgmtVpcCidr = 10.10.0.0/20`,
		`giftcard-platform:azCount = "1"`,
		`giftcard-platform:sqlNodeCount = "1"`,
		`giftcard-platform:windowsVersion = "2012-R2"`,
	} {
		assert.Contains(t, err.Error(), want)
	}
}

// A stack whose role does not match its name is refused before anything is declared.
func TestEnvironmentMustMatchTheStack(t *testing.T) {
	resources, err := runRaw(t, "uat", map[string]string{key("environment"): "prod"})
	require.ErrorContains(t, err, `giftcard-platform:environment = "prod": expected the role of stack "uat"`)
	assert.Empty(t, resources)
}

// uat and prod read the mgmt stack's real (planned) outputs through their StackReference.
func TestWorkloadStacksReadMgmtOutputs(t *testing.T) {
	mgmtOut := planned(t)["mgmt"].Result.Outputs.Values
	require.NotEmpty(t, mgmtOut["vpcId"])
	for _, name := range []string{"uat", "prod"} {
		s := stackOf(t, name)
		refs := s.OfType("pulumi:pulumi:StackReference")
		require.Len(t, refs, 1, name)
		assert.Equal(t, "organization/giftcard-platform/mgmt", refs[0].Name)
		out := planned(t)[name].Result.Outputs.Values
		assert.Equal(t, mgmtOut["vpcId"], out["mgmtVpcId"], name)
		assert.Equal(t, "10.10.0.0/20", out["mgmtVpcCidr"], name)
	}
	assert.Empty(t, stackOf(t, "mgmt").OfType("pulumi:pulumi:StackReference"))
}

// Stacks configured with different address plans would route to the wrong place.
func TestMgmtCidrMismatchFailsTheWorkloadStack(t *testing.T) {
	_, err := planWith(t, "uat", map[string]map[string]string{
		"mgmt": {key("mgmtVpcCidr"): "10.11.0.0/20"},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `giftcard-platform:mgmtVpcCidr = "10.10.0.0/20", but stack organization/giftcard-platform/mgmt reports its VPC CIDR as "10.11.0.0/20"`)
}

// The harness records parents and options from the register request.
func TestHarnessRecordsOptionsAndParents(t *testing.T) {
	s := stackOf(t, "prod")
	vpc := s.Named("gc-prod-vpc", "aws:ec2/vpc:Vpc")
	require.NotNil(t, vpc)
	comp := s.Named("gc-prod-vpc", "giftcard:network:Vpc")
	require.NotNil(t, comp)
	assert.Equal(t, comp.URN, vpc.Parent)
	assert.False(t, comp.Custom)
	assert.Regexp(t, `^vpc-[0-9a-f]+$`, vpc.ID)
	assert.NotNil(t, vpc.Dependencies)
	assert.NotNil(t, vpc.IgnoreChanges)
	assert.Contains(t, s.Children(comp.URN), vpc)
}

// The harness refuses invokes it has no answer for, so a new data source cannot silently
// plan with empty values.
func TestHarnessRefusesUnknownInvokes(t *testing.T) {
	mon := offline.NewMonitor(config.Project, "prod", "ap-south-1", nil)
	_, err := mon.Call(pulumi.MockCallArgs{Token: "aws:ec2/getVpc:getVpc"})
	require.ErrorContains(t, err, "no mock answer for invoke aws:ec2/getVpc:getVpc")
	azs, err := mon.Call(pulumi.MockCallArgs{Token: "aws:index/getAvailabilityZones:getAvailabilityZones"})
	require.NoError(t, err)
	assert.Len(t, azs["names"].ArrayValue(), 3)
}

// The README's stack-output table names every output each stack exports: uat and prod
// read mgmt's by name, and other tools read them too.
func TestReadmeDocumentsEveryStackOutput(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(projectDir, "README.md"))
	require.NoError(t, err)
	readme := string(raw)
	start := strings.Index(readme, "## Stack outputs")
	require.GreaterOrEqual(t, start, 0, "README has no stack-output section")
	section := readme[start:]
	section = section[:strings.Index(section[3:], "\n## ")+3]
	for _, name := range stacks {
		for output := range planned(t)[name].Result.Outputs.Values {
			assert.Contains(t, section, "`"+output+"`", "README does not document output %s of %s", output, name)
		}
	}
}
