// Events: print the node's events as they happen, from a seq on (0 replays every kept event),
// across node restarts, until Ctrl-C or -for runs out.
//
//	go run ./examples/events -node http://127.0.0.1:8545 -since 0 -for 30s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"

	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func main() {
	node := flag.String("node", envOr("TOS_NODE_URL", tosai.DefaultURL), "the node's URL")
	since := flag.Int64("since", -1, "replay events after this seq (-1: live events only)")
	names := flag.String("events", "", "event names, comma-separated (default: every event)")
	duration := flag.Duration("for", 0, "stop after this long (default: until Ctrl-C)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	if err := run(ctx, *node, *since, *names, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, node string, since int64, names string, out io.Writer) error {
	client, err := tosai.NewClient(node)
	if err != nil {
		return err
	}
	defer client.Close()
	opts := tosai.SubscribeOptions{Live: since < 0}
	if since >= 0 {
		opts.SinceSeq = uint64(since)
	}
	if names != "" {
		opts.Events = strings.Split(names, ",")
	}
	sub, err := client.Subscribe(ctx, opts)
	if err != nil {
		return err
	}
	defer sub.Close()
	fmt.Fprintf(out, "following chain %s from seq %d\n", sub.ChainID(), sub.Cursor())
	for ev := range sub.Events() {
		fmt.Fprintf(out, "%6d %-22s %s\n", ev.Seq, ev.Name, ev.Data)
	}
	err = <-sub.Err()
	var reset *tosai.ChainResetError
	switch {
	case errors.As(err, &reset):
		fmt.Fprintf(out, "the node's chain was reset (now %s); run again to follow it\n", reset.NewChainID)
		return nil
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		fmt.Fprintf(out, "stopped at seq %d after %d reconnections\n", sub.Cursor(), sub.Reconnects())
		return nil
	}
	return err
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
