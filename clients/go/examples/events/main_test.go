package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tos-network/tos-ai/clients/go/internal/testnode"
)

func TestTheEventsExampleReplaysAndStops(t *testing.T) {
	env := testnode.Node(t)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, env.URL, 0, "", &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "following chain") || !strings.Contains(out.String(), "stopped at seq") {
		t.Errorf("output:\n%s", out.String())
	}
}
