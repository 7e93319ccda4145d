package tests

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The CLI loads Pulumi.yaml and the stack files through these functions, with the same
// schema and type checks: a file they refuse would fail every `pulumi up` before the
// program runs, which the offline plan (its own reader) would not show.
func TestTheCLIAcceptsTheProjectAndStackFiles(t *testing.T) {
	project, err := workspace.LoadProject(filepath.Join(projectDir, "Pulumi.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "giftcard-platform", project.Name.String())
	assert.Equal(t, "go", project.Runtime.Name())
	assert.Equal(t, "bin/giftcard-platform", project.Runtime.Options()["buildTarget"])

	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	for _, name := range stacks {
		stack, err := workspace.LoadProjectStack(sink, project, filepath.Join(projectDir, "Pulumi."+name+".yaml"))
		require.NoError(t, err, name)
		for key, value := range stack.Config {
			decl, typed := project.Config[key.Name()]
			if key.Namespace() != project.Name.String() || !typed || value.Secure() {
				continue
			}
			v, err := value.ToObject()
			require.NoError(t, err, "%s: %s", name, key)
			assert.True(t, workspace.ValidateConfigValue(decl.TypeName(), decl.Items, v),
				"%s: %s = %v is not of the declared type %s", name, key, v, decl.TypeName())
		}
		for k, decl := range project.Config {
			if decl.Secret {
				v, ok := stack.Config[config.MustMakeKey(project.Name.String(), k)]
				if assert.True(t, ok, "%s: the CLI requires secret key %s in every stack", name, k) {
					assert.True(t, v.Secure(), "%s: %s must be set with `pulumi config set --secret`", name, k)
				}
			}
		}
	}
}
