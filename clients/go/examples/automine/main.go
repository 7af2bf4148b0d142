// Automine: the design's auto_mining_example in Go. A fresh devnode wallet is funded and
// registered, a task is published for it, and the loop joins and answers it with the offline
// drafter (or an OpenAI-compatible API with -ai-url and -ai-model), until Ctrl-C or -for.
//
//	go run ./examples/automine -node http://127.0.0.1:8545 -for 20s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/tos-network/tos-ai/clients/go/mining"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func main() {
	node := flag.String("node", envOr("TOS_NODE_URL", tosai.DefaultURL), "the node's URL")
	duration := flag.Duration("for", time.Hour, "stop after this long (the design runs for an hour)")
	aiURL := flag.String("ai-url", "", "an OpenAI-compatible API root (default: the offline drafter)")
	aiModel := flag.String("ai-model", "", "the model for -ai-url")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	var solver mining.Solver = mining.OfflineDrafter{}
	if *aiURL != "" {
		solver = &mining.OpenAISolver{BaseURL: *aiURL, Model: *aiModel, APIKey: os.Getenv("OPENAI_API_KEY")}
	}
	if err := run(ctx, *node, solver, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, node string, solver mining.Solver, out io.Writer) error {
	client, err := tosai.NewClient(node)
	if err != nil {
		return err
	}
	defer client.Close()
	miner, err := newFundedAccount(ctx, client, true)
	if err != nil {
		return err
	}
	publisher, err := newFundedAccount(ctx, client, false)
	if err != nil {
		return err
	}
	cfg := mining.DefaultConfig()
	cfg.TargetDifficulties = []tosai.Difficulty{tosai.Beginner, tosai.Intermediate}
	cfg.MinTimeLeft = time.Hour
	done := make(chan struct{}, 1)
	m, err := mining.New(client, miner, cfg, solver,
		mining.WithLogger(slog.New(slog.NewTextHandler(out, nil))),
		mining.WithObserver(func(a mining.Activity) {
			if a.Kind == "submitted" {
				select {
				case done <- struct{}{}:
				default:
				}
			}
		}))
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	finished := make(chan error, 1)
	go func() { finished <- m.Run(runCtx) }()

	time.Sleep(200 * time.Millisecond) // let the first scan pass: the event brings the task
	task, err := publisher.PublishTask(ctx, tosai.TaskData{Title: "Explain why merge sort is stable",
		TaskType: tosai.GeneralTask("teaching"), RewardAmount: tosai.TOS(80), MaxParticipants: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "published %s for the miner %s\n", task.TaskID, miner.Address())
	select {
	case <-done:
		fmt.Fprintln(out, "the miner joined and answered it")
	case <-ctx.Done():
	}
	stop()
	if err := <-finished; err != nil {
		return err
	}
	fmt.Fprintf(out, "%+v\n", m.Stats())
	return nil
}

func newFundedAccount(ctx context.Context, client *tosai.Client, miner bool) (*tosai.Account, error) {
	wallet, err := tosai.GenerateWallet()
	if err != nil {
		return nil, err
	}
	if _, err := client.DevFaucet(ctx, wallet.Address(), tosai.TOS(1000)); err != nil {
		return nil, err
	}
	account := client.Account(wallet)
	if miner {
		if _, err := account.RegisterMiner(ctx, tosai.MinerConfig{}); err != nil {
			return nil, err
		}
	}
	return account, nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
