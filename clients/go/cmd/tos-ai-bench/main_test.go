package main

import (
	"context"
	"testing"

	"github.com/tos-network/tos-ai/clients/go/internal/testnode"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

// A short run of each driver phase, so that the bench keeps working; the figures are not checked.
func TestTheDriverPhasesRun(t *testing.T) {
	env := testnode.Node(t)
	c, err := tosai.NewClient(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	devs, err := c.DevAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	task, err := c.DevAccount(devs[0].Address).PublishTask(ctx, tosai.TaskData{Title: "Bench driver test task",
		TaskType: tosai.GeneralTask(""), RewardAmount: 20_000_000_000})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = c.DevAccount(devs[0].Address).CancelTask(ctx, task.TaskID) }()
	for _, phase := range []string{"get_balance", "list_active_tasks", "task_details"} {
		read, err := reader(c, phase, devs[0].Address, task.TaskID)
		if err != nil {
			t.Fatal(err)
		}
		row, err := reads(phase, read, 4, 0.05, 0.2)
		if err != nil || row.Ops == 0 || row.Errors != 0 || *row.P99ms < *row.P50ms {
			t.Errorf("%s: %+v %v", phase, row, err)
		}
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	row, err := replay(c, info.HeadSeq)
	if err != nil || uint64(row.Ops) != info.HeadSeq || !*row.InOrder {
		t.Errorf("events: %+v %v", row, err)
	}
}
