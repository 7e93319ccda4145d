package tests

import (
	"testing"

	"github.com/giftcard/platform-infra/offline"
)

// BenchmarkPlanAllStacks plans mgmt, uat and prod under mocks, as `go run ./cmd/plan`
// does, with controls evaluated. Run: go test ./tests/ -run '^$' -bench PlanAllStacks -benchmem
func BenchmarkPlanAllStacks(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		chain, err := offline.NewChain(projectDir)
		if err != nil {
			b.Fatal(err)
		}
		planned, err := chain.Plan()
		if err != nil {
			b.Fatal(err)
		}
		if len(planned) != 3 {
			b.Fatalf("planned %d stacks, want 3", len(planned))
		}
	}
}
