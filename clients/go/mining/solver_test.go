package mining_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tos-network/tos-ai/clients/go/mining"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func sampleTask() *tosai.TaskDetails {
	return &tosai.TaskDetails{
		TaskSummary: tosai.TaskSummary{TaskID: strings.Repeat("ab", 32), Title: "Make the sort stable",
			TaskType: tosai.CodeAnalysis("rust"), DifficultyLevel: tosai.Beginner},
		Description: "Rewrite the sorting routine so that equal keys keep their order.",
	}
}

// fakeAI is an OpenAI-compatible chat completions server.
func fakeAI(t *testing.T, status int, answer string) (*httptest.Server, *[]map[string]any, *[]string) {
	var bodies []map[string]any
	var auth []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		bodies = append(bodies, body)
		auth = append(auth, r.Header.Get("Authorization"))
		if status != http.StatusOK {
			http.Error(w, `{"error":{"message":"the model is overloaded"}}`, status)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{
			map[string]any{"message": map[string]any{"role": "assistant", "content": answer}},
		}})
	}))
	t.Cleanup(server.Close)
	return server, &bodies, &auth
}

func TestTheOpenAISolverAsksTheModelAndKeepsItsCode(t *testing.T) {
	answer := "Use a merge sort; it is stable.\n\n```rust\nfn sort<T: Ord>(v: &mut Vec<T>) { v.sort(); }\n```\nDone."
	server, bodies, auth := fakeAI(t, http.StatusOK, answer)
	solver := &mining.OpenAISolver{BaseURL: server.URL + "/v1", APIKey: "sk-test", Model: "tiny-model"}
	solution, err := solver.Solve(context.Background(), sampleTask())
	if err != nil {
		t.Fatal(err)
	}
	if solution.Content != answer || solution.Code != "fn sort<T: Ord>(v: &mut Vec<T>) { v.sort(); }" ||
		!strings.Contains(solution.Documentation, "tiny-model") {
		t.Errorf("solution %+v", solution)
	}
	if len(*bodies) != 1 || (*bodies)[0]["model"] != "tiny-model" || (*auth)[0] != "Bearer sk-test" {
		t.Fatalf("request %v %v", *bodies, *auth)
	}
	messages, _ := (*bodies)[0]["messages"].([]any)
	prompt, _ := json.Marshal(messages)
	if !strings.Contains(string(prompt), "Make the sort stable") || !strings.Contains(string(prompt), "equal keys keep their order") {
		t.Errorf("the prompt does not carry the task: %s", prompt)
	}
}

func TestTheOpenAISolverReportsTheServicesRefusal(t *testing.T) {
	server, _, _ := fakeAI(t, http.StatusServiceUnavailable, "")
	_, err := (&mining.OpenAISolver{BaseURL: server.URL + "/v1", Model: "m"}).Solve(context.Background(), sampleTask())
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "overloaded") {
		t.Errorf("got %v", err)
	}
}

func TestTheOpenAISolverRefusesAnAnswerTooShortToSubmit(t *testing.T) {
	server, _, _ := fakeAI(t, http.StatusOK, "ok")
	_, err := (&mining.OpenAISolver{BaseURL: server.URL + "/v1", Model: "m"}).Solve(context.Background(), sampleTask())
	if err == nil || !strings.Contains(err.Error(), "10") {
		t.Errorf("got %v", err)
	}
}

func TestTheOfflineDrafterSaysWhatItIs(t *testing.T) {
	solution, err := mining.OfflineDrafter{}.Solve(context.Background(), sampleTask())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(solution.Content, mining.OfflineLabel) || !strings.Contains(solution.Content, "equal keys") ||
		len(solution.Content) < 10 {
		t.Errorf("draft %q", solution.Content)
	}
}
