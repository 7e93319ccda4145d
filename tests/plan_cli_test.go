package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/offline"
)

// planCLI runs the offline plan command in-process, as `go run ./cmd/plan args...` would.
func planCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = offline.Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// editStack rewrites one stack file of a copied project.
func editStack(t *testing.T, dir, stack string, edit func(string) string) {
	t.Helper()
	path := filepath.Join(dir, "Pulumi."+stack+".yaml")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte(edit(string(b))), 0o644))
}

func TestPlanAllStacksWritesJSONAndDiagrams(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := planCLI(t, "-dir", projectDir, "-out", out)
	require.Equal(t, 0, code, stderr)
	// Deploy order: mgmt, then uat, then prod.
	iM, iU, iP := strings.Index(stdout, "== stack mgmt"), strings.Index(stdout, "== stack uat"), strings.Index(stdout, "== stack prod")
	require.True(t, iM >= 0 && iM < iU && iU < iP, stdout)
	assert.Contains(t, stdout, "-- per component")
	assert.Contains(t, stdout, "-- per type")
	assert.Contains(t, stdout, "-- controls:")

	for _, stack := range stacks {
		b, err := os.ReadFile(filepath.Join(out, stack+".json"))
		require.NoError(t, err)
		var doc struct {
			SchemaVersion int    `json:"schemaVersion"`
			Project       string `json:"project"`
			Stack         string `json:"stack"`
			Resources     []struct {
				URN, Type, Name string
				Custom          bool
				Inputs          map[string]any
			} `json:"resources"`
			Outputs  map[string]any `json:"outputs"`
			Controls []struct {
				ID, Status string
			} `json:"controls"`
		}
		require.NoError(t, json.Unmarshal(b, &doc), stack)
		assert.Equal(t, 1, doc.SchemaVersion)
		assert.Equal(t, "giftcard-platform", doc.Project)
		assert.Equal(t, stack, doc.Stack)
		types := map[string]int{}
		for _, r := range doc.Resources {
			types[r.Type]++
		}
		assert.Equal(t, 1, types["aws:ec2/vpc:Vpc"], stack)
		assert.Equal(t, 2, types["aws:ec2/natGateway:NatGateway"], stack)
		tiers := 4
		if stack != "mgmt" {
			tiers = 6
		}
		assert.Equal(t, tiers*2, types["aws:ec2/subnet:Subnet"], stack)
		assert.NotEmpty(t, doc.Outputs["vpcId"])
		assert.NotEmpty(t, doc.Controls)

		mmd, err := os.ReadFile(filepath.Join(out, stack+".mmd"))
		require.NoError(t, err)
		assert.True(t, strings.Contains(string(mmd), "flowchart LR"), stack)
	}
}

func TestPlanOneStackPlansMgmtFirstWhenItIsReferenced(t *testing.T) {
	code, stdout, stderr := planCLI(t, "-dir", projectDir, "-stack", "prod")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "== stack mgmt: planned to feed the stack references of prod")
	assert.Contains(t, stdout, "== stack prod:")
	assert.NotContains(t, stdout, "== stack uat")
}

func TestOverlappingCIDRsExitTwoNamingBothRanges(t *testing.T) {
	dir := copyProject(t)
	editStack(t, dir, "prod", func(s string) string {
		return s + "  giftcard-platform:prodVpcCidr: 10.20.0.0/18\n" // contains the uat range
	})
	code, _, stderr := planCLI(t, "-dir", dir, "-stack", "prod")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "10.20.0.0/18")
	assert.Contains(t, stderr, "10.20.0.0/20")
	assert.Contains(t, stderr, "giftcard-platform:prodVpcCidr")
	assert.Contains(t, stderr, "giftcard-platform:uatVpcCidr")
}

func TestRegionOutsideIndiaExitsTwo(t *testing.T) {
	dir := copyProject(t)
	editStack(t, dir, "uat", func(s string) string { return strings.Replace(s, "ap-south-1", "eu-west-1", 1) })
	code, _, stderr := planCLI(t, "-dir", dir, "-stack", "uat")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `aws:region = "eu-west-1": expected a region in India`)
}

// With the explicit override the config is valid, but the critical data-localisation
// control still fails, so the plan exits 1.
func TestOverrideOutsideIndiaFailsTheCriticalControl(t *testing.T) {
	dir := copyProject(t)
	editStack(t, dir, "uat", func(s string) string {
		return strings.Replace(s, "ap-south-1", "eu-west-1", 1) + "  giftcard-platform:allowDataOutsideIndia: true\n"
	})
	code, stdout, stderr := planCLI(t, "-dir", dir, "-stack", "uat")
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stdout, "warning: payment system data leaves India")
	assert.Regexp(t, `FAIL\s+critical GC-DATA-1`, stdout)
	assert.Contains(t, stderr, "a control of severity high or critical failed")
}

func TestUnknownStackAndBadFlagsExitTwo(t *testing.T) {
	code, _, stderr := planCLI(t, "-dir", projectDir, "-stack", "staging")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "Pulumi.staging.yaml")
	code, _, _ = planCLI(t, "-no-such-flag")
	assert.Equal(t, 2, code)
}

// Secure values cannot be decrypted offline: the plan feeds a placeholder and never prints
// it. Here the value is one the program uses unmarked (a tag), so the critical GC-SEC-1
// control fails: `pulumi up` would store that secret in plain text.
func TestSecureValuesAreReplacedAndNeverPrinted(t *testing.T) {
	dir := copyProject(t)
	editStack(t, dir, "mgmt", func(s string) string {
		return s + "  giftcard-platform:owner:\n    secure: v1:c2VjcmV0LWNpcGhlcnRleHQ=\n"
	})
	out := t.TempDir()
	code, stdout, stderr := planCLI(t, "-dir", dir, "-stack", "mgmt", "-out", out)
	require.Equal(t, 1, code, stderr)
	assert.Regexp(t, `FAIL\s+critical GC-SEC-1`, stdout)
	assert.Contains(t, stdout, "input defaultTags.tags.owner holds a secret config value in plain text")
	placeholder := offline.Placeholder("giftcard-platform:owner")
	b, err := os.ReadFile(filepath.Join(out, "mgmt.json"))
	require.NoError(t, err)
	for _, text := range []string{stdout, stderr, string(b)} {
		assert.NotContains(t, text, placeholder)
		assert.NotContains(t, text, "c2VjcmV0LWNpcGhlcnRleHQ")
	}
	assert.Contains(t, string(b), `"owner": "[secret-in-plaintext]"`)
}
