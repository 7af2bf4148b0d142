package tosai_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"testing"

	"github.com/tos-network/tos-ai/clients/go/tosai"
)

func TestCanonicalFloatsAreWrittenAsPythonWritesThem(t *testing.T) {
	data, err := os.ReadFile("testdata/float_repr.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct{ Input, Canonical string }
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	for _, c := range file.Cases {
		got, err := tosai.Canonicalize([]byte(`[` + c.Input + `]`))
		if err != nil {
			t.Errorf("%s: %v", c.Input, err)
			continue
		}
		if string(got) != "["+c.Canonical+"]" {
			t.Errorf("%s: got %s, want [%s]", c.Input, got, c.Canonical)
		}
	}
}

func TestCanonicalFloatsReadBackToTheSameDouble(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		text := strconv.FormatFloat(f, 'g', -1, 64)
		if !json.Valid([]byte(text)) {
			continue
		}
		if _, err := strconv.ParseInt(text, 10, 64); err == nil {
			continue // written as an integer: not a fraction
		}
		got, err := tosai.Canonicalize([]byte(text))
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		back, err := strconv.ParseFloat(string(got), 64)
		if err != nil || back != f {
			t.Fatalf("%s became %s, which reads as %v", text, got, back)
		}
	}
}

func TestCanonicalJSONRefusesWhatIsNotOneJSONValue(t *testing.T) {
	for _, input := range []string{``, `{`, `{"a":1} {}`, `1e400`, `[NaN]`, `"\ud800"`, `"a\udc00b"`,
		`{"\ud83dx":1}`, `"\ud83d\u0041"`, "\"\xff\""} {
		if got, err := tosai.Canonicalize([]byte(input)); err == nil {
			t.Errorf("%q was accepted as %s", input, got)
		}
	}
}

func TestCanonicalJSONKeepsSurrogatePairsAndEscapedBackslashes(t *testing.T) {
	got, err := tosai.Canonicalize([]byte(`["\ud83d\ude80", "\\ud800", "\\\"\ud800\udc00"]`))
	if want := "[\"🚀\",\"\\\\ud800\",\"\\\\\\\"𐀀\"]"; err != nil || string(got) != want {
		t.Errorf("got %s (%v), want %s", got, err, want)
	}
}

func TestCanonicalJSONOfGoValuesUndoesEncodingJSONEscapes(t *testing.T) {
	got, err := tosai.CanonicalJSON(map[string]any{"z": "<a>&b\u2028", "a": []int{2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\"a\":[2,1],\"z\":\"<a>&b\u2028\"}"; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// FuzzCanonicalize checks that the canonical form is valid JSON, is its own canonical form,
// and means the same as the input. `go test` runs the seeds; `go test -fuzz` explores.
func FuzzCanonicalize(f *testing.F) {
	for _, seed := range []string{
		`{"b":1,"a":[1,2.5,-0.0,1e21,"x\u0000"]}`, `{"\ud83d\ude00":1,"\uff61":2}`, `[18446744073709551616, -7]`,
		`"a\u2028b<>&"`, `{"a":{"b":{"c":null}},"A":true}`, `0.1`, `[1E2, 1e-7, 123456789012345678901234567890]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := tosai.Canonicalize(data)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("%q became invalid JSON %q", data, out)
		}
		again, err := tosai.Canonicalize(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", data, out, again, err)
		}
		var before, after any
		if json.Unmarshal(data, &before) == nil && json.Unmarshal(out, &after) == nil {
			if !reflect.DeepEqual(before, after) { // -0 and 0 are equal here, as in the node
				t.Fatalf("meaning changed: %q vs %q", data, out)
			}
		}
	})
}
