package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tos-network/tos-ai/clients/go/internal/testnode"
)

func TestTheQuickstartRuns(t *testing.T) {
	env := testnode.Node(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, env.URL, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"on devnet", "holds 1000 TOS", "published task", "CodeAnalysis", "200 TOS refunded"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
}
