package tosai_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/tos-network/tos-ai/clients/go/internal/testnode"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

// The offline half of the conformance suite: every file of clients/conformance/vectors/.

func TestCanonicalJSONVectors(t *testing.T) {
	var file struct {
		Cases []struct{ Name, Input, Canonical string }
	}
	testnode.Load(t, "vectors/canonical_json.json", &file)
	if len(file.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			got, err := tosai.Canonicalize([]byte(c.Input))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.Canonical {
				t.Errorf("canonical form\n got %s\nwant %s", got, c.Canonical)
			}
		})
	}
}

func TestSigningVectors(t *testing.T) {
	var file struct {
		Cases []struct {
			Name, Address, Method, Params, Network, Signature string
			PrivateKey                                        string `json:"private_key"`
			PublicKey                                         string `json:"public_key"`
			Nonce                                             uint64
			ChainID                                           string `json:"chain_id"`
			SignedBytes                                       string `json:"signed_bytes"`
			Auth                                              tosai.Auth
		}
	}
	testnode.Load(t, "vectors/signing.json", &file)
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			w, err := tosai.ImportWallet(c.PrivateKey)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(w.PublicKey()) != c.PublicKey || w.Address() != c.Address {
				t.Fatalf("key %x / %s, want %s / %s", w.PublicKey(), w.Address(), c.PublicKey, c.Address)
			}
			signed, err := tosai.SigningBytes(c.Method, []byte(c.Params), c.Nonce, c.ChainID, c.Network)
			if err != nil {
				t.Fatal(err)
			}
			if string(signed) != c.SignedBytes {
				t.Fatalf("signed bytes\n got %s\nwant %s", signed, c.SignedBytes)
			}
			params, auth, err := w.SignRequest(c.Method, json.RawMessage(c.Params), c.Nonce, c.ChainID, c.Network)
			if err != nil {
				t.Fatal(err)
			}
			if auth.Signature != c.Signature || auth != c.Auth {
				t.Fatalf("auth %+v, want %+v", auth, c.Auth)
			}
			// What is sent carries auth beside the params, and the rest is what was signed.
			var sent map[string]json.RawMessage
			if err := json.Unmarshal(params, &sent); err != nil {
				t.Fatal(err)
			}
			var sentAuth tosai.Auth
			if err := json.Unmarshal(sent["auth"], &sentAuth); err != nil || sentAuth != c.Auth {
				t.Fatalf("sent auth %s (%v)", sent["auth"], err)
			}
			signature, _ := hex.DecodeString(c.Signature)
			pub := ed25519.PublicKey(w.PublicKey())
			if !tosai.VerifyRequest(pub, c.Method, params, c.Nonce, c.ChainID, c.Network, signature) {
				t.Fatal("the sent params do not verify")
			}
			// Changing anything the signature covers breaks it.
			changed := map[string]func() bool{
				"method": func() bool {
					return tosai.VerifyRequest(pub, c.Method+"x", params, c.Nonce, c.ChainID, c.Network, signature)
				},
				"nonce": func() bool {
					return tosai.VerifyRequest(pub, c.Method, params, c.Nonce+1, c.ChainID, c.Network, signature)
				},
				"chain_id": func() bool {
					return tosai.VerifyRequest(pub, c.Method, params, c.Nonce, c.ChainID+"0", c.Network, signature)
				},
				"network": func() bool {
					return tosai.VerifyRequest(pub, c.Method, params, c.Nonce, c.ChainID, "mainnet", signature)
				},
				"params": func() bool {
					other := bytes.Replace(params, []byte(`{`), []byte(`{"extra":1,`), 1)
					return tosai.VerifyRequest(pub, c.Method, other, c.Nonce, c.ChainID, c.Network, signature)
				},
			}
			for what, verify := range changed {
				if verify() {
					t.Errorf("changing %s did not break the signature", what)
				}
			}
		})
	}
}

