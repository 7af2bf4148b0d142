// Command tos-ai-bench measures what one Go process sustains against one node through the Go
// client: reads per second, events per second over /ai/ws, and the auto-miner's publish →
// participation latency. It prints JSON.
//
// As a driver of bench/clients_bench.py (the protocol in bench/README.md) it runs the one phase
// that TOS_BENCH_PHASE names and prints one JSON line. Run by hand against a devnode it runs
// every phase itself:
//
//	go run ./cmd/tos-ai-bench -node http://127.0.0.1:8545 -seconds 5 -events 20000 -miner-tasks 50
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tos-network/tos-ai/clients/go/mining"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func main() {
	if phase := os.Getenv("TOS_BENCH_PHASE"); phase != "" {
		result, err := driver(phase)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tos-ai-bench:", err)
			os.Exit(1)
		}
		emit(os.Stdout, result)
		return
	}
	node := flag.String("node", envOr("TOS_NODE_URL", tosai.DefaultURL), "the node (a devnode: the bench funds accounts)")
	seconds := flag.Float64("seconds", 5, "measured seconds per read phase")
	warmup := flag.Float64("warmup", 1, "unmeasured seconds before each read phase")
	events := flag.Int("events", 20000, "events the log must hold for the replay (made by publish+cancel pairs)")
	minerTasks := flag.Int("miner-tasks", 50, "tasks published one by one for the miner latency (0 to skip)")
	flag.Parse()
	if err := standalone(*node, *seconds, *warmup, *events, *minerTasks); err != nil {
		fmt.Fprintln(os.Stderr, "tos-ai-bench:", err)
		os.Exit(1)
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func emit(w io.Writer, v any) {
	data, _ := json.Marshal(v)
	fmt.Fprintln(w, string(data))
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func percentile(sorted []float64, fraction float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(fraction*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// result is one phase's figures, in bench/README.md's driver format.
type result struct {
	Client     string   `json:"client"`
	Phase      string   `json:"phase"`
	Ops        int64    `json:"ops"`
	Errors     int64    `json:"errors"`
	Seconds    float64  `json:"seconds"`
	CPUSeconds float64  `json:"cpu_seconds"`
	P50ms      *float64 `json:"p50_ms,omitempty"`
	P99ms      *float64 `json:"p99_ms,omitempty"`
	InOrder    *bool    `json:"in_order,omitempty"`
	Rate       float64  `json:"per_second"`
}

func driver(phase string) (*result, error) {
	client, err := tosai.NewClient(os.Getenv("TOS_NODE_URL"))
	if err != nil {
		return nil, err
	}
	defer client.Close()
	num := func(name string, fallback float64) float64 {
		if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
			return v
		}
		return fallback
	}
	if phase == "events" {
		return replay(client, uint64(num("TOS_BENCH_EVENTS", 0)))
	}
	read, err := reader(client, phase, os.Getenv("TOS_BENCH_ADDRESS"), os.Getenv("TOS_BENCH_TASK_ID"))
	if err != nil {
		return nil, err
	}
	return reads(phase, read, int(num("TOS_BENCH_CONCURRENCY", 1)), num("TOS_BENCH_WARMUP", 1), num("TOS_BENCH_SECONDS", 5))
}

func reader(c *tosai.Client, phase, address, taskID string) (func(context.Context) error, error) {
	switch phase {
	case "get_balance":
		return func(ctx context.Context) error { _, err := c.Balance(ctx, address); return err }, nil
	case "list_active_tasks":
		return func(ctx context.Context) error {
			_, err := c.ListActiveTasks(ctx, tosai.ListTasksOptions{Limit: 50})
			return err
		}, nil
	case "task_details":
		return func(ctx context.Context) error { _, err := c.TaskDetails(ctx, taskID); return err }, nil
	}
	return nil, fmt.Errorf("unknown phase %q", phase)
}

// reads calls read in a closed loop, concurrency at once, counting after warmup.
func reads(phase string, read func(context.Context) error, concurrency int, warmup, seconds float64) (*result, error) {
	ctx := context.Background()
	var measuring atomic.Bool
	var ops, errs atomic.Int64
	stop := time.Now().Add(time.Duration((warmup + seconds) * float64(time.Second)))
	latencies := make([][]float64, concurrency)
	var wg sync.WaitGroup
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				started := time.Now()
				err := read(ctx)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					errs.Add(1)
					continue
				}
				latencies[w] = append(latencies[w], float64(time.Since(started).Microseconds())/1000)
				ops.Add(1)
			}
		}()
	}
	time.Sleep(time.Duration(warmup * float64(time.Second)))
	measuring.Store(true)
	cpu, started := cpuSeconds(), time.Now()
	wg.Wait()
	elapsed := time.Since(started).Seconds()
	all := slices.Concat(latencies...)
	slices.Sort(all)
	p50, p99 := percentile(all, 0.5), percentile(all, 0.99)
	return &result{Client: "go", Phase: phase, Ops: ops.Load(), Errors: errs.Load(), Seconds: elapsed,
		CPUSeconds: cpuSeconds() - cpu, P50ms: &p50, P99ms: &p99, Rate: float64(ops.Load()) / elapsed}, nil
}

