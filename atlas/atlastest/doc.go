// Package atlastest is an in-process simulator of the Atlas Admin API's restore-job endpoints, for tests, benchmarks and the demo.
//
// It speaks the wire format from its own JSON fixtures and never uses the client's types, so a
// wrong JSON tag in package atlas fails a test instead of being mirrored here.
package atlastest
