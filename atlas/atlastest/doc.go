// Package atlastest is an in-process simulator of the Atlas, Cloud Manager and Ops Manager Admin
// API that the exporter reads (restore jobs of every family, snapshots, clusters, projects), with
// Digest and OAuth, paging, per-project rate limits and Atlas's error bodies, plus the demo's
// lively jobs: for tests, benchmarks and --demo. Tests inject failures through its Interceptor
// with package faults, which the demo never links.
//
// It speaks the wire format from its own JSON fixtures and never uses the client's types, so a
// wrong JSON tag in package atlas fails a test instead of being mirrored here.
package atlastest
