package mp3enc

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// TestBuilds builds the package the ways it is shipped: without cgo, for
// the Raspberry Pis (ARMv6, ARMv7, arm64), and shine-only with -tags
// nolame, which must not import purego at all.
func TestBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles: not in -short")
	}
	goTool := testenv.RequireTool(t, "go", "golang-go")
	const purego = "github.com/ebitengine/purego"
	tests := []struct {
		name   string
		env    []string
		tags   string
		purego bool // LAME can be loaded
	}{
		{"CGO_ENABLED=0", []string{"CGO_ENABLED=0"}, "", true},
		{"nolame", nil, "nolame", false},
		{"nolame, CGO_ENABLED=0", []string{"CGO_ENABLED=0"}, "nolame", false},
		{"arm GOARM=6", []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm", "GOARM=6"}, "", true},
		{"arm GOARM=7", []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm", "GOARM=7"}, "", true},
		{"arm64", []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"}, "", true},
		{"darwin arm64", []string{"CGO_ENABLED=0", "GOOS=darwin", "GOARCH=arm64"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := func(args ...string) string {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				defer cancel()
				args = append(args[:1:1], append([]string{"-tags=" + tt.tags}, args[1:]...)...)
				cmd := exec.CommandContext(ctx, goTool, args...)
				cmd.Env = append(os.Environ(), tt.env...)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%v go %s: %v\n%s", tt.env, strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			deps := strings.Fields(run("list", "-deps", "."))
			if got := slices.Contains(deps, purego); got != tt.purego {
				t.Errorf("imports purego: %v, want %v", got, tt.purego)
			}
			run("build", "-o", os.DevNull, ".")
			if tt.tags != "" {
				// go vet ./... sees only the default build's files.
				run("vet", ".")
			}
		})
	}
}
