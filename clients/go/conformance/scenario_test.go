package conformance_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tos-network/tos-ai/clients/go/internal/testnode"
	"github.com/tos-network/tos-ai/clients/go/mining"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

// scenario is scenario.json, with the parts read into the client's own types.
type scenario struct {
	Funding struct {
		FaucetAmount    tosai.Amount `json:"faucet_amount"`
		RegistrationFee tosai.Amount `json:"registration_fee"`
	}
	Rules struct {
		OnThisNode json.RawMessage `json:"on_this_node"`
	}
	TaskA struct {
		TaskData        tosai.TaskData             `json:"task_data"`
		ExpectedSummary map[string]json.RawMessage `json:"expected_summary"`
		StakeAmount     tosai.Amount               `json:"stake_amount"`
		Solutions       map[string]tosai.Solution
		Validations     []struct {
			Validator    string
			SubmissionOf string `json:"submission_of"`
			Result       tosai.ValidationResult
		}
		ExpectedAfterCompletion struct {
			Status                  tosai.TaskStatus
			FinalScores             map[string]int          `json:"final_scores"`
			Winner                  string                  `json:"winner"`
			BalanceDeltaSinceFunded map[string]json.Number  `json:"balance_delta_since_funded"`
			Reputation              map[string]int          `json:"reputation"`
			RewardsByType           map[string]tosai.Amount `json:"rewards_by_type"`
		} `json:"expected_after_completion"`
	} `json:"task_a"`
	TaskB struct {
		TaskData        tosai.TaskData             `json:"task_data"`
		ExpectedSummary map[string]json.RawMessage `json:"expected_summary"`
	} `json:"task_b"`
	TaskC struct {
		TaskData tosai.TaskData `json:"task_data"`
	} `json:"task_c"`
	AutoMining struct {
		Config                json.RawMessage
		EventTask             tosai.TaskData  `json:"event_task"`
		UnsuitableTask        tosai.TaskData  `json:"unsuitable_task"`
		JoinWithinSeconds     float64         `json:"join_within_seconds"`
		ScanConfig            json.RawMessage `json:"scan_config"`
		ScanTask              tosai.TaskData  `json:"scan_task"`
		ScanJoinWithinSeconds float64         `json:"scan_join_within_seconds"`
	} `json:"auto_mining"`
	Refusals []struct {
		Step string
		Code int
		Kind string
	}
	EventsTaskA []string `json:"events_task_a"`
}

// run is the state the steps share.
type run struct {
	t        *testing.T
	env      testnode.Env
	s        scenario
	c        *tosai.Client
	ctx      context.Context
	startSeq uint64
	chain    string
	wallets  map[string]*tosai.Wallet
	funded   map[string]tosai.Amount
	taskA    string
	subs     map[string]string // miner name -> submission id
	events   []tosai.Event     // step 6's events from start_seq
	stream   *tosai.Subscription
	lastSeq  uint64 // the last seq read from stream
}

func TestScenario(t *testing.T) {
	env := testnode.Node(t)
	r := &run{t: t, env: env, wallets: map[string]*tosai.Wallet{}, funded: map[string]tosai.Amount{},
		subs: map[string]string{}}
	testnode.Load(t, "scenario.json", &r.s)
	var err error
	if r.c, err = tosai.NewClient(env.URL); err != nil {
		t.Fatal(err)
	}
	defer r.c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r.ctx = ctx
	defer func() {
		if r.stream != nil {
			r.stream.Close()
		}
	}()
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"1 network info", r.networkInfo},
		{"1 rules", r.rules},
		{"2 accounts", r.accounts},
		{"3 publish, list, page, cancel", r.publish},
		{"4 participate, submit, refuse", r.participate},
		{"5 validate and complete", r.validate},
		{"6 events over HTTP", r.eventsOverHTTP},
		{"7 events over WebSocket across a restart", r.eventsOverWebSocket},
		{"8 auto-mining", r.autoMining},
		{"9 chain reset", r.chainReset},
	}
	for _, step := range steps {
		started := time.Now()
		ok := t.Run(step.name, func(t *testing.T) { r.t = t; step.run(t) })
		t.Logf("step %s: %.2f s", step.name, time.Since(started).Seconds())
		if !ok {
			t.Fatalf("step %q failed; the later steps build on it", step.name)
		}
	}
}

