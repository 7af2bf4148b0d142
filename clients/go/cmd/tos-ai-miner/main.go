// Command tos-ai-miner runs the TOS design's auto-mining loop for one account against a node.
//
//	tos-ai-miner -new-key miner.key                     # make a key file, print its address
//	tos-ai-miner -node http://127.0.0.1:8545 -key-file miner.key -register \
//	    -difficulties Beginner,Intermediate -min-time-left 1h -check-interval 60s
//	tos-ai-miner -config miner.json                     # the same settings from a file
//
// Flags set on the command line override the config file. It logs one JSON object per line
// (log/slog) on stderr and stops cleanly on SIGINT or SIGTERM (a second signal kills it).
// The solver is the offline drafter unless -solver openai names an OpenAI-compatible API.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tos-network/tos-ai/clients/go/mining"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// fileConfig is the config file: the node, the key, the solver and the design's auto-mining
// settings (durations in seconds).
type fileConfig struct {
	Node            string          `json:"node"`
	KeyFile         string          `json:"key_file"`
	Register        bool            `json:"register"`
	RegistrationFee tosai.Amount    `json:"registration_fee"`
	Solver          solverConfig    `json:"solver"`
	AutoMining      json.RawMessage `json:"auto_mining"`
}

type solverConfig struct {
	Kind      string `json:"kind"` // offline or openai
	BaseURL   string `json:"base_url"`
	Model     string `json:"model"`
	APIKeyEnv string `json:"api_key_env"`
}

type settings struct {
	file   fileConfig
	mining mining.Config
	logFmt string
	level  slog.Level
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tos-ai-miner", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		configPath = fs.String("config", "", "a JSON config file (see the README); flags override it")
		newKey     = fs.String("new-key", "", "write a new private key to this file, print its address, and exit")
		node       = fs.String("node", envOr("TOS_NODE_URL", tosai.DefaultURL), "the node's JSON-RPC URL")
		keyFile    = fs.String("key-file", "", "the miner's private key file (hex ed25519 seed); or set TOS_MINER_KEY")
		register   = fs.Bool("register", false, "register the account as a miner first if it is not one")
		fee        = fs.String("registration-fee", "", "the registration fee in atomic units (default: the node's minimum)")
		diffs      = fs.String("difficulties", "", "target difficulties, comma-separated (Beginner,Intermediate,Advanced,Expert)")
		maxTasks   = fs.Int("max-concurrent", 0, "max concurrent tasks")
		minSuccess = fs.Float64("min-success", 0, "min success probability, 0-1")
		minLeft    = fs.Duration("min-time-left", 0, "skip tasks with less time left (e.g. 1h)")
		interval   = fs.Duration("check-interval", 0, "time between scans (the design's 60s)")
		autoSubmit = fs.Bool("auto-submit", true, "solve and submit the tasks joined")
		events     = fs.Bool("events", true, "react to task_published events at once")
		pause      = fs.Duration("error-pause", 0, "pause after an error (the design's 30s)")
		solverKind = fs.String("solver", "", "offline (default) or openai")
		aiURL      = fs.String("ai-url", "", "the OpenAI-compatible API root, e.g. http://127.0.0.1:8000/v1")
		aiModel    = fs.String("ai-model", "", "the model name for -solver openai")
		aiKeyEnv   = fs.String("ai-key-env", "", "the environment variable holding the AI API key (default OPENAI_API_KEY)")
		logFormat  = fs.String("log-format", "json", "json or text")
		logLevel   = fs.String("log-level", "info", "debug, info, warn or error")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *newKey != "" {
		w, err := tosai.GenerateWallet()
		if err == nil {
			err = w.Save(*newKey)
		}
		if err != nil {
			fmt.Fprintln(stderr, "tos-ai-miner:", err)
			return 1
		}
		fmt.Fprintln(stdout, w.Address())
		return 0
	}

	s := settings{mining: mining.DefaultConfig()}
	if *configPath != "" {
		if err := loadConfig(*configPath, &s); err != nil {
			fmt.Fprintln(stderr, "tos-ai-miner:", err)
			return 2
		}
	}
	var problems []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "node":
			s.file.Node = *node
		case "key-file":
			s.file.KeyFile = *keyFile
		case "register":
			s.file.Register = *register
		case "registration-fee":
			amount, err := tosai.ParseAmount(*fee)
			if err != nil {
				problems = append(problems, "-registration-fee: "+err.Error())
			}
			s.file.RegistrationFee = amount
		case "difficulties":
			s.mining.TargetDifficulties = nil
			for _, d := range strings.Split(*diffs, ",") {
				s.mining.TargetDifficulties = append(s.mining.TargetDifficulties, tosai.Difficulty(strings.TrimSpace(d)))
			}
		case "max-concurrent":
			s.mining.MaxConcurrentTasks = *maxTasks
		case "min-success":
			s.mining.MinSuccessProbability = *minSuccess
		case "min-time-left":
			s.mining.MinTimeLeft = *minLeft
		case "check-interval":
			s.mining.CheckInterval = *interval
		case "auto-submit":
			s.mining.AutoSubmitSolutions = *autoSubmit
		case "events":
			s.mining.UseEvents = *events
		case "error-pause":
			s.mining.ErrorPause = *pause
		case "solver":
			s.file.Solver.Kind = *solverKind
		case "ai-url":
			s.file.Solver.BaseURL = *aiURL
		case "ai-model":
			s.file.Solver.Model = *aiModel
		case "ai-key-env":
			s.file.Solver.APIKeyEnv = *aiKeyEnv
		}
	})
	if s.file.Node == "" {
		s.file.Node = *node
	}
	if err := s.level.UnmarshalText([]byte(*logLevel)); err != nil {
		problems = append(problems, "-log-level: "+err.Error())
	}
	var handler slog.Handler
	switch *logFormat {
	case "json":
		handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: s.level})
	case "text":
		handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: s.level})
	default:
		problems = append(problems, "-log-format: want json or text")
	}
	if err := s.mining.Validate(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		fmt.Fprintln(stderr, "tos-ai-miner:", strings.Join(problems, "; "))
		return 2
	}
	log := slog.New(handler)

	wallet, err := loadWallet(s.file.KeyFile)
	if err != nil {
		log.Error("no key", "err", err)
		return 2
	}
	solver, err := makeSolver(s.file.Solver)
	if err != nil {
		log.Error("no solver", "err", err)
		return 2
	}
	client, err := tosai.NewClient(s.file.Node)
	if err != nil {
		log.Error("bad node URL", "err", err)
		return 2
	}
	defer client.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		log.Info("stopping", "cause", context.Cause(ctx))
		stop() // a second signal ends the process the usual way
	}()
	account := client.Account(wallet)
	log.Info("tos-ai-miner", "node", s.file.Node, "address", wallet.Address(), "solver", solverName(s.file.Solver))
	if s.file.Register {
		if err := registerUntilDone(ctx, log, client, account, s.file.RegistrationFee, s.mining.ErrorPause); err != nil {
			log.Error("cannot register as a miner", "err", err)
			return 1
		}
	}
	miner, err := mining.New(client, account, s.mining, solver, mining.WithLogger(log))
	if err != nil {
		log.Error("cannot start", "err", err)
		return 2
	}
	if err := miner.Run(ctx); err != nil {
		log.Error("auto-mining failed", "err", err)
		return 1
	}
	stats := miner.Stats()
	log.Info("stopped cleanly", "scans", stats.Scans, "joined", stats.Joined, "submitted", stats.Submitted,
		"errors", stats.Errors)
	return 0
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func loadConfig(path string, s *settings) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s.file); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(s.file.AutoMining) > 0 {
		if err := json.Unmarshal(s.file.AutoMining, &s.mining); err != nil {
			return fmt.Errorf("%s: auto_mining: %w", path, err)
		}
	}
	return nil
}

