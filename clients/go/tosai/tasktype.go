package tosai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// TaskVariant names a kind of task.
type TaskVariant string

// The task variants the node knows.
const (
	CodeAnalysisTask          TaskVariant = "CodeAnalysis"
	SecurityAuditTask         TaskVariant = "SecurityAudit"
	DataAnalysisTask          TaskVariant = "DataAnalysis"
	AlgorithmOptimizationTask TaskVariant = "AlgorithmOptimization"
	LogicReasoningTask        TaskVariant = "LogicReasoning"
	GeneralTaskTask           TaskVariant = "GeneralTask"
)

// TaskVariants lists every variant, in the node's order.
var TaskVariants = []TaskVariant{
	CodeAnalysisTask, SecurityAuditTask, DataAnalysisTask,
	AlgorithmOptimizationTask, LogicReasoningTask, GeneralTaskTask,
}

// DetailKey is the name of the one detail a variant carries: "language" for CodeAnalysis,
// "scope", "data_type", "domain", "complexity" (an integer 1–10) or "category".
func (v TaskVariant) DetailKey() string {
	switch v {
	case CodeAnalysisTask:
		return "language"
	case SecurityAuditTask:
		return "scope"
	case DataAnalysisTask:
		return "data_type"
	case AlgorithmOptimizationTask:
		return "domain"
	case LogicReasoningTask:
		return "complexity"
	case GeneralTaskTask:
		return "category"
	}
	return ""
}

// Valid reports whether the node knows the variant.
func (v TaskVariant) Valid() bool { return slices.Contains(TaskVariants, v) }

// TaskType is an externally tagged task type: {"CodeAnalysis": {"language": "rust"}}.
// Detail holds the variant's string detail (language, scope, data type, domain or category);
// Complexity holds LogicReasoning's integer detail. Zero values mean "not given".
type TaskType struct {
	Variant    TaskVariant
	Detail     string
	Complexity int
}

// CodeAnalysis is a CodeAnalysis task type for a language ("" for none).
func CodeAnalysis(language string) TaskType {
	return TaskType{Variant: CodeAnalysisTask, Detail: language}
}

// SecurityAudit is a SecurityAudit task type with a scope ("" for none).
func SecurityAudit(scope string) TaskType { return TaskType{Variant: SecurityAuditTask, Detail: scope} }

// DataAnalysis is a DataAnalysis task type with a data type ("" for none).
func DataAnalysis(dataType string) TaskType {
	return TaskType{Variant: DataAnalysisTask, Detail: dataType}
}

// AlgorithmOptimization is an AlgorithmOptimization task type with a domain ("" for none).
func AlgorithmOptimization(domain string) TaskType {
	return TaskType{Variant: AlgorithmOptimizationTask, Detail: domain}
}

// LogicReasoning is a LogicReasoning task type of complexity 1–10 (0 for none).
func LogicReasoning(complexity int) TaskType {
	return TaskType{Variant: LogicReasoningTask, Complexity: complexity}
}

// GeneralTask is a GeneralTask task type with a category ("" for none).
func GeneralTask(category string) TaskType {
	return TaskType{Variant: GeneralTaskTask, Detail: category}
}

// String is the node's default title for the type: "CodeAnalysis (rust)", or the bare variant.
func (t TaskType) String() string {
	switch {
	case t.Variant == LogicReasoningTask && t.Complexity != 0:
		return fmt.Sprintf("%s (%d)", t.Variant, t.Complexity)
	case t.Detail != "":
		return fmt.Sprintf("%s (%s)", t.Variant, t.Detail)
	}
	return string(t.Variant)
}

// MarshalJSON writes the normalized, externally tagged form the node stores.
func (t TaskType) MarshalJSON() ([]byte, error) {
	if !t.Variant.Valid() {
		return nil, &FieldError{Field: "task_type", Reason: fmt.Sprintf("unknown task type %q", t.Variant)}
	}
	detail := map[string]any{}
	switch {
	case t.Variant == LogicReasoningTask && t.Complexity != 0:
		detail["complexity"] = t.Complexity
	case t.Variant != LogicReasoningTask && t.Detail != "":
		detail[t.Variant.DetailKey()] = t.Detail
	}
	return json.Marshal(map[string]any{string(t.Variant): detail})
}

// UnmarshalJSON reads a bare variant name ("CodeAnalysis") or the tagged form, checking the
// detail the way the node does.
func (t *TaskType) UnmarshalJSON(data []byte) error {
	parsed, err := ParseTaskType(data)
	if err != nil {
		return err
	}
	*t = parsed
	return nil
}

// FieldError is a value the client refuses before sending it, naming the field as the node's
// -32602 data.field would.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// ParseTaskType reads a task type from JSON text (bare name or externally tagged).
func ParseTaskType(data []byte) (TaskType, error) {
	fail := func(field, format string, args ...any) (TaskType, error) {
		return TaskType{}, &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var name string
		if err := json.Unmarshal(data, &name); err != nil || !TaskVariant(name).Valid() {
			return fail("task_type", "unknown task type %s", data)
		}
		return TaskType{Variant: TaskVariant(name)}, nil
	}
	var tagged map[string]json.RawMessage
	if len(data) == 0 || data[0] != '{' || json.Unmarshal(data, &tagged) != nil {
		return fail("task_type", "expected a task type name or {Variant: {detail}}, got %s", data)
	}
	if len(tagged) != 1 {
		return fail("task_type", "expected exactly one task type variant, got %d", len(tagged))
	}
	var name string
	var body json.RawMessage
	for k, v := range tagged {
		name, body = k, v
	}
	variant := TaskVariant(name)
	if !variant.Valid() {
		return fail("task_type", "unknown task type %q", name)
	}
	out := TaskType{Variant: variant}
	if bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return out, nil
	}
	var detail map[string]json.RawMessage
	if err := json.Unmarshal(body, &detail); err != nil || detail == nil {
		return fail("task_type."+name, "expected an object, got %s", body)
	}
	key := variant.DetailKey()
	for k, raw := range detail {
		where := "task_type." + name + "." + k
		if k != key {
			return fail(where, "%s takes only %q", name, key)
		}
		if variant == LogicReasoningTask {
			var n json.Number
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if raw[0] == '"' || dec.Decode(&n) != nil {
				return fail(where, "complexity must be an integer 1-10, got %s", raw)
			}
			c, err := n.Int64()
			if err != nil || c < 1 || c > 10 {
				return fail(where, "complexity must be an integer 1-10, got %s", raw)
			}
			out.Complexity = int(c)
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return fail(where, "%s must be a string, got %s", k, raw)
		}
		if len([]rune(s)) > 64 {
			return fail(where, "%s is longer than 64 characters", k)
		}
		out.Detail = s
	}
	return out, nil
}