func (r *run) must(err error, what string) {
	r.t.Helper()
	if err != nil {
		r.t.Fatalf("%s: %v", what, err)
	}
}

func (r *run) balance(name string) tosai.Amount {
	r.t.Helper()
	b, err := r.c.Balance(r.ctx, r.wallets[name].Address())
	r.must(err, "balance of "+name)
	return b
}

func (r *run) account(name string) *tosai.Account { return r.c.Account(r.wallets[name]) }

// refusal checks err against the scenario's refusal whose step starts with prefix.
func (r *run) refusal(err error, prefix string) {
	r.t.Helper()
	for _, want := range r.s.Refusals {
		if !strings.HasPrefix(want.Step, prefix) {
			continue
		}
		var rpc *tosai.RPCError
		if !errors.As(err, &rpc) || rpc.Code != want.Code || rpc.Kind() != want.Kind || !isKind(err, want.Kind) {
			r.t.Fatalf("%s: want the %s error (%d), got %T %v", want.Step, want.Kind, want.Code, err, err)
		}
		return
	}
	r.t.Fatalf("no refusal in scenario.json starts with %q", prefix)
}

func isKind(err error, kind string) bool {
	switch kind {
	case "already_done":
		return as[*tosai.AlreadyDoneError](err)
	case "permission_denied":
		return as[*tosai.PermissionDeniedError](err) && !as[*tosai.NonceMismatchError](err) && !as[*tosai.WrongChainError](err)
	case "insufficient_funds":
		return as[*tosai.InsufficientFundsError](err)
	case "unknown_entity":
		return as[*tosai.UnknownEntityError](err)
	case "invalid_content":
		return as[*tosai.InvalidContentError](err)
	case "invalid_params":
		return as[*tosai.InvalidParamsError](err)
	case "method_not_found":
		return as[*tosai.MethodNotFoundError](err)
	case "nonce_mismatch":
		return as[*tosai.NonceMismatchError](err)
	case "wrong_chain":
		return as[*tosai.WrongChainError](err)
	case "not_accepting":
		return as[*tosai.NotAcceptingError](err)
	}
	return false
}