func TestAddressVectors(t *testing.T) {
	var file struct {
		Cases []struct {
			Name, Address, Normalized, Reason string
			PublicKey                         string `json:"public_key"`
			Valid                             bool
		}
	}
	testnode.Load(t, "vectors/addresses.json", &file)
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			normalized, pub, err := tosai.ParseAddress(tosai.DevnetHRP, c.Address)
			if !c.Valid {
				var addrErr *tosai.AddressError
				if !errors.As(err, &addrErr) {
					t.Fatalf("accepted an invalid address (%s): %v", c.Reason, err)
				}
				if addrErr.Reason != c.Reason {
					t.Errorf("reason %q, want %q", addrErr.Reason, c.Reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if normalized != c.Normalized || hex.EncodeToString(pub) != c.PublicKey {
				t.Fatalf("got %s %x, want %s %s", normalized, pub, c.Normalized, c.PublicKey)
			}
			again, err := tosai.AddressFromPublicKey(tosai.DevnetHRP, pub)
			if err != nil || again != c.Normalized {
				t.Fatalf("re-encoded %s (%v), want %s", again, err, c.Normalized)
			}
		})
	}
}

func TestAmountVectors(t *testing.T) {
	var file struct {
		Atomic []struct {
			Input  json.RawMessage
			Valid  bool
			Atomic string
			Reason string
		}
		TOSToAtomic []struct {
			TOS    string
			Atomic *string
		} `json:"tos_to_atomic"`
		Format []struct{ Atomic, Text string }
	}
	testnode.Load(t, "vectors/amounts.json", &file)
	for _, c := range file.Atomic {
		t.Run("atomic "+string(c.Input), func(t *testing.T) {
			var got tosai.Amount
			err := json.Unmarshal(c.Input, &got)
			if !c.Valid {
				var amountErr *tosai.AmountError
				if !errors.As(err, &amountErr) {
					t.Fatalf("accepted %s as %d (%v)", c.Input, got, err)
				}
				if amountErr.Reason != c.Reason {
					t.Errorf("reason %q, want %q", amountErr.Reason, c.Reason)
				}
				return
			}
			if err != nil || got.String() != c.Atomic {
				t.Fatalf("got %s (%v), want %s", got, err, c.Atomic)
			}
			encoded, _ := json.Marshal(got)
			if string(encoded) != `"`+c.Atomic+`"` {
				t.Errorf("encoded as %s", encoded)
			}
		})
	}
	for _, c := range file.TOSToAtomic {
		t.Run("tos "+c.TOS, func(t *testing.T) {
			got, err := tosai.ParseTOS(c.TOS)
			if c.Atomic == nil {
				if !errors.Is(err, tosai.ErrNotTOS) {
					t.Fatalf("accepted %q as %d", c.TOS, got)
				}
				return
			}
			if err != nil || got.String() != *c.Atomic {
				t.Fatalf("got %s (%v), want %s", got, err, *c.Atomic)
			}
		})
	}
	for _, c := range file.Format { // any uint64 formats, even above the supply
		n, err := strconv.ParseUint(c.Atomic, 10, 64)
		if got := tosai.Amount(n).FormatTOS(); err != nil || got != c.Text {
			t.Errorf("format %s: got %q (%v), want %q", c.Atomic, got, err, c.Text)
		}
	}
}

