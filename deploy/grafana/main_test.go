package main

import (
	"bytes"
	"os"
	"testing"
)

// The committed dashboard must be exactly what the generator builds.
func TestDashboardIsUpToDate(t *testing.T) {
	want, err := render()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("deploy/grafana/dashboard.json is stale: run `make generate` and commit the result")
	}
}