// replay reads count events from seq 0 through the client's event stream.
func replay(c *tosai.Client, count uint64) (*result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cpu, started := cpuSeconds(), time.Now()
	sub, err := c.Subscribe(ctx, tosai.SubscribeOptions{Buffer: 4096})
	if err != nil {
		return nil, err
	}
	defer sub.Close()
	inOrder, last, received := true, uint64(0), int64(0)
	for ev := range sub.Events() {
		var d struct {
			TaskID *string `json:"task_id"`
		}
		_ = json.Unmarshal(ev.Data, &d) // consumed as an application would
		inOrder = inOrder && ev.Seq == last+1
		last = ev.Seq
		received++
		if uint64(received) >= count {
			break
		}
	}
	elapsed := time.Since(started).Seconds()
	return &result{Client: "go", Phase: "events", Ops: received, Seconds: elapsed, CPUSeconds: cpuSeconds() - cpu,
		InOrder: &inOrder, Rate: float64(received) / elapsed}, nil
}

// --- standalone ---------------------------------------------------------------------------------

func standalone(node string, seconds, warmup float64, events, minerTasks int) error {
	ctx := context.Background()
	c, err := tosai.NewClient(node)
	if err != nil {
		return err
	}
	defer c.Close()
	devs, err := c.DevAccounts(ctx)
	if err != nil {
		return fmt.Errorf("the bench needs a devnode (dev_accounts): %w", err)
	}
	fmt.Fprintf(os.Stderr, "filling %s to %d events\n", node, events)
	taskID, err := fill(ctx, c, devs, events)
	if err != nil {
		return err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return err
	}
	var rows []*result
	for _, phase := range []struct {
		name        string
		concurrency int
	}{{"get_balance", 1}, {"get_balance", 16}, {"list_active_tasks", 16}, {"task_details", 16}} {
		read, _ := reader(c, phase.name, devs[3].Address, taskID)
		row, err := reads(phase.name, read, phase.concurrency, warmup, seconds)
		if err != nil {
			return err
		}
		row.Phase = fmt.Sprintf("%s x%d", phase.name, phase.concurrency)
		rows = append(rows, row)
		fmt.Fprintf(os.Stderr, "%-22s %8.0f/s  p50 %.2f ms  p99 %.2f ms  cpu %.2f cores\n", row.Phase, row.Rate,
			*row.P50ms, *row.P99ms, row.CPUSeconds/row.Seconds)
	}
	row, err := replay(c, info.HeadSeq)
	if err != nil {
		return err
	}
	rows = append(rows, row)
	fmt.Fprintf(os.Stderr, "%-22s %8.0f/s  (%d events, in order %v)\n", "events replay", row.Rate, row.Ops, *row.InOrder)
	report := map[string]any{"client": "go", "node": node, "rows": rows}
	if minerTasks > 0 {
		latency, err := minerLatency(ctx, c, minerTasks)
		if err != nil {
			return err
		}
		report["miner"] = latency
		fmt.Fprintf(os.Stderr, "miner publish→join      p50 %.1f ms  p99 %.1f ms  (%d tasks)\n",
			latency["p50_ms"], latency["p99_ms"], minerTasks)
	}
	emit(os.Stdout, report)
	return nil
}

