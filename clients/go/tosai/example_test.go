package tosai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func ExampleCanonicalize() {
	// encoding/json would write "\u003c" and keep the keys' order; the signed form does neither.
	out, _ := tosai.Canonicalize([]byte(`{"title": "<b> & 🚀", "reward_amount": "50000000000", "a": 0.67}`))
	fmt.Println(string(out))
	// Output: {"a":0.67,"reward_amount":"50000000000","title":"<b> & 🚀"}
}

func ExampleWallet_SignRequest() {
	w, _ := tosai.ImportWallet("0101010101010101010101010101010101010101010101010101010101010101")
	params := map[string]any{"task_id": "ab12", "stake_amount": tosai.TOS(20)}
	sent, auth, _ := w.SignRequest("ai_participate_task", params, 7, "3f2a9c0d1e4b5a67", "devnet")
	fmt.Println(auth.Address)
	fmt.Println(string(sent)[:60] + "…")
	// Output:
	// tst132yw8ht5p8cetl2jmvknewjawt9xwzdlrk2pyxlnwjyqrdq0dawqqlyxgh
	// {"stake_amount":"2000000000","task_id":"ab12","auth":{"addre…
}

func ExampleParseTOS() {
	reward, _ := tosai.ParseTOS("123.45")
	fmt.Println(reward, reward.FormatTOS())
	data, _ := json.Marshal(map[string]tosai.Amount{"reward_amount": reward})
	fmt.Println(string(data))
	// Output:
	// 12345000000 123.45 TOS
	// {"reward_amount":"12345000000"}
}

func ExampleParseAddress() {
	normalized, pub, err := tosai.ParseAddress(tosai.DevnetHRP, "TST1A4YJ333G68PVD6HFQVUFQKV4VY54JFE6T33LJD3KC9RPFTY8XLGS2ZZFS2")
	fmt.Println(normalized, len(pub), err)
	_, _, err = tosai.ParseAddress(tosai.DevnetHRP, "tos132yw8ht5p8cetl2jmvknewjawt9xwzdlrk2pyxlnwjyqrdq0dawqnlxj8y")
	fmt.Println(err)
	// Output:
	// tst1a4yj333g68pvd6hfqvufqkv4vy54jfe6t33ljd3kc9rpfty8xlgs2zzfs2 32 <nil>
	// invalid address "tos132yw8ht5p8cetl2jmvknewjawt9xwzdlrk2pyxlnwjyqrdq0dawqnlxj8y": expected the 'tst' prefix, got 'tos'
}

func ExampleRPCError() {
	// What a client gets back when a stake is out of range; match the kind with errors.As.
	err := tosai.NewRPCError("ai_participate_task", -32002, "stake 1 is below the minimum 2000000000",
		map[string]any{"field": "stake_amount", "rule": "stake_range"})
	var funds *tosai.InsufficientFundsError
	if errors.As(err, &funds) {
		fmt.Println(funds.Kind(), funds.Field(), funds.Rule())
	}
	var denied *tosai.PermissionDeniedError
	fmt.Println(errors.As(err, &denied))
	// Output:
	// insufficient_funds stake_amount stake_range
	// false
}

func ExampleNonceMismatchError() {
	err := tosai.NewRPCError("ai_publish_task", -32004, "nonce 9 is not the account's next nonce (4)",
		map[string]any{"field": "auth.nonce", "rule": "nonce", "expected": json.Number("4")})
	var nonce *tosai.NonceMismatchError
	var denied *tosai.PermissionDeniedError
	fmt.Println(errors.As(err, &nonce), nonce.Expected, errors.As(err, &denied))
	// Output: true 4 true
}

// Publishing a task as a signed write: the client fetches the chain id and the nonce.
func ExampleAccount_PublishTask() {
	ctx := context.Background()
	client, _ := tosai.NewClient("http://127.0.0.1:8545")
	wallet, _ := tosai.GenerateWallet()
	task, err := client.Account(wallet).PublishTask(ctx, tosai.TaskData{
		Title:           "Optimize Rust Sorting Algorithm",
		TaskType:        tosai.CodeAnalysis("rust"),
		RewardAmount:    tosai.TOS(500),
		DifficultyLevel: tosai.Intermediate,
	})
	var funds *tosai.InsufficientFundsError
	switch {
	case errors.As(err, &funds):
		log.Printf("fund %s first: %s", wallet.Address(), funds.Message)
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println(task.TaskID, task.Status)
	}
}

// Following every event from a cursor, across node restarts.
func ExampleClient_Subscribe() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, _ := tosai.NewClient("http://127.0.0.1:8545")
	info, err := client.Info(ctx)
	if err != nil {
		log.Fatal(err)
	}
	sub, err := client.Subscribe(ctx, tosai.SubscribeOptions{SinceSeq: info.HeadSeq, ChainID: info.ChainID})
	if err != nil {
		log.Fatal(err)
	}
	defer sub.Close()
	for ev := range sub.Events() {
		fmt.Println(ev.Seq, ev.Name, ev.TaskID())
	}
	var reset *tosai.ChainResetError
	if err := <-sub.Err(); errors.As(err, &reset) {
		fmt.Println("the chain was reset; follow", reset.NewChainID, "from seq 0")
	}
}