func as[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// --- 1 ------------------------------------------------------------------------------------------

func (r *run) networkInfo(t *testing.T) {
	info, err := r.c.Info(r.ctx)
	r.must(err, "get_info")
	if info.Network != "devnet" || info.ChainID == "" {
		t.Fatalf("get_info: %+v", info)
	}
	r.startSeq, r.chain = info.HeadSeq, info.ChainID
	network, err := r.c.NetworkInfo(r.ctx)
	r.must(err, "get_network_info")
	if network.Network != "devnet" || network.Timestamp == 0 {
		t.Fatalf("get_network_info: %+v", network)
	}
	// Every field of the result, as docs/node-api.md lists them, is there and typed.
	var raw map[string]json.RawMessage
	r.must(r.c.Call(r.ctx, "get_network_info", nil, &raw), "raw get_network_info")
	for _, field := range []string{"active_tasks", "total_miners", "online_miners", "total_rewards_distributed",
		"average_task_completion_time", "network", "topoheight", "timestamp"} {
		if _, ok := raw[field]; !ok {
			t.Errorf("get_network_info has no %s", field)
		}
	}
	var total tosai.Amount
	r.must(json.Unmarshal(raw["total_rewards_distributed"], &total), "total_rewards_distributed as an Amount")
	if total != network.TotalRewardsDistributed {
		t.Errorf("total_rewards_distributed %d vs %d", total, network.TotalRewardsDistributed)
	}
}

// rules: Client.Rules is the live node's ai_get_rules, typed; apart from the members that follow
// the node's settings it is vectors/rules.json, and those are as scenario.json says for this node.
func (r *run) rules(t *testing.T) {
	rules, err := r.c.Rules(r.ctx)
	r.must(err, "ai_get_rules")
	var raw json.RawMessage
	r.must(r.c.Call(r.ctx, "ai_get_rules", nil, &raw), "raw ai_get_rules")
	typed, err := json.Marshal(rules)
	r.must(err, "rules as JSON")
	if got, want := testnode.RulesWithout(t, typed, nil), testnode.RulesWithout(t, raw, nil); got != want {
		t.Errorf("Client.Rules differs from ai_get_rules:\n got %s\nwant %s", got, want)
	}
	var vectors struct {
		Rules        json.RawMessage
		Configurable []string
	}
	testnode.Load(t, "vectors/rules.json", &vectors)
	if got, want := testnode.RulesWithout(t, raw, vectors.Configurable), testnode.RulesWithout(t, vectors.Rules, vectors.Configurable); got != want {
		t.Errorf("the node's rules differ from vectors/rules.json:\n got %s\nwant %s", got, want)
	}
	var onThisNode map[string]json.RawMessage
	r.must(json.Unmarshal(r.s.Rules.OnThisNode, &onThisNode), "scenario.json rules")
	var tree map[string]any
	r.must(json.Unmarshal(raw, &tree), "rules as a tree")
	for path, want := range onThisNode {
		var node any = tree
		for _, name := range strings.Split(path, ".") {
			node = node.(map[string]any)[name]
		}
		if got := testnode.Describe(node); got != testnode.Describe(json.RawMessage(want)) {
			t.Errorf("%s is %s on this node, scenario.json says %s", path, got, want)
		}
	}
	if rules.RateLimits.PerWindow != nil {
		t.Errorf("rate limits %v on a node that runs without them", rules.RateLimits.PerWindow)
	}
}

// --- 2 ------------------------------------------------------------------------------------------

func (r *run) accounts(t *testing.T) {
	for _, name := range []string{"publisher", "miner_1", "miner_2", "validator_1", "validator_2"} {
		w, err := tosai.GenerateWallet()
		r.must(err, "wallet")
		r.wallets[name] = w
		_, err = r.c.DevFaucet(r.ctx, w.Address(), r.s.Funding.FaucetAmount)
		r.must(err, "faucet "+name)
	}
	for _, name := range []string{"miner_1", "miner_2", "validator_1", "validator_2"} {
		reg, err := r.account(name).RegisterMiner(r.ctx, tosai.MinerConfig{RegistrationFee: r.s.Funding.RegistrationFee})
		r.must(err, "register "+name)
		stats, err := r.c.MinerStats(r.ctx, r.wallets[name].Address())
		r.must(err, "stats of "+name)
		if reg.Reputation != 500 || !stats.IsRegistered || stats.Reputation != 500 {
			t.Fatalf("%s: registration %+v, stats %+v", name, reg, stats)
		}
	}
	for name := range r.wallets {
		r.funded[name] = r.balance(name)
	}
}

// --- 3 ------------------------------------------------------------------------------------------

// matches compares a record field by field with an expected summary (amounts as integers, task
// types in their normalized form).
func (r *run) matches(what string, record any, expected map[string]json.RawMessage) {
	r.t.Helper()
	data, _ := json.Marshal(record)
	var got map[string]json.RawMessage
	r.must(json.Unmarshal(data, &got), what)
	for field, want := range expected {
		g, _ := tosai.Canonicalize(got[field])
		w, _ := tosai.Canonicalize(want)
		if string(g) != string(w) {
			r.t.Errorf("%s.%s = %s, want %s", what, field, g, w)
		}
	}
}

func (r *run) publish(t *testing.T) {
	publisher := r.account("publisher")
	before := r.balance("publisher")
	a, err := publisher.PublishTask(r.ctx, r.s.TaskA.TaskData)
	r.must(err, "publish task_a")
	r.taskA = a.TaskID
	if a.Status != "published" {
		t.Errorf("status %q", a.Status)
	}
	if after := r.balance("publisher"); before-after != r.s.TaskA.TaskData.RewardAmount {
		t.Errorf("the publisher paid %d, want the reward %d", before-after, r.s.TaskA.TaskData.RewardAmount)
	}
	details, err := r.c.TaskDetails(r.ctx, a.TaskID)
	r.must(err, "task_a details")
	r.matches("task_a", details, r.s.TaskA.ExpectedSummary)

	b, err := publisher.PublishTask(r.ctx, r.s.TaskB.TaskData)
	r.must(err, "publish task_b")
	detailsB, err := r.c.TaskDetails(r.ctx, b.TaskID)
	r.must(err, "task_b details")
	r.matches("task_b", detailsB, r.s.TaskB.ExpectedSummary)

	mine := tosai.TaskFilters{Publisher: r.wallets["publisher"].Address()}
	for _, c := range []struct {
		opts tosai.ListTasksOptions
		want []string
	}{
		{tosai.ListTasksOptions{Filters: mine, SortBy: "created_at", SortOrder: "desc"}, []string{b.TaskID, a.TaskID}},
		{tosai.ListTasksOptions{Filters: mine, SortBy: "created_at", SortOrder: "desc", Limit: 1}, []string{b.TaskID}},
		{tosai.ListTasksOptions{Filters: mine, SortBy: "created_at", SortOrder: "desc", Limit: 1, Offset: 1}, []string{a.TaskID}},
		{tosai.ListTasksOptions{Filters: tosai.TaskFilters{Publisher: mine.Publisher, DifficultyLevel: tosai.Intermediate}}, []string{a.TaskID}},
	} {
		tasks, err := r.c.ListActiveTasks(r.ctx, c.opts)
		r.must(err, "list")
		var ids []string
		for _, task := range tasks {
			ids = append(ids, task.TaskID)
		}
		if !slices.Equal(ids, c.want) {
			t.Errorf("list %+v: got %v, want %v", c.opts, ids, c.want)
		}
	}

	before = r.balance("publisher")
	_, err = publisher.CancelTask(r.ctx, b.TaskID)
	r.must(err, "cancel task_b")
	detailsB, err = r.c.TaskDetails(r.ctx, b.TaskID)
	r.must(err, "task_b details")
	if detailsB.Status != tosai.StatusCancelled {
		t.Errorf("task_b is %s", detailsB.Status)
	}
	if after := r.balance("publisher"); after-before != r.s.TaskB.TaskData.RewardAmount {
		t.Errorf("the refund was %d, want %d", after-before, r.s.TaskB.TaskData.RewardAmount)
	}
}

// --- 4 ------------------------------------------------------------------------------------------

func (r *run) participate(t *testing.T) {
	before := r.balance("miner_1")
	joined, err := r.account("miner_1").ParticipateTask(r.ctx, r.taskA, r.s.TaskA.StakeAmount)
	r.must(err, "miner_1 joins task_a")
	if joined.StakeAmount != r.s.TaskA.StakeAmount || before-r.balance("miner_1") != r.s.TaskA.StakeAmount {
		t.Errorf("stake %d, balance change %d", joined.StakeAmount, before-r.balance("miner_1"))
	}
	details, err := r.c.TaskDetails(r.ctx, r.taskA)
	r.must(err, "details")
	if details.Status != tosai.StatusInProgress || details.ParticipantsCount != 1 {
		t.Errorf("task_a %s with %d participants", details.Status, details.ParticipantsCount)
	}

	_, err = r.account("miner_1").ParticipateTask(r.ctx, r.taskA, r.s.TaskA.StakeAmount)
	r.refusal(err, "miner_1 joins task_a a second time")
	_, err = r.account("publisher").ParticipateTask(r.ctx, r.taskA, r.s.TaskA.StakeAmount)
	r.refusal(err, "the publisher joins its own task_a")
	_, err = r.account("validator_1").ParticipateTask(r.ctx, r.taskA, 1)
	r.refusal(err, "validator_1 joins task_a with a stake of 1")
	_, err = r.c.TaskDetails(r.ctx, strings.Repeat("0", 64))
	r.refusal(err, "task details of the all-zero task id")
	_, err = r.account("publisher").PublishTask(r.ctx, tosai.TaskData{Title: "Conformance: a reward too small",
		TaskType: tosai.GeneralTask(""), RewardAmount: 100000000, DifficultyLevel: tosai.Intermediate})
	r.refusal(err, "the publisher publishes an Intermediate task with a reward of 1 TOS")
	_, err = r.c.TaskDetails(r.ctx, "nope")
	r.refusal(err, "ai_get_task_details with task_id \"nope\"")
	r.refusal(r.c.Call(r.ctx, "ai_no_such_method", nil, nil), "a method the node does not have")

	w := r.wallets["validator_1"]
	next, err := r.c.Nonce(r.ctx, w.Address())
	r.must(err, "nonce")
	params := map[string]any{"task_id": r.taskA, "stake_amount": r.s.TaskA.StakeAmount}
	err = r.c.CallSigned(r.ctx, w, "ai_participate_task", params, next+5, r.chain, nil)
	r.refusal(err, "a signed write with a nonce 5 above")
	var nonce *tosai.NonceMismatchError
	if !errors.As(err, &nonce) || nonce.Expected != next {
		t.Errorf("the expected nonce is not readable from %v", err)
	}
	err = r.c.CallSigned(r.ctx, w, "ai_participate_task", params, next, "0000000000000000", nil)
	r.refusal(err, "a signed write signed for chain id 0000000000000000")
	var chain *tosai.WrongChainError
	if !errors.As(err, &chain) || chain.Expected != r.chain {
		t.Errorf("the node's chain id is not readable from %v", err)
	}

	_, err = r.account("miner_2").ParticipateTask(r.ctx, r.taskA, r.s.TaskA.StakeAmount)
	r.must(err, "miner_2 joins task_a")
	hexID := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, name := range []string{"miner_1", "miner_2"} {
		receipt, err := r.account(name).SubmitSolution(r.ctx, r.taskA, r.s.TaskA.Solutions[name])
		r.must(err, name+" submits")
		if receipt.Status != "submitted" || !hexID.MatchString(receipt.AnswerHash) {
			t.Errorf("%s: %+v", name, receipt)
		}
		r.subs[name] = receipt.SubmissionID
	}
	details, err = r.c.TaskDetails(r.ctx, r.taskA)
	r.must(err, "details")
	if details.SubmissionsCount != 2 {
		t.Errorf("submissions_count %d", details.SubmissionsCount)
	}
}

// --- 5 ------------------------------------------------------------------------------------------

func (r *run) validate(t *testing.T) {
	_, err := r.account("miner_1").ValidateSubmission(r.ctx, r.taskA, r.subs["miner_2"], tosai.Approve(60, "Fine."))
	r.refusal(err, "miner_1 validates miner_2's submission")
	counts := map[string]int{}
	for _, v := range r.s.TaskA.Validations {
		receipt, err := r.account(v.Validator).ValidateSubmission(r.ctx, r.taskA, r.subs[v.SubmissionOf], v.Result)
		r.must(err, v.Validator+" validates "+v.SubmissionOf)
		counts[v.SubmissionOf]++
		want := tosai.ConsensusProgress{Validations: counts[v.SubmissionOf], Required: 2}
		if receipt.ConsensusProgress != want {
			t.Errorf("%s on %s: progress %+v, want %+v", v.Validator, v.SubmissionOf, receipt.ConsensusProgress, want)
		}
	}
	want := r.s.TaskA.ExpectedAfterCompletion
	details, err := r.c.TaskDetails(r.ctx, r.taskA)
	r.must(err, "details")
	if details.Status != want.Status {
		t.Fatalf("task_a is %s, want %s at once", details.Status, want.Status)
	}
	for _, s := range details.Submissions {
		for name, id := range r.subs {
			if s.SubmissionID == id && (s.FinalScore == nil || *s.FinalScore != want.FinalScores[name]) {
				t.Errorf("%s final score %v, want %d", name, s.FinalScore, want.FinalScores[name])
			}
		}
	}
	byType := map[string]tosai.Amount{}
	winner := ""
	for _, reward := range details.Rewards {
		byType[reward.RewardType] += reward.Amount
		if reward.RewardType == "winner" {
			winner = reward.Recipient
		}
	}
	if winner != r.wallets[want.Winner].Address() {
		t.Errorf("the winner is %s, want %s", winner, want.Winner)
	}
	for kind, amount := range want.RewardsByType {
		if byType[kind] != amount {
			t.Errorf("rewards of type %s: %d, want %d", kind, byType[kind], amount)
		}
	}
	for name, delta := range want.BalanceDeltaSinceFunded {
		got := int64(r.balance(name)) - int64(r.funded[name])
		if want, _ := delta.Int64(); got != want {
			t.Errorf("%s's balance moved by %d, want %d", name, got, want)
		}
	}
	for name, reputation := range want.Reputation {
		stats, err := r.c.MinerStats(r.ctx, r.wallets[name].Address())
		r.must(err, "stats")
		if stats.Reputation != reputation {
			t.Errorf("%s's reputation %d, want %d", name, stats.Reputation, reputation)
		}
	}
	_, err = r.account("validator_1").ValidateSubmission(r.ctx, r.taskA, r.subs["miner_1"], tosai.Approve(90, "Again."))
	r.refusal(err, "validator_1 validates miner_1's submission after task_a completed")
}

// --- 6 ------------------------------------------------------------------------------------------

func (r *run) taskAEvents(events []tosai.Event) []string {
	var names []string
	for _, ev := range events {
		if ev.TaskID() == r.taskA && slices.Contains(r.s.EventsTaskA, ev.Name) {
			names = append(names, ev.Name)
		}
	}
	return names
}

func (r *run) eventsOverHTTP(t *testing.T) {
	cursor := r.startSeq
	for {
		page, err := r.c.Events(r.ctx, cursor, 100)
		r.must(err, "ai_get_events")
		if page.ChainID != r.chain || page.ResyncRequired {
			t.Fatalf("page: chain %s, resync %v", page.ChainID, page.ResyncRequired)
		}
		for _, ev := range page.Events {
			if ev.Seq != cursor+1 {
				t.Fatalf("seq %d after %d", ev.Seq, cursor)
			}
			cursor = ev.Seq
			r.events = append(r.events, ev)
		}
		if cursor >= page.HeadSeq || len(page.Events) == 0 {
			break
		}
	}
	if got := r.taskAEvents(r.events); !slices.Equal(got, r.s.EventsTaskA) {
		t.Errorf("task_a's events:\n got %v\nwant %v", got, r.s.EventsTaskA)
	}
}

// --- 7 ------------------------------------------------------------------------------------------

func (r *run) next(t *testing.T, within time.Duration) tosai.Event {
	t.Helper()
	select {
	case ev, ok := <-r.stream.Events():
		if !ok {
			t.Fatalf("the stream ended: %v", <-r.stream.Err())
		}
		r.lastSeq = ev.Seq
		return ev
	case <-time.After(within):
		t.Fatalf("no event within %v (cursor %d)", within, r.stream.Cursor())
	}
	return tosai.Event{}
}

func (r *run) eventsOverWebSocket(t *testing.T) {
	var err error
	r.stream, err = r.c.Subscribe(r.ctx, tosai.SubscribeOptions{SinceSeq: r.startSeq, ChainID: r.chain})
	r.must(err, "subscribe")
	for _, want := range r.events {
		got := r.next(t, 10*time.Second)
		if got.Seq != want.Seq || got.Name != want.Name {
			t.Fatalf("stream gave %d %s, HTTP %d %s", got.Seq, got.Name, want.Seq, want.Name)
		}
	}
	last := r.stream.Cursor()

	restarted := make(chan map[string]any, 1)
	go func() { restarted <- r.env.Do(t, "restart", nil) }()
	// Publish once the node is down (or back already): the test's own retry until it answers.
	probe, err := tosai.NewClient(r.env.URL, tosai.WithRetry(tosai.NoRetry), tosai.WithTimeout(time.Second))
	r.must(err, "probe")
	defer probe.Close()
	var reply map[string]any
	for down := false; !down && reply == nil; {
		select {
		case reply = <-restarted:
		case <-time.After(20 * time.Millisecond):
			_, err := probe.Version(r.ctx)
			down = err != nil
		}
	}
	var taskC *tosai.PublishedTask
	deadline := time.Now().Add(60 * time.Second)
	for taskC == nil {
		taskC, err = r.account("publisher").PublishTask(r.ctx, r.s.TaskC.TaskData)
		var transport *tosai.TransportError
		if err != nil && (!errors.As(err, &transport) || time.Now().After(deadline)) {
			t.Fatalf("publish task_c: %v", err)
		}
		if err != nil {
			time.Sleep(100 * time.Millisecond) // the test's own retry while the node is down
		}
	}
	if reply == nil {
		reply = <-restarted
	}
	t.Logf("node restarted in %v s; task_c %s", reply["seconds"], taskC.TaskID)
	for {
		ev := r.next(t, 30*time.Second)
		if ev.Seq != last+1 {
			t.Fatalf("after seq %d the stream gave %d", last, ev.Seq)
		}
		last = ev.Seq
		if ev.Name == tosai.EventTaskPublished && ev.TaskID() == taskC.TaskID {
			break
		}
	}
	if r.stream.Reconnects() < 1 {
		t.Errorf("the stream never reconnected: did the restart happen? (%v)", reply)
	}
}

// --- 8 ------------------------------------------------------------------------------------------

type observed struct {
	mu  sync.Mutex
	log []mining.Activity
	ch  chan mining.Activity
}

func (o *observed) add(a mining.Activity) {
	o.mu.Lock()
	o.log = append(o.log, a)
	o.mu.Unlock()
	select {
	case o.ch <- a:
	default:
	}
}

func (o *observed) wait(t *testing.T, within time.Duration, match func(mining.Activity) bool) mining.Activity {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case a := <-o.ch:
			if match(a) {
				return a
			}
		case <-timeout:
			t.Fatalf("nothing matched within %v", within)
		}
	}
}

