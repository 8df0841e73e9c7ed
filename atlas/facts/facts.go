// Package facts holds what the Atlas Admin API publishes that both the config and the client
// decide by: which API root is v2, and the rate limits of the buckets the exporter draws on. It
// imports only the standard library, so the config, and the deploy module that imports it, do
// not link the client.
package facts

import (
	"strings"
	"time"
)

// Limits shape a token bucket: Capacity tokens at most, Refill tokens added every Period.
type Limits struct {
	Capacity float64
	Refill   float64
	Period   time.Duration
}

// Atlas's published defaults for the buckets the exporter draws on (atlas-api.md section 7).
var (
	// CloudBackupLimits covers both restore-job families, per project.
	CloudBackupLimits = Limits{Capacity: 1200, Refill: 500, Period: time.Minute}
	// FlexClusterLimits covers the Flex cluster routes, per project: 1,200 as Atlas answers in
	// RateLimit-Limit; the refill is not published, so the other 1,200 sets' is assumed.
	FlexClusterLimits = Limits{Capacity: 1200, Refill: 500, Period: time.Minute}
	// ClusterLimits covers cluster lists, per project.
	ClusterLimits = Limits{Capacity: 10000, Refill: 5000, Period: time.Minute}
	// ProjectLimits covers the list of projects the credential sees.
	ProjectLimits = Limits{Capacity: 1200, Refill: 500, Period: time.Minute}
	// OrgProjectLimits covers an organisation's project list, per organisation.
	OrgProjectLimits = Limits{Capacity: 500, Refill: 250, Period: time.Minute}
)

// IsV2 reports an Atlas v2 API root (a base URL or its path), whose resources need versioned
// media types and which alone serves Flex and collection restores.
func IsV2(root string) bool { return strings.HasSuffix(strings.TrimRight(root, "/"), "/v2") }
