package controls

import (
	"fmt"
	"slices"
	"strings"

	"github.com/giftcard/platform-infra/config"
	"github.com/giftcard/platform-infra/inventory"
)

// RequiredTags are the organisation tags every AWS resource must carry (own or default).
var RequiredTags = []string{"environment", "application", "owner", "cost-centre", "data-classification", "managed-by"}

var tagsComplete = Control{
	ID:         "GC-TAG-1",
	Title:      "Every AWS resource carries the organisation tags through an explicit provider",
	Severity:   High,
	Frameworks: []string{"ISO27001-2022 A.5.9", "ISO27001-2022 A.5.12"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		applicable := false
		var failures []Failure
		for _, r := range s.Resources {
			if !inventory.IsAWS(r) {
				continue
			}
			applicable = true
			if s.ProviderOf(r) == nil {
				failures = append(failures, fail(r, "registered with the default AWS provider, so no default tags apply"))
				continue
			}
			tags := s.EffectiveTags(r)
			var missing []string
			for _, k := range RequiredTags {
				if strings.TrimSpace(tags[k]) == "" {
					missing = append(missing, k)
				}
			}
			if len(missing) > 0 {
				failures = append(failures, fail(r, "missing or empty tags: "+strings.Join(missing, ", ")))
			}
		}
		return applicable, failures
	},
}

var dataInIndia = Control{
	ID:         "GC-DATA-1",
	Title:      "Every cloud provider and resource location is in India (payment data localisation)",
	Severity:   Critical,
	Frameworks: []string{"RBI DPSS.CO.OD.No.2785/06.08.005/2017-18", "RBI MD-PPIs 2021"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		applicable := false
		var failures []Failure
		for _, r := range s.Resources {
			switch {
			case r.Type == "pulumi:providers:aws":
				applicable = true
				if region := inventory.String(r, "region"); !slices.Contains(config.IndianAWSRegions, region) {
					failures = append(failures, fail(r, fmt.Sprintf("AWS provider region %q is not in India", region)))
				}
			case inventory.IsAWS(r) && r.Provider == "":
				applicable = true
				failures = append(failures, fail(r, "uses the default AWS provider, whose region comes from the environment"))
			case r.Custom && inventory.Package(r.Type) == "azure-native":
				applicable = true
				if loc := inventory.String(r, "location"); loc != "" && !slices.Contains(config.IndianAzureRegions, strings.ToLower(strings.ReplaceAll(loc, " ", ""))) {
					failures = append(failures, fail(r, fmt.Sprintf("Azure location %q is not in India", loc)))
				}
			}
		}
		return applicable, failures
	},
}
