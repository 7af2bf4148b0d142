// Package testnode finds the conformance suite and the devnode the harness started, for tests.
//
// Tests that need a node call Node: run by clients/conformance/harness.py (make test-clients)
// they get its URLs and fail if it does not answer; run by a plain `go test ./...` they skip.
package testnode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Env is the devnode the harness started.
type Env struct {
	URL     string // TOS_NODE_URL
	WSURL   string // TOS_NODE_WS_URL
	Control string // TOS_CONFORMANCE_CONTROL ("" outside the harness)
}

// Required reports whether node tests must run (TOS_CONFORMANCE=1), not skip.
func Required() bool { return os.Getenv("TOS_CONFORMANCE") == "1" }

// Node returns the harness's devnode, skipping the test when there is none (outside the
// harness) and failing it when TOS_CONFORMANCE=1 and the node does not answer.
func Node(t testing.TB) Env {
	t.Helper()
	env := Env{URL: os.Getenv("TOS_NODE_URL"), WSURL: os.Getenv("TOS_NODE_WS_URL"),
		Control: os.Getenv("TOS_CONFORMANCE_CONTROL")}
	if env.URL == "" {
		if Required() {
			t.Fatal("TOS_CONFORMANCE=1 but TOS_NODE_URL is not set")
		}
		t.Skip("needs a devnode: run `make test-clients` (clients/conformance/harness.py --client go)")
	}
	if err := ping(env.URL); err != nil {
		if Required() {
			t.Fatalf("the devnode at %s does not answer: %v", env.URL, err)
		}
		t.Skipf("the devnode at %s does not answer (%v): run `make test-clients`", env.URL, err)
	}
	return env
}

func ping(url string) error {
	client := &http.Client{Timeout: 5 * time.Second}
	body := strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"get_version"}`)
	resp, err := client.Post(url, "application/json", body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// Do posts an action (restart, reset, stop, start) to the harness's control endpoint and
// returns its reply; it fails the test outside the harness.
func (e Env) Do(t testing.TB, action string, body map[string]any) map[string]any {
	t.Helper()
	if e.Control == "" {
		t.Fatalf("%s needs the harness's control endpoint (TOS_CONFORMANCE_CONTROL): run `make test-clients`", action)
	}
	data, _ := json.Marshal(body)
	client := &http.Client{Timeout: 90 * time.Second}
	resp, err := client.Post(e.Control+"/"+action, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("control %s: %v", action, err)
	}
	defer resp.Body.Close()
	var reply map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("control %s: HTTP %d %v %v", action, resp.StatusCode, reply, err)
	}
	return reply
}

// ConformanceDir is the shared suite's folder: TOS_CONFORMANCE_DIR under the harness, else the
// repository's clients/conformance (the same files, never a copy).
func ConformanceDir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("TOS_CONFORMANCE_DIR"); dir != "" {
		return dir
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "conformance")
	if _, err := os.Stat(filepath.Join(dir, "scenario.json")); err != nil {
		t.Fatalf("cannot find the conformance suite (set TOS_CONFORMANCE_DIR): %v", err)
	}
	return dir
}

// Load decodes a file of the conformance suite ("vectors/signing.json", "scenario.json").
func Load(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(ConformanceDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// Describe is a short form of a value for test messages.
func Describe(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// RulesWithout is an ai_get_rules reply without the members at the dotted paths (the ones that
// follow the node's settings, vectors/rules.json's "configurable"), as JSON with sorted keys, so
// two replies compare as strings.
func RulesWithout(t testing.TB, rules []byte, paths []string) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(rules))
	dec.UseNumber()
	var tree map[string]any
	if err := dec.Decode(&tree); err != nil {
		t.Fatalf("rules: %v", err)
	}
	for _, path := range paths {
		parts := strings.Split(path, ".")
		parent := tree
		for _, name := range parts[:len(parts)-1] {
			next, ok := parent[name].(map[string]any)
			if !ok {
				t.Fatalf("rules have no %s", path)
			}
			parent = next
		}
		delete(parent, parts[len(parts)-1])
	}
	out, err := json.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
