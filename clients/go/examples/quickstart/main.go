// Quickstart: connect to a devnode, make and fund a wallet, publish a task, find it in the
// list, and cancel it.
//
//	go run ./examples/quickstart -node http://127.0.0.1:8545
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func main() {
	node := flag.String("node", envOr("TOS_NODE_URL", tosai.DefaultURL), "the node's URL")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, *node, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, node string, out io.Writer) error {
	client, err := tosai.NewClient(node)
	if err != nil {
		return err
	}
	defer client.Close()
	info, err := client.Info(ctx)
	if err != nil {
		return err
	}
	network, err := client.NetworkInfo(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "node %s on %s (chain %s): %d active tasks, %d miners\n",
		info.Version, info.Network, info.ChainID, network.ActiveTasks, network.TotalMiners)

	wallet, err := tosai.GenerateWallet()
	if err != nil {
		return err
	}
	balance, err := client.DevFaucet(ctx, wallet.Address(), tosai.TOS(1000)) // devnode only
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wallet %s holds %s\n", wallet.Address(), balance.FormatTOS())

	publisher := client.Account(wallet)
	task, err := publisher.PublishTask(ctx, tosai.TaskData{
		Title:           "Optimize Rust Sorting Algorithm",
		Description:     "Make the sort stable and keep it O(n log n).",
		TaskType:        tosai.CodeAnalysis("rust"),
		RewardAmount:    tosai.TOS(200),
		DifficultyLevel: tosai.Intermediate,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "published task %s (%s), deadline %s\n", task.TaskID, task.Status,
		time.Unix(task.Deadline, 0).UTC().Format(time.RFC3339))

	mine, err := client.ListActiveTasks(ctx, tosai.ListTasksOptions{
		Filters: tosai.TaskFilters{Publisher: wallet.Address()}})
	if err != nil {
		return err
	}
	for _, t := range mine {
		fmt.Fprintf(out, "  %s  %-13s %-12s %s, stake from %s\n", t.TaskID[:12], t.TaskType.Variant,
			t.DifficultyLevel, t.RewardAmount.FormatTOS(), t.MinStake().FormatTOS())
	}
	cancelled, err := publisher.CancelTask(ctx, task.TaskID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "cancelled it: %s refunded\n", cancelled.Refunded.FormatTOS())
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
