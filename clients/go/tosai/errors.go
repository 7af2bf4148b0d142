package tosai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// The JSON-RPC and domain error codes the node sends (vectors/errors.json).
const (
	CodeParseError        = -32700
	CodeInvalidRequest    = -32600
	CodeMethodNotFound    = -32601
	CodeInvalidParams     = -32602
	CodeInternalError     = -32603
	CodeUnknownEntity     = -32001
	CodeInsufficientFunds = -32002
	CodeNotAccepting      = -32003
	CodePermissionDenied  = -32004
	CodeInvalidContent    = -32005
	CodeAlreadyDone       = -32006
	CodeRateLimited       = -32007
)

// RPCError is a refusal from the node: the method called, the code, the node's message and its
// data (which names the field and/or rule). Every refusal is also one of the kind types below
// (UnknownEntityError, InsufficientFundsError, ...), each of which unwraps to its RPCError, so
//
//	var funds *tosai.InsufficientFundsError
//	if errors.As(err, &funds) { ... }
//
// matches one kind and errors.As(err, &rpcErr) matches them all.
type RPCError struct {
	Method  string
	Code    int
	Message string
	Data    map[string]any // numbers are json.Number
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("tosai: %s: %s (%d %s)", e.Method, e.Message, e.Code, e.Kind())
}

// Kind is the error's kind as vectors/errors.json names it ("insufficient_funds", ...), or
// "node_error" for a code the client does not know.
func (e *RPCError) Kind() string {
	switch e.Code {
	case CodeParseError:
		return "parse_error"
	case CodeInvalidRequest:
		return "invalid_request"
	case CodeMethodNotFound:
		return "method_not_found"
	case CodeInvalidParams:
		return "invalid_params"
	case CodeInternalError:
		return "internal_error"
	case CodeUnknownEntity:
		return "unknown_entity"
	case CodeInsufficientFunds:
		return "insufficient_funds"
	case CodeNotAccepting:
		return "not_accepting"
	case CodePermissionDenied:
		switch e.Rule() {
		case "nonce":
			return "nonce_mismatch"
		case "chain_id":
			return "wrong_chain"
		}
		return "permission_denied"
	case CodeInvalidContent:
		return "invalid_content"
	case CodeAlreadyDone:
		return "already_done"
	case CodeRateLimited:
		return "rate_limited"
	}
	return "node_error"
}

// Field is data.field: the dotted path of the parameter at fault, if the node named one.
func (e *RPCError) Field() string { s, _ := e.Data["field"].(string); return s }

// Rule is data.rule: the rule the request broke, if the node named one.
func (e *RPCError) Rule() string { s, _ := e.Data["rule"].(string); return s }

// One type per error kind. Each unwraps to its *RPCError; NonceMismatchError and
// WrongChainError also unwrap to *PermissionDeniedError, of which they are special cases.
type (
	// ParseError (-32700): the request was not valid JSON.
	ParseError struct{ RPCError }
	// InvalidRequestError (-32600): not a valid JSON-RPC request, or too big.
	InvalidRequestError struct{ RPCError }
	// MethodNotFoundError (-32601): the node has no such method.
	MethodNotFoundError struct{ RPCError }
	// InvalidParamsError (-32602): a parameter has the wrong type or shape; Field names it.
	InvalidParamsError struct{ RPCError }
	// InternalError (-32603): the node failed; the request changed nothing.
	InternalError struct{ RPCError }
	// UnknownEntityError (-32001): no such task or submission.
	UnknownEntityError struct{ RPCError }
	// InsufficientFundsError (-32002): balance too low, or stake out of range.
	InsufficientFundsError struct{ RPCError }
	// NotAcceptingError (-32003): the task does not take this action now.
	NotAcceptingError struct{ RPCError }
	// PermissionDeniedError (-32004): not allowed (ownership, reputation, signature, ...).
	PermissionDeniedError struct{ RPCError }
	// InvalidContentError (-32005): a length, score, reward or deadline breaks a content rule.
	InvalidContentError struct{ RPCError }
	// AlreadyDoneError (-32006): done before (second participation, validation, registration).
	AlreadyDoneError struct{ RPCError }
	// RateLimitedError (-32007): too many actions of this kind; retry after RetryAfter.
	RateLimitedError struct {
		RPCError
		RetryAfter time.Duration
	}
	// NodeError is a refusal with a code the client does not know.
	NodeError struct{ RPCError }
)

