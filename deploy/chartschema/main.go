// Command chartschema writes the config part of the Helm chart's values.schema.json from the
// exporter's config type, so the chart takes every key the exporter takes and cannot drift from
// it; the rest of the schema (image, service, ...) is the chart's own and is kept as it is.
//
// Run `go generate ./...` in deploy/ (or `make generate` at the top) after changing the config
// type; a test fails when the committed schema differs from what this program writes.
package main

//go:generate go run . -schema ../helm/mongodbatlas-restore-exporter/values.schema.json

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

func main() {
	path := flag.String("schema", "values.schema.json", "the chart's values.schema.json, rewritten in place")
	flag.Parse()
	data, err := os.ReadFile(*path)
	if err == nil {
		data, err = render(data)
	}
	if err == nil {
		err = os.WriteFile(*path, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// render replaces properties.config of the chart's schema with the one the config type implies.
func render(current []byte) ([]byte, error) {
	var schema map[string]any
	if err := json.Unmarshal(current, &schema); err != nil {
		return nil, fmt.Errorf("read the chart's schema: %w", err)
	}
	props, ok := schema["properties"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the chart's schema has no properties")
	}
	cfg := typeSchema(reflect.TypeOf(config.Config{}), "")
	cfg["required"] = []string{"atlas", "targets"}
	props["config"] = cfg
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(schema); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// inSecret are the keys the chart never puts in its ConfigMap: inline secrets belong in the
// Secret it mounts, whose path the chart sets as private_key_file or client_secret_file.
var inSecret = map[string]bool{"atlas.private_key": true, "atlas.client_secret": true}

// Constraints the config type's Go types cannot say; config.Validate has the last word, and
// these catch the commonest mistakes at `helm install` already.
var (
	objectID    = map[string]any{"type": "string", "pattern": "^[0-9a-fA-F]{24}$"}
	clusterName = map[string]any{"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}
	rootURL     = map[string]any{"type": "string", "pattern": "^https?://"}
	byPath      = map[string]map[string]any{
		"atlas.base_url":          rootURL,
		"atlas.token_url":         rootURL,
		"atlas.min_tls_version":   {"type": "string", "enum": []string{"TLS12", "TLS13"}},
		"targets.group_id":        objectID,
		"targets.org_id":          objectID,
		"targets.cluster_id":      objectID,
		"targets.cluster_name":    clusterName,
		"targets.restore_job_ids": {"type": "array", "items": objectID},
		"targets.api":             {"type": "string", "enum": []string{config.APIAuto, config.APILegacy, config.APICloudBackup, config.APIFlex}},
	}
	// duration is Prometheus's duration syntax, days and weeks included, as the exporter reads it.
	duration     = map[string]any{"type": "string", "pattern": "^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$"}
	durationType = reflect.TypeOf(model.Duration(0))
)

// typeSchema is the JSON Schema of a config type at path (dotted, slices transparent).
func typeSchema(t reflect.Type, path string) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := byPath[path]; ok {
		return s
	}
	switch {
	case t == durationType:
		return duration
	case t.Kind() == reflect.Struct:
		props := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			p := strings.TrimPrefix(path+"."+name, ".")
			if inSecret[p] {
				continue
			}
			props[name] = typeSchema(f.Type, p)
		}
		return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	case t.Kind() == reflect.Slice:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem(), path)}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return map[string]any{"type": "integer", "minimum": 0}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number", "minimum": 0}
	}
	panic(fmt.Sprintf("chartschema: no schema for %s (%s): teach typeSchema the type", path, t))
}