func (o *observed) joined(taskID string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.ContainsFunc(o.log, func(a mining.Activity) bool { return a.Kind == "joined" && a.TaskID == taskID })
}

func (r *run) startMiner(t *testing.T, account *tosai.Account, cfg mining.Config) (*observed, func() time.Duration) {
	o := &observed{ch: make(chan mining.Activity, 256)}
	solver := mining.SolverFunc(func(context.Context, *tosai.TaskDetails) (tosai.Solution, error) {
		return tosai.Solution{Content: "A fixed answer from the conformance test's solver."}, nil
	})
	m, err := mining.New(r.c, account, cfg, solver, mining.WithObserver(o.add))
	r.must(err, "miner")
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	stop := func() time.Duration {
		started := time.Now()
		cancel()
		select {
		case err := <-done:
			r.must(err, "the loop's end")
		case <-time.After(10 * time.Second):
			t.Fatal("the loop did not stop within 10 s")
		}
		return time.Since(started)
	}
	t.Cleanup(func() { cancel() })
	return o, stop
}

func (r *run) autoMining(t *testing.T) {
	w, err := tosai.GenerateWallet()
	r.must(err, "wallet")
	r.wallets["auto_miner"] = w
	_, err = r.c.DevFaucet(r.ctx, w.Address(), r.s.Funding.FaucetAmount)
	r.must(err, "faucet")
	miner := r.c.Account(w)
	_, err = miner.RegisterMiner(r.ctx, tosai.MinerConfig{RegistrationFee: r.s.Funding.RegistrationFee})
	r.must(err, "register")

	cfg := mining.DefaultConfig()
	r.must(json.Unmarshal(r.s.AutoMining.Config, &cfg), "config")
	o, stop := r.startMiner(t, miner, cfg)
	o.wait(t, 20*time.Second, func(a mining.Activity) bool { return a.Kind == "scan" })

	publisher := r.account("publisher")
	unsuitable, err := publisher.PublishTask(r.ctx, r.s.AutoMining.UnsuitableTask)
	r.must(err, "publish the unsuitable task")
	eventTask, err := publisher.PublishTask(r.ctx, r.s.AutoMining.EventTask)
	r.must(err, "publish the event task")
	published := time.Now()
	within := time.Duration(r.s.AutoMining.JoinWithinSeconds * float64(time.Second))
	joined := o.wait(t, within, func(a mining.Activity) bool { return a.Kind == "joined" && a.TaskID == eventTask.TaskID })
	t.Logf("joined the event task %.0f ms after the publish reply (trigger %s)",
		float64(joined.At.Sub(published).Microseconds())/1000, joined.Trigger)
	if joined.Trigger != "event" {
		t.Errorf("joined through the %s, not the event", joined.Trigger)
	}
	o.wait(t, 10*time.Second, func(a mining.Activity) bool { return a.Kind == "submitted" && a.TaskID == eventTask.TaskID })
	details, err := r.c.TaskDetails(r.ctx, eventTask.TaskID)
	r.must(err, "details")
	if len(details.Submissions) != 1 || details.Submissions[0].Submitter != w.Address() {
		t.Errorf("the event task's submissions: %+v", details.Submissions)
	}
	stop()
	if o.joined(unsuitable.TaskID) {
		t.Error("the miner joined the unsuitable task")
	}

	r.must(json.Unmarshal(r.s.AutoMining.ScanConfig, &cfg), "scan config")
	if cfg.UseEvents || cfg.CheckInterval != 2*time.Second || cfg.TargetDifficulties[0] != tosai.Beginner {
		t.Fatalf("merged config %+v", cfg)
	}
	o, stop = r.startMiner(t, miner, cfg)
	o.wait(t, 20*time.Second, func(a mining.Activity) bool { return a.Kind == "scan" })
	scanTask, err := publisher.PublishTask(r.ctx, r.s.AutoMining.ScanTask)
	r.must(err, "publish the scan task")
	published = time.Now()
	within = time.Duration(r.s.AutoMining.ScanJoinWithinSeconds * float64(time.Second))
	joined = o.wait(t, within, func(a mining.Activity) bool { return a.Kind == "joined" && a.TaskID == scanTask.TaskID })
	t.Logf("the scan joined the scan task %.1f s after the publish reply", joined.At.Sub(published).Seconds())
	if took := stop(); took > 5*time.Second {
		t.Errorf("the loop took %v to stop", took)
	}
	after, err := publisher.PublishTask(r.ctx, r.s.AutoMining.ScanTask)
	r.must(err, "publish after the stop")
	time.Sleep(cfg.CheckInterval + 500*time.Millisecond)
	if o.joined(after.TaskID) {
		t.Error("the stopped loop joined a task")
	}
	details, err = r.c.TaskDetails(r.ctx, after.TaskID)
	r.must(err, "details")
	if details.ParticipantsCount != 0 {
		t.Errorf("the task published after the stop has %d participants", details.ParticipantsCount)
	}
	_, err = publisher.CancelTask(r.ctx, after.TaskID) // leave nothing open for the next client's miner
	r.must(err, "cancel")
	_, err = publisher.CancelTask(r.ctx, unsuitable.TaskID)
	r.must(err, "cancel")
}