func TestTaskTypeVectors(t *testing.T) {
	var file struct {
		DetailKeys map[string]string `json:"detail_keys"`
		Cases      []struct {
			Name       string
			Input      json.RawMessage
			Valid      bool
			Normalized json.RawMessage
			Field      string
		}
		RestFlat []struct {
			Body         map[string]json.RawMessage
			TaskType     json.RawMessage `json:"task_type"`
			DefaultTitle string          `json:"default_title"`
		} `json:"rest_flat"`
	}
	testnode.Load(t, "vectors/task_types.json", &file)
	for name, key := range file.DetailKeys {
		if got := tosai.TaskVariant(name).DetailKey(); got != key {
			t.Errorf("%s detail key %q, want %q", name, got, key)
		}
	}
	if len(file.DetailKeys) != len(tosai.TaskVariants) {
		t.Errorf("the client knows %d variants, the vectors %d", len(tosai.TaskVariants), len(file.DetailKeys))
	}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			got, err := tosai.ParseTaskType(c.Input)
			if !c.Valid {
				var field *tosai.FieldError
				if !errors.As(err, &field) {
					t.Fatalf("accepted %s as %+v", c.Input, got)
				}
				if field.Field != c.Field {
					t.Errorf("field %q, want %q", field.Field, c.Field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			encoded, _ := json.Marshal(got)
			want, _ := tosai.Canonicalize(c.Normalized)
			if string(encoded) != string(want) {
				t.Errorf("normalized %s, want %s", encoded, want)
			}
		})
	}
	for _, c := range file.RestFlat {
		var variant string
		_ = json.Unmarshal(c.Body["task_type"], &variant)
		tt := tosai.TaskType{Variant: tosai.TaskVariant(variant)}
		_ = json.Unmarshal(c.Body[tt.Variant.DetailKey()], &tt.Detail)
		encoded, _ := json.Marshal(tt)
		want, _ := tosai.Canonicalize(c.TaskType)
		if string(encoded) != string(want) || tt.String() != c.DefaultTitle {
			t.Errorf("flat form: %s %q, want %s %q", encoded, tt.String(), want, c.DefaultTitle)
		}
	}
}

func TestErrorVectors(t *testing.T) {
	var file struct {
		Errors []struct {
			Code int
			Kind string
			Rule *string
		}
	}
	testnode.Load(t, "vectors/errors.json", &file)
	for _, c := range file.Errors {
		t.Run(c.Kind, func(t *testing.T) {
			data := map[string]any{}
			if c.Rule != nil {
				data["rule"] = *c.Rule
			}
			err := tosai.NewRPCError("ai_some_method", c.Code, "the node's words", data)
			if !isKind(err, c.Kind) {
				t.Fatalf("code %d rule %v gave %T, not the %s type", c.Code, c.Rule, err, c.Kind)
			}
			var rpc *tosai.RPCError
			if !errors.As(err, &rpc) || rpc.Code != c.Code || rpc.Method != "ai_some_method" ||
				rpc.Message != "the node's words" || rpc.Kind() != c.Kind {
				t.Fatalf("RPCError %+v", rpc)
			}
			var denied *tosai.PermissionDeniedError
			if (c.Kind == "nonce_mismatch" || c.Kind == "wrong_chain") && !errors.As(err, &denied) {
				t.Errorf("%s is not a permission_denied", c.Kind)
			}
		})
	}
	var generic *tosai.NodeError
	if !errors.As(tosai.NewRPCError("m", -32099, "new", nil), &generic) {
		t.Error("an unknown code is not a *NodeError")
	}
}

// isKind reports whether err is the client's error type for a kind of vectors/errors.json.
func isKind(err error, kind string) bool {
	switch kind {
	case "parse_error":
		return as[*tosai.ParseError](err)
	case "invalid_request":
		return as[*tosai.InvalidRequestError](err)
	case "method_not_found":
		return as[*tosai.MethodNotFoundError](err)
	case "invalid_params":
		return as[*tosai.InvalidParamsError](err)
	case "internal_error":
		return as[*tosai.InternalError](err)
	case "unknown_entity":
		return as[*tosai.UnknownEntityError](err)
	case "insufficient_funds":
		return as[*tosai.InsufficientFundsError](err)
	case "not_accepting":
		return as[*tosai.NotAcceptingError](err)
	case "permission_denied":
		return as[*tosai.PermissionDeniedError](err) && !as[*tosai.NonceMismatchError](err) &&
			!as[*tosai.WrongChainError](err)
	case "nonce_mismatch":
		return as[*tosai.NonceMismatchError](err)
	case "wrong_chain":
		return as[*tosai.WrongChainError](err)
	case "invalid_content":
		return as[*tosai.InvalidContentError](err)
	case "already_done":
		return as[*tosai.AlreadyDoneError](err)
	case "rate_limited":
		return as[*tosai.RateLimitedError](err)
	}
	return false
}

