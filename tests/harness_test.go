// Package tests runs the real program under Pulumi mocks (offline harness). Every test
// that links the cloud SDKs lives here, in one package, because each such test binary
// costs 15-20 s and ~3 GB to link.
package tests

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"

	"github.com/giftcard/platform-infra/estate"
	"github.com/giftcard/platform-infra/inventory"
	"github.com/giftcard/platform-infra/offline"
)

// projectDir is the repository root, where Pulumi.yaml and the stack files live.
const projectDir = ".."

var (
	allOnce sync.Once
	all     map[string]*offline.Planned
	allErr  error
)

// planned is the plan of the three real stacks, made once for the package.
func planned(t testing.TB) map[string]*offline.Planned {
	t.Helper()
	allOnce.Do(func() {
		chain, err := offline.NewChain(projectDir)
		if err != nil {
			allErr = err
			return
		}
		list, err := chain.Plan()
		all, allErr = map[string]*offline.Planned{}, err
		for _, p := range list {
			all[p.Stack] = p
		}
	})
	require.NoError(t, allErr)
	return all
}

func stackOf(t testing.TB, name string) *inventory.Stack {
	t.Helper()
	p := planned(t)[name]
	require.NotNil(t, p, "stack %s not planned", name)
	return p.Result.Inventory
}

// planWith plans stack (and mgmt before it) with config overrides per stack.
func planWith(t testing.TB, stack string, overrides map[string]map[string]string) (map[string]*offline.Planned, error) {
	t.Helper()
	chain, err := offline.NewChain(projectDir)
	require.NoError(t, err)
	chain.Overrides = overrides
	list, err := chain.Plan(stack)
	out := map[string]*offline.Planned{}
	for _, p := range list {
		out[p.Stack] = p
	}
	return out, err
}

// runRaw runs the program for one stack config with a fresh monitor, returning what the
// monitor recorded and the program's error.
func runRaw(t testing.TB, stack string, overrides map[string]string) ([]*inventory.Resource, error) {
	t.Helper()
	chain, err := offline.NewChain(projectDir)
	require.NoError(t, err)
	sc, err := chain.Config(stack)
	require.NoError(t, err)
	for k, v := range overrides {
		sc.Values[k] = v
	}
	mon := offline.NewMonitor(chain.Project.Name, stack, sc.Values["aws:region"], nil)
	err = pulumi.RunErr(estate.Run, pulumi.WithMocks(chain.Project.Name, stack, mon), func(ri *pulumi.RunInfo) {
		ri.Config = sc.Values
		ri.ConfigSecretKeys = sc.Secrets
	})
	return mon.Resources(), err
}

// copyProject copies Pulumi.yaml and the stack files into a temp dir for CLI tests that
// edit stack files.
func copyProject(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(projectDir, "Pulumi*.yaml"))
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644))
	}
	return dir
}

func key(k string) string { return "giftcard-platform:" + k }
