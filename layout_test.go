package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/atlasrestore/mongodbatlas_restore_exporter"

// layoutEntry is a folder (or main.go) at the start of a line of the README's layout block, as
// "dir/" or "dir/, other/"; indented lines are descriptions or a sub-module's folders.
var layoutEntry = regexp.MustCompile(`^([a-z0-9_./]+(?:/|\.go))(?:,|\s|$)`)

// readmeLayout returns the README layout's product packages, top first (up to the first blank
// line of the block), and every folder the block names.
func readmeLayout(t *testing.T) (product []string, all map[string]bool) {
	t.Helper()
	f, err := os.Open("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all = map[string]bool{}
	inLayout, inBlock, inProduct := false, false, true
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "### Layout":
			inLayout = true
			continue
		case !inLayout:
			continue
		case strings.HasPrefix(line, "```"):
			if inBlock {
				return product, all
			}
			inBlock = true
			continue
		case !inBlock:
			continue
		case line == "":
			inProduct = false
			continue
		}
		for _, field := range strings.Split(line, ", ") {
			m := layoutEntry.FindStringSubmatch(field)
			if m == nil {
				break
			}
			pkg := strings.TrimSuffix(m[1], "/")
			if pkg == "main.go" {
				pkg = "."
			}
			all[pkg] = true
			if inProduct {
				product = append(product, pkg)
			}
		}
	}
	t.Fatal("README.md has no ### Layout code block")
	return nil, nil
}

// listedPackage is what the layout test reads of `go list -json`.
type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// goList runs `go list -json` with args and decodes its stream of packages.
func goList(t *testing.T, args ...string) []listedPackage {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-json"}, args...)...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v: %s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
}

// rel is a module package's folder as the README names it ("." for the root).
func rel(importPath string) (string, bool) {
	if importPath == module {
		return ".", true
	}
	return strings.CutPrefix(importPath, module+"/")
}

// The README's layout is the import graph: every package is listed, and each product package
// imports only product packages listed below it, so the arrows run one way.
func TestLayoutMatchesImports(t *testing.T) {
	t.Parallel()
	product, all := readmeLayout(t)
	for _, p := range goList(t, "./...") {
		dir, _ := rel(p.ImportPath)
		if !all[dir] {
			t.Errorf("the README's layout does not list %s/", dir)
			continue
		}
		at := slices.Index(product, dir)
		if at < 0 {
			continue // a test helper or a program: it may import any product package
		}
		for _, imp := range p.Imports {
			if d, ok := rel(imp); ok && slices.Index(product, d) <= at {
				t.Errorf("%s imports %s, which the README's layout lists above it or not among the product", dir, d)
			}
		}
	}
	for dir := range all {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("the README's layout lists %s/, which does not exist", dir)
		}
	}
}

// The binary links product packages only: no test helper, fault injection or report program.
func TestBinaryLinksNoTestCode(t *testing.T) {
	t.Parallel()
	product, _ := readmeLayout(t)
	pkgs := goList(t, "-deps", ".")
	for _, p := range pkgs {
		if dir, ok := rel(p.ImportPath); ok && !slices.Contains(product, dir) {
			t.Errorf("the binary links %s, which is not a product package", dir)
		}
	}
}
