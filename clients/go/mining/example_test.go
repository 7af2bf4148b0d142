package mining_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/tos-network/tos-ai/clients/go/mining"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func ExampleConfig() {
	// The design's settings as JSON, merged onto the defaults.
	cfg := mining.DefaultConfig()
	_ = json.Unmarshal([]byte(`{"target_difficulties": ["Beginner"], "min_time_left": 600, "check_interval": 60}`), &cfg)
	fmt.Println(cfg.TargetDifficulties, cfg.MinTimeLeft, cfg.CheckInterval, cfg.ErrorPause, cfg.UseEvents)
	// Output: [Beginner] 10m0s 1m0s 30s true
}

func ExampleSuccessProbability() {
	fmt.Printf("%.3f\n", mining.SuccessProbability(tosai.Intermediate, 2, 500))
	// Output: 0.375
}

// The design's auto_mining_example, in Go: run the loop until Ctrl-C.
func ExampleMiner_Run() {
	client, _ := tosai.NewClient("http://127.0.0.1:8545")
	wallet, err := tosai.LoadWallet("miner.key")
	if err != nil {
		log.Fatal(err)
	}
	cfg := mining.DefaultConfig()
	cfg.MinTimeLeft = time.Hour
	solver := &mining.OpenAISolver{BaseURL: "http://127.0.0.1:8000/v1", Model: "local-model",
		APIKey: os.Getenv("OPENAI_API_KEY")}
	miner, err := mining.New(client, client.Account(wallet), cfg, solver)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	_ = miner.Run(ctx)
	fmt.Printf("%+v\n", miner.Stats())
}
