package tosai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// AtomicPerTOS is the number of atomic units in one TOS (the protocol fixes 8 decimals).
const AtomicPerTOS = 100_000_000

// Amount is a quantity of TOS in atomic units (1 TOS = 10^8 atomic). Every amount the node
// accepts fits: the protocol bounds them to 0 … 2^64 − 1.
//
// It is written to JSON as a decimal string, the form the node sends, and read from either a
// decimal string or a JSON integer. It never passes through floating point.
type Amount uint64

// TOS returns whole TOS as an Amount; it panics if the result does not fit, as a constant
// expression that overflows would fail to compile.
func TOS(whole uint64) Amount {
	if whole > math.MaxUint64/AtomicPerTOS {
		panic(fmt.Sprintf("tosai.TOS(%d) overflows an amount", whole))
	}
	return Amount(whole * AtomicPerTOS)
}

// String is the amount in atomic units, as decimal digits.
func (a Amount) String() string { return strconv.FormatUint(uint64(a), 10) }

// FormatTOS is the amount as a person reads it: "1.5 TOS", "0.00000001 TOS", "50 TOS".
func (a Amount) FormatTOS() string {
	whole, frac := uint64(a)/AtomicPerTOS, uint64(a)%AtomicPerTOS
	if frac == 0 {
		return strconv.FormatUint(whole, 10) + " TOS"
	}
	digits := strings.TrimRight(fmt.Sprintf("%08d", frac), "0")
	return strconv.FormatUint(whole, 10) + "." + digits + " TOS"
}

// MarshalJSON writes the amount as a decimal string ("50000000000").
func (a Amount) MarshalJSON() ([]byte, error) {
	return []byte(`"` + a.String() + `"`), nil
}

// UnmarshalJSON reads a decimal string of ASCII digits or a non-negative JSON integer.
func (a *Amount) UnmarshalJSON(data []byte) error {
	v, err := ParseAmountJSON(data)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// AmountError says why a value is not an amount in atomic units.
type AmountError struct {
	Input  string // the value as given (JSON text for JSON input)
	Reason string
}

func (e *AmountError) Error() string { return fmt.Sprintf("%s: %s", e.Reason, e.Input) }

const (
	reasonNotAtomic   = "amount must be an amount in atomic units (a decimal string or an integer)"
	reasonTooLarge    = "amount is larger than 2^64 - 1 (u64)"
	reasonNegative    = "amount cannot be negative"
	reasonNotAnAmount = "amount must be an amount (a decimal string or an integer)"
)

// ParseAmount reads a decimal string of ASCII digits ("007" is 7) from 0 to 2^64 − 1. Signs,
// spaces, decimal points, exponents and non-ASCII digits are refused.
func ParseAmount(s string) (Amount, error) {
	if s == "" {
		return 0, &AmountError{Input: strconv.Quote(s), Reason: reasonNotAtomic}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, &AmountError{Input: strconv.Quote(s), Reason: reasonNotAtomic}
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, &AmountError{Input: strconv.Quote(s), Reason: reasonTooLarge}
	}
	return Amount(v), nil
}

// ParseAmountJSON reads an amount from JSON text: a decimal string or a non-negative integer.
func ParseAmountJSON(data []byte) (Amount, error) {
	data = bytes.TrimSpace(data)
	input := string(data)
	switch {
	case len(data) == 0 || input == "null":
		return 0, &AmountError{Input: input, Reason: reasonNotAtomic}
	case input == "true" || input == "false":
		return 0, &AmountError{Input: input, Reason: reasonNotAnAmount}
	case data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return 0, &AmountError{Input: input, Reason: reasonNotAtomic}
		}
		return ParseAmount(s)
	case data[0] == '-':
		if isJSONInteger(input[1:]) {
			return 0, &AmountError{Input: input, Reason: reasonNegative}
		}
		return 0, &AmountError{Input: input, Reason: reasonNotAtomic}
	case isJSONInteger(input):
		v, err := strconv.ParseUint(input, 10, 64)
		if err != nil {
			return 0, &AmountError{Input: input, Reason: reasonTooLarge}
		}
		return Amount(v), nil
	default:
		return 0, &AmountError{Input: input, Reason: reasonNotAtomic}
	}
}

func isJSONInteger(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ErrNotTOS is returned by ParseTOS for text that is not a TOS figure with at most 8 decimals.
var ErrNotTOS = errors.New("not a TOS amount with at most 8 decimals")

// ParseTOS reads a TOS figure such as "1.5" or "0.00000001" into atomic units. More than 8
// decimals, a sign, a comma or anything but ASCII digits and one point is refused.
func ParseTOS(s string) (Amount, error) {
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || (hasPoint && frac == "") || len(frac) > 8 || !isJSONInteger(whole) ||
		(frac != "" && !isJSONInteger(frac)) {
		return 0, fmt.Errorf("%w: %q", ErrNotTOS, s)
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil || w > math.MaxUint64/AtomicPerTOS {
		return 0, fmt.Errorf("%w: %q is larger than 2^64 - 1 atomic", ErrNotTOS, s)
	}
	var f uint64
	if frac != "" {
		f, _ = strconv.ParseUint(frac+strings.Repeat("0", 8-len(frac)), 10, 64)
	}
	total := w * AtomicPerTOS
	if total > math.MaxUint64-f {
		return 0, fmt.Errorf("%w: %q is larger than 2^64 - 1 atomic", ErrNotTOS, s)
	}
	return Amount(total + f), nil
}
