// Command generate writes the files shipped from the mixin: deploy/prometheus/alerts.yml and
// rules.yml, their copies in the Helm chart, and deploy/grafana/dashboard.json.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/deploy/mixin"
)

func main() {
	root := flag.String("root", "..", "the deploy/ folder the paths are relative to")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(root string) error {
	files, err := mixin.Render()
	if err != nil {
		return err
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(p)), files[p], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}
