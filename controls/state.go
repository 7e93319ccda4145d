package controls

import (
	"github.com/giftcard/platform-infra/inventory"
)

// StatefulTypes are the resources whose deletion or replacement loses data or the audit
// record: keys (and with them everything they encrypt), buckets, log groups, the trail,
// the GuardDuty detector (its findings), the VPN (the data centre's device is configured
// with its tunnel addresses), backup vaults and data volumes.
var StatefulTypes = []string{
	TypeKmsKey, TypeBucket, TypeLogGroup, TypeTrail, TypeDetector, TypeVpnConnection,
	"aws:backup/vault:Vault", "aws:ebs/volume:Volume",
}

var statefulProtected = Control{
	ID:         "GC-STATE-1",
	Title:      "Stateful resources (keys, buckets, log groups, trail, detector, VPN, vaults, volumes) are protected from deletion and replacement",
	Severity:   High,
	Frameworks: []string{"ISO27001-2022 A.5.33", "ISO27001-2022 A.8.13"},
	Rule: func(s *inventory.Stack) (bool, []Failure) {
		applicable := false
		var failures []Failure
		for _, typ := range StatefulTypes {
			for _, r := range s.OfType(typ) {
				applicable = true
				if !r.Protect {
					failures = append(failures, fail(r, "not protected: a code change or `pulumi destroy` would delete it, and a replacement would recreate it empty"))
				}
			}
		}
		return applicable, failures
	},
}