// --- 9 ------------------------------------------------------------------------------------------

func (r *run) chainReset(t *testing.T) {
	// Drain what the stream has, so its cursor is the node's head.
	info, err := r.c.Info(r.ctx)
	r.must(err, "get_info")
	for r.lastSeq < info.HeadSeq {
		r.next(t, 10*time.Second)
	}
	cursor, old := r.lastSeq, r.chain
	reply := r.env.Do(t, "reset", nil)
	newChain, _ := reply["chain_id"].(string)
	var reset *tosai.ChainResetError
	select {
	case ev, ok := <-r.stream.Events():
		if ok {
			t.Fatalf("an event after the reset: %d %s", ev.Seq, ev.Name)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the stream did not end after the reset")
	}
	err = <-r.stream.Err()
	if !errors.As(err, &reset) || reset.OldChainID != old || reset.NewChainID != newChain || reset.LastSeq != cursor {
		t.Fatalf("the stream said %v; want a chain reset from %s (seq %d) to %s", err, old, cursor, newChain)
	}
	r.stream.Close()
	r.stream, err = r.c.Subscribe(r.ctx, tosai.SubscribeOptions{ChainID: reset.NewChainID})
	r.must(err, "subscribe to the new chain from 0")

	_, err = r.account("publisher").PublishTask(r.ctx, r.s.TaskC.TaskData)
	var funds *tosai.InsufficientFundsError
	if !errors.As(err, &funds) {
		t.Fatalf("a publish on the new chain: want insufficient_funds, got %T %v", err, err)
	}
	// Make the new chain's first events and expect them from seq 1, in order.
	_, err = r.c.DevFaucet(r.ctx, r.wallets["publisher"].Address(), r.s.Funding.FaucetAmount)
	r.must(err, "faucet")
	task, err := r.account("publisher").PublishTask(r.ctx, r.s.TaskC.TaskData)
	r.must(err, "publish on the new chain")
	var last uint64
	for {
		ev := r.next(t, 10*time.Second)
		if ev.Seq != last+1 {
			t.Fatalf("the new chain's stream gave seq %d after %d", ev.Seq, last)
		}
		last = ev.Seq
		if ev.TaskID() == task.TaskID {
			break
		}
	}
	_, err = r.account("publisher").CancelTask(r.ctx, task.TaskID)
	r.must(err, "cancel")
	t.Logf("reset from %s to %s; the stream said: %v", old, newChain, reset)
}
