// Package atlas is the client of the MongoDB Atlas, Cloud Manager and Ops Manager Admin API that
// the exporter reads: restore jobs of every family, snapshots, clusters and their backup settings,
// projects; with typed responses and errors, HTTP Digest and OAuth 2.0, retries, the rate-limit
// budget per Atlas bucket (background reads on its spare half), the in-flight bound, concurrent
// pages, and errors whose text from upstream passes through the one redactor (package redact).
package atlas
