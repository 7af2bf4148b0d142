package mining

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/tos-network/tos-ai/clients/go/tosai"
)

// Activity is one thing the miner did, handed to an observer (WithObserver) as it happens.
type Activity struct {
	Kind    string // "scan", "joined", "submitted", "skipped", "error", "paused", "chain_reset"
	TaskID  string
	Trigger string // "event" or "scan" for joins
	Err     error
	At      time.Time
}

// Stats counts what a miner did so far.
type Stats struct {
	Scans     int
	Joined    int
	Submitted int
	Errors    int
	LastScan  time.Time
}

// Option configures a Miner.
type Option func(*Miner)

// WithLogger sends the miner's log lines to l (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(m *Miner) { m.log = l } }

// WithObserver calls f with every Activity, from the miner's goroutines; f must be quick.
func WithObserver(f func(Activity)) Option { return func(m *Miner) { m.observe = f } }

// Miner is the TOS design's auto-mining loop for one account: it scans the active tasks every
// CheckInterval, joins the suitable ones (up to MaxConcurrentTasks still active at once),
// reacts to task_published at once when UseEvents is set, solves and submits what it joined
// when AutoSubmitSolutions is set, and waits ErrorPause after an error.
type Miner struct {
	client  *tosai.Client
	account *tosai.Account
	cfg     Config
	solver  Solver
	log     *slog.Logger
	observe func(Activity)

	mu         sync.Mutex
	stats      Stats
	active     map[string]bool // joined tasks not known to have ended
	joined     map[string]bool // every task joined (or found joined) by this run
	reputation int
	rules      *tosai.Rules // the node's, read at the first scan; nil from a node that publishes none
	rulesRead  bool
}

// New returns a miner for account; solver answers the tasks it joins (nil for the
// OfflineDrafter).
func New(client *tosai.Client, account *tosai.Account, cfg Config, solver Solver, opts ...Option) (*Miner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if solver == nil {
		solver = OfflineDrafter{}
	}
	m := &Miner{client: client, account: account, cfg: cfg, solver: solver, log: slog.Default(),
		active: map[string]bool{}, joined: map[string]bool{}, reputation: 500}
	for _, opt := range opts {
		opt(m)
	}
	m.log = m.log.With("miner", account.Address())
	return m, nil
}

// Stats is a snapshot of what the miner did.
func (m *Miner) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

func (m *Miner) record(a Activity) {
	a.At = time.Now()
	m.mu.Lock()
	switch a.Kind {
	case "scan":
		m.stats.Scans++
		m.stats.LastScan = a.At
	case "joined":
		m.stats.Joined++
	case "submitted":
		m.stats.Submitted++
	case "error":
		m.stats.Errors++
	}
	m.mu.Unlock()
	if m.observe != nil {
		m.observe(a)
	}
}

// Run runs the loop until ctx is done, then waits for the solutions in progress to stop, and
// returns nil. Errors do not end it: each is logged and followed by the ErrorPause.
func (m *Miner) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	var work sync.WaitGroup
	defer work.Wait()
	defer cancel()
	m.log.Info("auto-mining started", "difficulties", m.cfg.TargetDifficulties,
		"max_concurrent_tasks", m.cfg.MaxConcurrentTasks, "check_interval", m.cfg.CheckInterval,
		"events", m.cfg.UseEvents, "auto_submit", m.cfg.AutoSubmitSolutions)
	defer m.log.Info("auto-mining stopped")

	published := make(chan tosai.Event)
	if m.cfg.UseEvents {
		// Subscribe before the first scan, so that no task published after the scan is missed.
		sub, err := m.subscribe(ctx)
		if err != nil && ctx.Err() == nil {
			m.log.Warn("no event stream yet; scanning only until it comes", "err", err)
		}
		work.Add(1)
		go func() {
			defer work.Done()
			m.follow(ctx, sub, published)
		}()
	}
	ticker := time.NewTicker(m.cfg.CheckInterval)
	defer ticker.Stop()
	scan := true
	for {
		if scan {
			if err := m.scan(ctx, &work); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				m.fail(ctx, "scan", err)
			}
			scan = false
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			scan = true
		case ev := <-published:
			if ev.Name == "chain_reset" {
				m.forgetTasks()
				scan = true
				continue
			}
			var task tosai.TaskPublishedData
			if err := ev.Decode(&task); err != nil {
				m.log.Warn("unreadable task_published event", "seq", ev.Seq, "err", err)
				continue
			}
			candidate := tosai.TaskSummary{TaskID: task.TaskID, Title: task.Title, TaskType: task.TaskType,
				DifficultyLevel: task.DifficultyLevel, RewardAmount: task.RewardAmount,
				StakeRequired: task.StakeRequired, Deadline: task.Deadline,
				TimeLeft: max(task.Deadline-ev.Timestamp, 0), MaxParticipants: task.MaxParticipants,
				Publisher: task.Publisher, Status: tosai.StatusPublished}
			if m.suitable(&candidate) && m.freeSlots() > 0 {
				if err := m.work(ctx, &candidate, "event", &work); err != nil && ctx.Err() == nil {
					m.fail(ctx, "join", err)
				}
			}
		}
	}
}

