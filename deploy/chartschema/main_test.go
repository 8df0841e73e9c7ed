package main

import (
	"bytes"
	"os"
	"testing"
)

// The committed schema is what the config type implies: a key added to the config and not to the
// chart fails here, with `make generate` as the fix.
func TestCommittedSchemaIsGenerated(t *testing.T) {
	committed, err := os.ReadFile("../helm/mongodbatlas-restore-exporter/values.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := render(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, fresh) {
		t.Error("values.schema.json differs from what the config type implies: run `make generate`")
	}
}
