package tosai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// AtomicPerTOS is the number of atomic units in one TOS (the protocol fixes 8 decimals).
const AtomicPerTOS = 100_000_000

// MaxSupply is the chain's whole supply in atomic units (184,000,000 TOS): no amount the node
// accepts or sends is larger.
const MaxSupply Amount = 184_000_000 * AtomicPerTOS

// Amount is a quantity of TOS in atomic units (1 TOS = 10^8 atomic), at most MaxSupply in what
// the node accepts, which fits a uint64 with room.
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
	reasonNegative    = "amount cannot be negative"
	reasonNotAnAmount = "amount must be an amount (a decimal string or an integer)"
)

// ParseAmount reads a decimal string of ASCII digits ("007" is 7) from 0 to MaxSupply. Signs,
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
	return withinSupply(s, strconv.Quote(s))
}

// withinSupply reads ASCII digits, refusing more than MaxSupply as the node does.
func withinSupply(digits, input string) (Amount, error) {
	v, err := strconv.ParseUint(digits, 10, 64)
	if err == nil && Amount(v) <= MaxSupply {
		return Amount(v), nil
	}
	n, _ := new(big.Int).SetString(digits, 10)
	whole, frac := new(big.Int).QuoRem(n, big.NewInt(AtomicPerTOS), new(big.Int))
	text := groupThousands(whole.String())
	if frac.Sign() != 0 {
		text += "." + strings.TrimRight(fmt.Sprintf("%08d", frac.Uint64()), "0")
	}
	return 0, &AmountError{Input: input, Reason: fmt.Sprintf(
		"amount is %s TOS, more than the chain's whole supply of 184,000,000 TOS (%d atomic)", text, uint64(MaxSupply))}
}

func groupThousands(digits string) string {
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
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
		return withinSupply(input, input)
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