// fail logs an error and pauses the loop for ErrorPause, as the design does.
func (m *Miner) fail(ctx context.Context, what string, err error) {
	m.record(Activity{Kind: "error", Err: err})
	m.log.Error("auto-mining error; pausing", "during", what, "err", err, "pause", m.cfg.ErrorPause)
	m.record(Activity{Kind: "paused"})
	t := time.NewTimer(m.cfg.ErrorPause)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (m *Miner) subscribe(ctx context.Context) (*tosai.Subscription, error) {
	return m.client.Subscribe(ctx, tosai.SubscribeOptions{Events: []string{tosai.EventTaskPublished}, Live: true})
}

// follow forwards task_published events to the loop, resubscribing after the stream ends (a
// chain reset, or a node that was unreachable at the start).
func (m *Miner) follow(ctx context.Context, sub *tosai.Subscription, out chan<- tosai.Event) {
	for ctx.Err() == nil {
		if sub == nil {
			var err error
			if sub, err = m.subscribe(ctx); err != nil {
				if ctx.Err() == nil {
					m.log.Warn("event stream unavailable; retrying", "err", err, "in", m.cfg.ErrorPause)
					sleep(ctx, max(m.cfg.ErrorPause, time.Second))
				}
				continue
			}
			m.log.Info("following task_published events", "chain_id", sub.ChainID())
		}
		for ev := range sub.Events() {
			select {
			case out <- ev:
			case <-ctx.Done():
			}
		}
		err := <-sub.Err()
		sub.Close()
		sub = nil
		var reset *tosai.ChainResetError
		if errors.As(err, &reset) {
			m.log.Warn("the node's chain was reset; forgetting the old chain's tasks",
				"old_chain_id", reset.OldChainID, "new_chain_id", reset.NewChainID)
			m.record(Activity{Kind: "chain_reset", Err: err})
			select {
			case out <- tosai.Event{Name: "chain_reset"}:
			case <-ctx.Done():
			}
		} else if err != nil && ctx.Err() == nil {
			m.log.Warn("event stream ended; resubscribing", "err", err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (m *Miner) forgetTasks() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.active, m.joined = map[string]bool{}, map[string]bool{}
}

func (m *Miner) freeSlots() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg.MaxConcurrentTasks - len(m.active)
}

// suitable applies the design's tests to a task, with the node's rules (Client.Rules) for which
// statuses take participants and the reputation a level needs to join.
func (m *Miner) suitable(t *tosai.TaskSummary) bool {
	m.mu.Lock()
	seen, reputation, rules := m.joined[t.TaskID], m.reputation, m.rules
	m.mu.Unlock()
	open, mayJoin := slices.Contains(tosai.OpenStatuses, t.Status), true
	if rules != nil {
		open = rules.IsOpen(t.Status)
		if level, ok := rules.Level(t.DifficultyLevel); ok {
			mayJoin = reputation >= level.MinReputation.Participate
		}
	}
	return !seen &&
		t.Publisher != m.account.Address() &&
		open &&
		t.ParticipantsCount < t.MaxParticipants &&
		slices.Contains(m.cfg.TargetDifficulties, t.DifficultyLevel) &&
		mayJoin &&
		time.Duration(t.TimeLeft)*time.Second >= m.cfg.MinTimeLeft &&
		SuccessProbability(t.DifficultyLevel, t.ParticipantsCount, reputation) >= m.cfg.MinSuccessProbability
}

// readRules reads the node's rules once per run; a node without ai_get_rules leaves the
// package's own (tosai.OpenStatuses, no reputation check before joining).
func (m *Miner) readRules(ctx context.Context) error {
	m.mu.Lock()
	done := m.rulesRead
	m.mu.Unlock()
	if done {
		return nil
	}
	rules, err := m.client.Rules(ctx)
	var rpc *tosai.RPCError
	if err != nil && !(errors.As(err, &rpc) && rpc.Code == tosai.CodeMethodNotFound) {
		return err
	}
	if err != nil {
		m.log.Info("the node does not publish its rules; using the package's own", "err", err)
	}
	m.mu.Lock()
	m.rules, m.rulesRead = rules, true
	m.mu.Unlock()
	return nil
}

// scan lists every active task, forgets the joined ones that ended, and joins the best
// suitable ones (highest reward first) into the free slots.
func (m *Miner) scan(ctx context.Context, work *sync.WaitGroup) error {
	if err := m.readRules(ctx); err != nil {
		return err
	}
	if stats, err := m.client.MinerStats(ctx, m.account.Address()); err == nil {
		m.mu.Lock()
		m.reputation = stats.Reputation
		m.mu.Unlock()
	} else if !isRefusal(err) {
		return err
	}
	var tasks []tosai.TaskSummary
	for offset := 0; ; offset += 1000 {
		page, err := m.client.ListActiveTasks(ctx, tosai.ListTasksOptions{SortBy: "reward_amount", Limit: 1000, Offset: offset})
		if err != nil {
			return err
		}
		tasks = append(tasks, page...)
		if len(page) < 1000 {
			break
		}
	}
	live := make(map[string]bool, len(tasks))
	for _, t := range tasks {
		live[t.TaskID] = true
	}
	m.mu.Lock()
	for id := range m.active {
		if !live[id] {
			delete(m.active, id)
		}
	}
	m.mu.Unlock()
	var candidates []tosai.TaskSummary
	for i := range tasks {
		if m.suitable(&tasks[i]) {
			candidates = append(candidates, tasks[i])
		}
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		if candidates[i].RewardAmount != candidates[j].RewardAmount {
			return candidates[i].RewardAmount > candidates[j].RewardAmount
		}
		return candidates[i].Deadline < candidates[j].Deadline
	})
	for i := range candidates {
		if m.freeSlots() <= 0 || ctx.Err() != nil {
			break
		}
		if err := m.work(ctx, &candidates[i], "scan", work); err != nil {
			return err
		}
	}
	m.record(Activity{Kind: "scan"})
	m.log.Debug("scan done", "active_tasks", len(tasks), "candidates", len(candidates))
	return nil
}

// isRefusal reports whether err is the node refusing this one action (a reason to skip the
// task), as opposed to a failure of the node or the connection (a reason to pause).
func isRefusal(err error) bool {
	var rpc *tosai.RPCError
	if !errors.As(err, &rpc) {
		return false
	}
	switch rpc.Code {
	case tosai.CodeInternalError, tosai.CodeRateLimited:
		return false
	}
	return true
}

// work joins a task and, with auto-submit, solves and submits it in the background.
func (m *Miner) work(ctx context.Context, task *tosai.TaskSummary, trigger string, work *sync.WaitGroup) error {
	_, err := m.account.ParticipateTask(ctx, task.TaskID, 0)
	var already *tosai.AlreadyDoneError
	switch {
	case err == nil:
		m.log.Info("joined task", "task_id", task.TaskID, "trigger", trigger, "reward", task.RewardAmount.FormatTOS(),
			"difficulty", task.DifficultyLevel)
		m.record(Activity{Kind: "joined", TaskID: task.TaskID, Trigger: trigger})
	case errors.As(err, &already):
		m.log.Info("already joined task", "task_id", task.TaskID)
	case isRefusal(err):
		m.mu.Lock()
		m.joined[task.TaskID] = true // do not ask again
		m.mu.Unlock()
		m.log.Info("skipping task", "task_id", task.TaskID, "reason", err)
		m.record(Activity{Kind: "skipped", TaskID: task.TaskID, Err: err})
		return nil
	default:
		return fmt.Errorf("joining task %s: %w", task.TaskID, err)
	}
	m.mu.Lock()
	m.joined[task.TaskID], m.active[task.TaskID] = true, true
	m.mu.Unlock()
	if m.cfg.AutoSubmitSolutions {
		work.Add(1)
		go func() {
			defer work.Done()
			m.solveAndSubmit(ctx, task.TaskID)
		}()
	}
	return nil
}

func (m *Miner) solveAndSubmit(ctx context.Context, taskID string) {
	fail := func(what string, err error) {
		if ctx.Err() != nil {
			return
		}
		m.log.Warn("no solution submitted", "task_id", taskID, "during", what, "err", err)
		m.record(Activity{Kind: "error", TaskID: taskID, Err: err})
	}
	details, err := m.client.TaskDetails(ctx, taskID)
	if err != nil {
		fail("reading the task", err)
		return
	}
	for _, s := range details.Submissions {
		if s.Submitter == m.account.Address() {
			return // answered before (an earlier run)
		}
	}
	solution, err := m.solver.Solve(ctx, details)
	if err != nil {
		fail("solving", err)
		return
	}
	receipt, err := m.account.SubmitSolution(ctx, taskID, solution)
	if err != nil {
		fail("submitting", err)
		return
	}
	m.log.Info("submitted solution", "task_id", taskID, "submission_id", receipt.SubmissionID)
	m.record(Activity{Kind: "submitted", TaskID: taskID})
}
