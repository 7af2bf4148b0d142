package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tos-network/tos-ai/clients/go/internal/testnode"
	"github.com/tos-network/tos-ai/clients/go/mining"
)

func TestTheAutomineExampleAnswersItsTask(t *testing.T) {
	env := testnode.Node(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, env.URL, mining.OfflineDrafter{}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "the miner joined and answered it") {
		t.Errorf("output:\n%s", out.String())
	}
}