func as[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func TestRulesVector(t *testing.T) {
	var file struct {
		Rules        json.RawMessage
		Configurable []string
	}
	testnode.Load(t, "vectors/rules.json", &file)
	var rules tosai.Rules
	if err := json.Unmarshal(file.Rules, &rules); err != nil {
		t.Fatal(err)
	}
	// The typed rules hold everything the node sent: written back, they are the same JSON.
	again, err := json.Marshal(rules)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := testnode.RulesWithout(t, again, nil), testnode.RulesWithout(t, file.Rules, nil); got != want {
		t.Errorf("typed rules lose something:\n got %s\nwant %s", got, want)
	}
	// The rules this package keeps as constants are the node's.
	var levels []tosai.Difficulty
	for _, l := range rules.DifficultyLevels {
		levels = append(levels, l.Name)
	}
	var variants []tosai.TaskVariant
	for _, tt := range rules.TaskTypes {
		variants = append(variants, tt.Name)
		if tt.Name.DetailKey() != tt.Detail {
			t.Errorf("%s's detail is %q here, %q on the node", tt.Name, tt.Name.DetailKey(), tt.Detail)
		}
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"difficulties", tosai.Difficulties, levels},
		{"task variants", tosai.TaskVariants, variants},
		{"statuses", tosai.TaskStatuses, rules.Statuses.All},
		{"open statuses", tosai.OpenStatuses, rules.Statuses.Open},
		{"event names", tosai.EventNames, rules.Events},
		{"atomic units per TOS", uint64(tosai.AtomicPerTOS), rules.Amounts.AtomicPerTOS},
		{"maximum supply", tosai.MaxSupply, rules.Amounts.MaxSupply},
		{"stake divisors", tosai.StakeRules{MinDivisor: tosai.StakeMinDivisor, MaxDivisor: tosai.StakeMaxDivisor}, rules.Stake},
	}
	for _, c := range checks {
		if testnode.Describe(c.got) != testnode.Describe(c.want) {
			t.Errorf("%s: %s here, %s on the node", c.what, testnode.Describe(c.got), testnode.Describe(c.want))
		}
	}
	// The stake range follows the divisors given, and the task's own bounds keep the package's.
	task := tosai.TaskSummary{RewardAmount: 12_345_678_901}
	if lo, hi := rules.StakeRange(task.RewardAmount, 0); lo != task.MinStake() || hi != task.MaxStake() {
		t.Errorf("stake range %d..%d, the task's %d..%d", lo, hi, task.MinStake(), task.MaxStake())
	}
	other := tosai.Rules{Stake: tosai.StakeRules{MinDivisor: 4, MaxDivisor: 3}}
	if lo, hi := other.StakeRange(12_345_678_901, 0); lo != 3_086_419_725 || hi != 4_115_226_300 {
		t.Errorf("stake range with divisors 4 and 3: %d..%d", lo, hi)
	}
	if lo, _ := rules.StakeRange(12_345_678_901, 2_000_000_000); lo != 2_000_000_000 {
		t.Errorf("a stake_required above reward/10 is the minimum, got %d", lo)
	}
	if level, ok := rules.Level(tosai.Intermediate); !ok || level.MinReputation.Participate != level.MinReputation.Submit {
		t.Errorf("Intermediate: %+v %v", level, ok)
	}
	if _, ok := rules.Level("Legendary"); ok {
		t.Error("a level the node does not have")
	}
}
