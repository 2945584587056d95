package main

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed/schemas"
)

// TestManifestDocs fails when docs/manifest.md is not what the schema's
// descriptions generate. MAGESEED_UPDATE=1 rewrites it.
func TestManifestDocs(t *testing.T) {
	const path = "../../docs/manifest.md"
	want, err := manifestDocs(schemas.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("MAGESEED_UPDATE") != "" {
		if err := os.MkdirAll("../../docs", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with MAGESEED_UPDATE=1 go test ./cmd/mageseed -run TestManifestDocs)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("docs/manifest.md is stale; run MAGESEED_UPDATE=1 go test ./cmd/mageseed -run TestManifestDocs (-want +got):\n%s", diff)
	}
}
