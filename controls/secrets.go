package controls

import (
	"fmt"

	"github.com/giftcard/platform-infra/inventory"
)

var noPlaintextSecrets = Control{
	ID:         "GC-SEC-1",
	Title:      "No secret config value reaches a resource input or stack output unmarked (it would be stored in plain text in the state)",
	Severity:   Critical,
	Frameworks: []string{"ISO27001-2022 A.8.24", "RBI MD-PPIs 2021 §15 (information security)"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		var failures []Failure
		for _, r := range s.Resources {
			for _, path := range leakedPaths(r.Inputs, "") {
				failures = append(failures, fail(r, fmt.Sprintf("input %s holds a secret config value in plain text; wrap it with pulumi.ToSecret", path)))
			}
		}
		for _, path := range leakedPaths(s.Outputs, "") {
			failures = append(failures, Failure{URN: "stack output " + path, Message: "a stack output holds a secret config value in plain text; export it with pulumi.ToSecret"})
		}
		return true, failures
	},
}

// leakedPaths lists the paths (a.b[2].c) of inventory.LeakedSecret values in v.
func leakedPaths(v any, at string) []string {
	switch x := v.(type) {
	case string:
		if x == inventory.LeakedSecret {
			return []string{at}
		}
	case map[string]any:
		var out []string
		for _, k := range inventory.SortedKeys(x) {
			p := k
			if at != "" {
				p = at + "." + k
			}
			out = append(out, leakedPaths(x[k], p)...)
		}
		return out
	case []any:
		var out []string
		for i, e := range x {
			out = append(out, leakedPaths(e, fmt.Sprintf("%s[%d]", at, i))...)
		}
		return out
	}
	return nil
}