// NonceMismatchError (-32004, rule nonce): the signed nonce is not the account's next;
// Expected is the nonce the node wanted.
type NonceMismatchError struct {
	PermissionDeniedError
	Expected uint64
}

// WrongChainError (-32004, rule chain_id): the request was signed for another chain;
// Expected is this node's chain id.
type WrongChainError struct {
	PermissionDeniedError
	Expected string
}

func (e *ParseError) Unwrap() error             { return &e.RPCError }
func (e *InvalidRequestError) Unwrap() error    { return &e.RPCError }
func (e *MethodNotFoundError) Unwrap() error    { return &e.RPCError }
func (e *InvalidParamsError) Unwrap() error     { return &e.RPCError }
func (e *InternalError) Unwrap() error          { return &e.RPCError }
func (e *UnknownEntityError) Unwrap() error     { return &e.RPCError }
func (e *InsufficientFundsError) Unwrap() error { return &e.RPCError }
func (e *NotAcceptingError) Unwrap() error      { return &e.RPCError }
func (e *PermissionDeniedError) Unwrap() error  { return &e.RPCError }
func (e *InvalidContentError) Unwrap() error    { return &e.RPCError }
func (e *AlreadyDoneError) Unwrap() error       { return &e.RPCError }
func (e *RateLimitedError) Unwrap() error       { return &e.RPCError }
func (e *NodeError) Unwrap() error              { return &e.RPCError }
func (e *NonceMismatchError) Unwrap() error     { return &e.PermissionDeniedError }
func (e *WrongChainError) Unwrap() error        { return &e.PermissionDeniedError }

// NewRPCError builds the typed error for a node refusal, as the client does for every error
// reply: the kind type for the code (and data.rule for -32004), or *NodeError.
func NewRPCError(method string, code int, message string, data map[string]any) error {
	base := RPCError{Method: method, Code: code, Message: message, Data: data}
	switch code {
	case CodeParseError:
		return &ParseError{base}
	case CodeInvalidRequest:
		return &InvalidRequestError{base}
	case CodeMethodNotFound:
		return &MethodNotFoundError{base}
	case CodeInvalidParams:
		return &InvalidParamsError{base}
	case CodeInternalError:
		return &InternalError{base}
	case CodeUnknownEntity:
		return &UnknownEntityError{base}
	case CodeInsufficientFunds:
		return &InsufficientFundsError{base}
	case CodeNotAccepting:
		return &NotAcceptingError{base}
	case CodePermissionDenied:
		switch base.Rule() {
		case "nonce":
			expected, _ := dataUint(data, "expected")
			return &NonceMismatchError{PermissionDeniedError{base}, expected}
		case "chain_id":
			expected, _ := data["expected"].(string)
			return &WrongChainError{PermissionDeniedError{base}, expected}
		}
		return &PermissionDeniedError{base}
	case CodeInvalidContent:
		return &InvalidContentError{base}
	case CodeAlreadyDone:
		return &AlreadyDoneError{base}
	case CodeRateLimited:
		seconds, _ := dataFloat(data, "retry_after")
		return &RateLimitedError{base, time.Duration(seconds * float64(time.Second))}
	}
	return &NodeError{base}
}

func dataUint(data map[string]any, key string) (uint64, bool) {
	switch v := data[key].(type) {
	case json.Number:
		n, err := strconv.ParseUint(v.String(), 10, 64)
		return n, err == nil
	case float64:
		return uint64(v), v >= 0
	}
	return 0, false
}

func dataFloat(data map[string]any, key string) (float64, bool) {
	switch v := data[key].(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	}
	return 0, false
}

// TransportError is a call that got no usable reply: the node could not be reached, the
// connection broke, the call timed out, or the node answered an HTTP status without a JSON-RPC
// reply. A write that failed this way may or may not have been applied.
type TransportError struct {
	Method     string
	URL        string
	StatusCode int // 0 when no HTTP reply arrived
	Err        error
}

func (e *TransportError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("tosai: %s: the node at %s answered HTTP %d: %v", e.Method, e.URL, e.StatusCode, e.Err)
	}
	return fmt.Sprintf("tosai: %s: cannot reach the node at %s: %v", e.Method, e.URL, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Timeout reports whether the call ran out of time.
func (e *TransportError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.Is(e.Err, context.DeadlineExceeded) || (errors.As(e.Err, &t) && t.Timeout())
}

// ResponseError is a reply that does not match what the API promises for the method.
type ResponseError struct {
	Method string
	Reason string
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("tosai: %s: malformed reply from the node: %s", e.Method, e.Reason)
}