func loadWallet(keyFile string) (*tosai.Wallet, error) {
	if keyFile != "" {
		return tosai.LoadWallet(keyFile)
	}
	if key := os.Getenv("TOS_MINER_KEY"); key != "" {
		return tosai.ImportWallet(key)
	}
	return nil, errors.New("give the miner's key with -key-file (make one with -new-key) or TOS_MINER_KEY")
}

func solverName(c solverConfig) string {
	if c.Kind == "" {
		return "offline"
	}
	return c.Kind
}

func makeSolver(c solverConfig) (mining.Solver, error) {
	switch c.Kind {
	case "", "offline":
		return mining.OfflineDrafter{}, nil
	case "openai":
		env := c.APIKeyEnv
		if env == "" {
			env = "OPENAI_API_KEY"
		}
		if c.BaseURL == "" || c.Model == "" {
			return nil, errors.New("-solver openai needs -ai-url and -ai-model")
		}
		return &mining.OpenAISolver{BaseURL: c.BaseURL, Model: c.Model, APIKey: os.Getenv(env)}, nil
	}
	return nil, fmt.Errorf("unknown solver %q: want offline or openai", c.Kind)
}

// registerUntilDone registers the account as a miner unless it is one, trying again after a
// pause while the node is unreachable. A refusal (no funds for the fee, say) is returned.
func registerUntilDone(ctx context.Context, log *slog.Logger, c *tosai.Client, a *tosai.Account, fee tosai.Amount, pause time.Duration) error {
	for ctx.Err() == nil {
		stats, err := c.MinerStats(ctx, a.Address())
		if err == nil && stats.IsRegistered {
			log.Info("registered miner", "reputation", stats.Reputation)
			return nil
		}
		if err == nil {
			var reg *tosai.MinerRegistration
			if reg, err = a.RegisterMiner(ctx, tosai.MinerConfig{RegistrationFee: fee}); err == nil {
				log.Info("registered as a miner", "reputation", reg.Reputation)
				return nil
			}
			var already *tosai.AlreadyDoneError
			var refused *tosai.RPCError
			if errors.As(err, &already) {
				return nil
			}
			if errors.As(err, &refused) && refused.Code != tosai.CodeInternalError {
				return err
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		log.Error("cannot register yet; trying again", "err", err, "in", pause)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	return nil
}
