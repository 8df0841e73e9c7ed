package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// FuzzParse: no input makes the config loader panic, and an inline key never shows in its errors.
// The seed corpus (every file in testdata) runs in every `go test`; `make fuzz` explores further.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"good", "bad"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yml"))
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	const canary = "FUZZCANARYKEY0123456789"
	f.Fuzz(func(t *testing.T, data []byte) {
		// Plant the canary as the inline key, whatever else the input says.
		in := strings.ReplaceAll(string(data), "private_key: x", "private_key: "+canary)
		cfg, err := config.Parse([]byte(in), t.TempDir(), nil)
		if err != nil {
			// Where the input makes the canary a key rather than the key's value (a stray YAML
			// tag before private_key, say), naming it is the contract: unknown keys are named.
			msg := strings.ReplaceAll(err.Error(), "."+canary+": unknown key", "")
			if strings.Contains(msg, canary) {
				t.Fatalf("error carries the inline key: %v", err)
			}
			return
		}
		if len(cfg.Targets) == 0 {
			t.Fatal("a config without targets was accepted")
		}
		if err := cfg.Validate(nil); err != nil {
			t.Fatalf("an accepted config no longer validates: %v", err)
		}
	})
}
