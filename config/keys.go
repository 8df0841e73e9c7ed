package config

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// checkKeys walks the document against the Config type before it is decoded, so that every
// unknown key and every malformed duration is reported at once, by its config path
// (targets[2].cluster_name) and line, with the nearest valid key for a misspelt one, rather than
// as yaml.v3's first complaint about a Go type.
func checkKeys(doc *yaml.Node) (errs []error, lines map[string]int) {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	lines = map[string]int{}
	walkKeys(doc, reflect.TypeOf(Config{}), "", &errs, lines)
	return errs, lines
}

// misplaced says where a key found at the top belongs, when it belongs one level down: an atlas
// key not indented under atlas:, a target key outside a target.
func misplaced(key string) string {
	if _, ok := yamlFields(reflect.TypeOf(Atlas{}))[key]; ok {
		return "; it belongs under atlas: (indent it by two spaces below an atlas: line)"
	}
	if _, ok := yamlFields(reflect.TypeOf(Target{}))[key]; ok {
		return "; it belongs in a target, under targets: as - " + key + ": ..."
	}
	return ""
}

var durationType = reflect.TypeOf(model.Duration(0))

// walkKeys checks n against t at path, and notes the line of every path it meets in lines, so
// that validation errors, which name paths, can name lines too.
func walkKeys(n *yaml.Node, t reflect.Type, path string, errs *[]error, lines map[string]int) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if path != "" {
		lines[path] = n.Line
	}
	switch {
	case t == durationType:
		if n.Kind == yaml.ScalarNode {
			if _, err := model.ParseDuration(n.Value); err != nil {
				*errs = append(*errs, &fieldError{line: n.Line,
					msg: fmt.Sprintf("%s: %q is not a duration (for example 90s, 10m, 12h, 30d, 1w)", path, clip(n.Value))})
			}
		}
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			ft, ok := fields[key.Value]
			if !ok {
				msg := fmt.Sprintf("%s: unknown key", join(path, clip(key.Value)))
				if m := misplaced(key.Value); path == "" && m != "" {
					msg += m
				} else if s := nearest(key.Value, fields); s != "" {
					msg += fmt.Sprintf("; did you mean %s?", s)
				}
				*errs = append(*errs, &fieldError{line: key.Line, msg: msg})
				continue
			}
			walkKeys(val, ft, join(path, key.Value), errs, lines)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			walkKeys(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), errs, lines)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps a struct's YAML keys to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		out[name] = f.Type
	}
	return out
}

// nearestValue suggests the valid value closest to a misspelt one (cloudbackup: cloud_backup).
func nearestValue(v string, valid ...string) string {
	fields := make(map[string]reflect.Type, len(valid))
	for _, x := range valid {
		fields[x] = nil
	}
	return nearest(v, fields)
}

// nearest suggests the valid key closest to a misspelt one, if it is close enough to be a typo:
// at most a third of its letters differ.
func nearest(key string, fields map[string]reflect.Type) string {
	best, bestDist := "", len(key)/3+1
	norm := strings.ToLower(strings.ReplaceAll(key, "-", "_"))
	bare := strings.ReplaceAll(norm, "_", "")
	for name := range fields {
		d := editDistance(norm, name)
		if bare == strings.ReplaceAll(name, "_", "") {
			d = 0 // only the underscores differ: cloudbackup for cloud_backup
		}
		if d == 0 {
			d = 1 // only case or dashes differ: still a different key
		}
		if d < bestDist || d == bestDist && name < best {
			best, bestDist = name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, by bytes: keys are ASCII.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
