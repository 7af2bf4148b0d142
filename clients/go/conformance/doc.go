// Package conformance holds no code: its test runs the shared conformance scenario
// (clients/conformance/scenario.md) through the Go client's public API, against the devnode
// that clients/conformance/harness.py starts. Run it with `make test-clients`.
package conformance