// fill makes sure the node has an open task to read and at least events events, publishing
// and cancelling as the unlocked dev accounts, 16 at a time.
func fill(ctx context.Context, c *tosai.Client, devs []tosai.DevAccount, events int) (string, error) {
	task := func(n int) tosai.TaskData {
		return tosai.TaskData{Title: fmt.Sprintf("Bench task %d", n),
			Description: "Review one module of the benchmark corpus and report every defect found.",
			TaskType:    tosai.CodeAnalysis("go"), RewardAmount: tosai.Amount(6_000_000_000 + n), DeadlineHours: 24 * 60}
	}
	open, err := c.DevAccount(devs[0].Address).PublishTask(ctx, task(0))
	if err != nil {
		return "", err
	}
	for {
		info, err := c.Info(ctx)
		if err != nil {
			return "", err
		}
		if int(info.HeadSeq) >= events {
			return open.TaskID, nil
		}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dev := c.DevAccount(devs[i%len(devs)].Address)
				for n := range 50 {
					t, err := dev.PublishTask(ctx, task(i*100+n))
					if err == nil {
						_, err = dev.CancelTask(ctx, t.TaskID)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return "", err
		}
	}
}

// minerLatency runs a Miner and publishes tasks one by one, timing each publish reply to the
// miner's participation reply.
func minerLatency(ctx context.Context, c *tosai.Client, tasks int) (map[string]any, error) {
	account := func(register bool) (*tosai.Account, error) {
		w, err := tosai.GenerateWallet()
		if err != nil {
			return nil, err
		}
		if _, err := c.DevFaucet(ctx, w.Address(), tosai.TOS(10_000)); err != nil {
			return nil, err
		}
		a := c.Account(w)
		if register {
			_, err = a.RegisterMiner(ctx, tosai.MinerConfig{})
		}
		return a, err
	}
	publisher, err := account(false)
	if err != nil {
		return nil, err
	}
	minerAccount, err := account(true)
	if err != nil {
		return nil, err
	}
	cfg := mining.DefaultConfig()
	cfg.TargetDifficulties = []tosai.Difficulty{tosai.Beginner}
	cfg.MaxConcurrentTasks = tasks + 10
	cfg.MinSuccessProbability = 0
	joined := make(chan mining.Activity, tasks*2)
	scanned := make(chan struct{}, 1)
	m, err := mining.New(c, minerAccount, cfg, mining.SolverFunc(
		func(context.Context, *tosai.TaskDetails) (tosai.Solution, error) {
			return tosai.Solution{Content: "A benchmark answer, submitted at once."}, nil
		}),
		mining.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		mining.WithObserver(func(a mining.Activity) {
			switch a.Kind {
			case "joined":
				joined <- a
			case "scan":
				select {
				case scanned <- struct{}{}:
				default:
				}
			}
		}))
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(runCtx) }()
	<-scanned
	for len(joined) > 0 { // older suitable tasks the first scan took
		<-joined
	}
	var latencies []float64
	missed := 0
	for n := range tasks {
		task, err := publisher.PublishTask(ctx, tosai.TaskData{Title: fmt.Sprintf("Miner latency task %d", n),
			TaskType: tosai.GeneralTask("bench"), RewardAmount: 5_000_000_000, MaxParticipants: 1})
		if err != nil {
			stop()
			return nil, err
		}
		published := time.Now()
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case a := <-joined:
				if a.TaskID == task.TaskID {
					latencies = append(latencies, float64(a.At.Sub(published).Microseconds())/1000)
					break wait
				}
			case <-timeout:
				missed++
				break wait
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		return nil, err
	}
	if len(latencies) == 0 {
		return nil, fmt.Errorf("the miner joined none of %d tasks", tasks)
	}
	slices.Sort(latencies)
	return map[string]any{"tasks": tasks, "missed": missed, "p50_ms": percentile(latencies, 0.5),
		"p99_ms": percentile(latencies, 0.99), "max_ms": latencies[len(latencies)-1]}, nil
}
