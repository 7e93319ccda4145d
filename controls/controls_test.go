package controls

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/inventory"
)

func result(t *testing.T, s *inventory.Stack, id string) Result {
	t.Helper()
	c := Find(id)
	require.NotNil(t, c, id)
	return Evaluate(s, []Control{*c})[0]
}

// Every control passes on at least one compliant fixture and fails on none.
func TestEveryControlPassesOnTheCompliantFixtures(t *testing.T) {
	for _, c := range Catalogue {
		passed := false
		for name, build := range compliantFixtures {
			r := result(t, build().stack(), c.ID)
			assert.NotEqual(t, Fail, r.Status, "%s on the %s fixture: %v", c.ID, name, r.Failures)
			passed = passed || r.Status == Pass
		}
		assert.True(t, passed, "%s passes on no compliant fixture", c.ID)
	}
}

func TestEveryControlFailsOnItsBrokenFixture(t *testing.T) {
	for _, c := range Catalogue {
		cases := breakages[c.ID]
		require.NotEmpty(t, cases, "control %s has no failing fixture", c.ID)
		for _, tc := range cases {
			t.Run(c.ID+"/"+tc.name, func(t *testing.T) {
				base := baseFixture[c.ID]
				if base == nil {
					base = compliantNetwork
				}
				f := base()
				require.Equal(t, Pass, result(t, f.stack(), c.ID).Status, "the base fixture must pass before it is broken")
				tc.breakIt(f)
				r := result(t, f.stack(), c.ID)
				require.Equal(t, Fail, r.Status)
				var urns []string
				for _, fl := range r.Failures {
					urns = append(urns, fl.URN)
					assert.NotEmpty(t, fl.Message)
				}
				culprit := f.stack().Named(tc.culprit)
				require.NotNil(t, culprit)
				assert.Contains(t, urns, culprit.URN)
			})
		}
	}
}

func TestControlsWithNothingToCheckAreNotApplicable(t *testing.T) {
	empty := inventory.NewStack("p", "s", nil, nil)
	for _, r := range Evaluate(empty, Catalogue) {
		if r.ID == noPlaintextSecrets.ID {
			continue // applies to every stack: an empty one has nothing to leak
		}
		assert.Equal(t, NotApplicable, r.Status, r.ID)
	}
}

func TestCatalogueEntriesAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Catalogue {
		assert.False(t, seen[c.ID], "duplicate id %s", c.ID)
		seen[c.ID] = true
		assert.NotEmpty(t, c.Title, c.ID)
		assert.NotEmpty(t, c.Frameworks, c.ID)
		assert.Contains(t, []Severity{Low, Medium, High, Critical}, c.Severity, c.ID)
		assert.NotNil(t, c.Rule, c.ID)
		for _, f := range c.Frameworks {
			assert.Regexp(t, frameworkRef, f, "%s: framework references follow one form, so auditors can filter on them", c.ID)
		}
	}
}

// frameworkRef is the form of a framework reference: a clause of CIS AWS Foundations
// v4.0, AWS FSBP, ISO 27001:2022 Annex A, the Well-Architected Framework, PCI DSS, or a
// named RBI or CERT-In instrument.
var frameworkRef = regexp.MustCompile(`^(CIS-AWS-4\.0 \d+(\.\d+)+|FSBP [A-Za-z0-9]+\.\d+|ISO27001-2022 A\.\d+\.\d+|AWS-WAF [A-Z]{3}\d{2}-BP\d{2}|PCI-DSS \d+(\.\d+)*|(RBI|CERT-In) .+)$`)

func TestBlockingOnlyHighAndCriticalFailures(t *testing.T) {
	results := []Result{
		{ID: "a", Severity: Critical, Status: Fail},
		{ID: "b", Severity: High, Status: Pass},
		{ID: "c", Severity: Medium, Status: Fail},
		{ID: "d", Severity: High, Status: Fail},
	}
	var ids []string
	for _, r := range Blocking(results) {
		ids = append(ids, r.ID)
	}
	assert.Equal(t, []string{"a", "d"}, ids)
}

// The README's control table lists every control of the catalogue as it is.
func TestReadmeListsEveryControl(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	for _, c := range Catalogue {
		row := fmt.Sprintf("| `%s` | %s | %s | %s |", c.ID, c.Severity, c.Title, strings.Join(c.Frameworks, "; "))
		assert.True(t, strings.Contains(string(raw), row), "README's control table has no row starting %q", row)
	}
}
