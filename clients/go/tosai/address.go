package tosai

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
)

// DevnetHRP is the human-readable part of devnet addresses; mainnet uses MainnetHRP.
const (
	DevnetHRP  = "tst"
	MainnetHRP = "tos"
)

// NetworkAccount is the devnet address of the all-zero key: it receives the network's share,
// registration fees and slashes; nobody holds its key.
const NetworkAccount = "tst1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqk9xlp6"

const bech32Alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// AddressError says why a string is not a valid address.
type AddressError struct {
	Address string
	Reason  string
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("invalid address %q: %s", e.Address, e.Reason)
}

// AddressFromPublicKey encodes an ed25519 public key as a classic bech32 address (BIP-173, not
// bech32m) under hrp ("tst" on the devnet).
func AddressFromPublicKey(hrp string, pub ed25519.PublicKey) (string, error) {
	if len(pub) != ed25519.PublicKeySize {
		return "", errors.New("an address holds a 32-byte public key")
	}
	data := convertBits(pub, 8, 5, true)
	checksum := bech32Checksum(hrp, data)
	var b strings.Builder
	b.WriteString(hrp)
	b.WriteByte('1')
	for _, v := range append(data, checksum...) {
		b.WriteByte(bech32Alphabet[v])
	}
	return b.String(), nil
}

// ParseAddress checks a bech32 address under hrp and returns its normalized (lower-case) form
// and the public key it holds. All upper case is accepted; mixed case is not.
func ParseAddress(hrp, address string) (normalized string, pub ed25519.PublicKey, err error) {
	fail := func(reason string) (string, ed25519.PublicKey, error) {
		return "", nil, &AddressError{Address: address, Reason: reason}
	}
	if len(address) < 8 || len(address) > 90 {
		return fail("malformed bech32 string")
	}
	lower, upper := strings.ToLower(address), strings.ToUpper(address)
	if address != lower && address != upper {
		return fail("mixed case")
	}
	for i := 0; i < len(address); i++ {
		if address[i] < 33 || address[i] > 126 {
			return fail("malformed bech32 string")
		}
	}
	sep := strings.LastIndexByte(lower, '1')
	if sep < 1 || sep+7 > len(lower) {
		return fail("malformed bech32 string")
	}
	prefix, rest := lower[:sep], lower[sep+1:]
	data := make([]byte, len(rest))
	for i := 0; i < len(rest); i++ {
		v := strings.IndexByte(bech32Alphabet, rest[i])
		if v < 0 {
			return fail("character outside the bech32 alphabet")
		}
		data[i] = byte(v)
	}
	if bech32Polymod(append(hrpExpand(prefix), data...)) != 1 {
		return fail("bad checksum")
	}
	if prefix != hrp {
		return fail(fmt.Sprintf("expected the '%s' prefix, got '%s'", hrp, prefix))
	}
	key, ok := regroup5to8(data[:len(data)-6])
	if !ok || len(key) != ed25519.PublicKeySize {
		return fail("an address holds a 32-byte public key")
	}
	return lower, ed25519.PublicKey(key), nil
}

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

func hrpExpand(hrp string) []byte {
	out := make([]byte, 0, len(hrp)*2+1)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]&31)
	}
	return out
}

func bech32Checksum(hrp string, data []byte) []byte {
	values := append(hrpExpand(hrp), data...)
	mod := bech32Polymod(append(values, 0, 0, 0, 0, 0, 0)) ^ 1
	out := make([]byte, 6)
	for i := range out {
		out[i] = byte(mod>>(5*(5-i))) & 31
	}
	return out
}

func convertBits(data []byte, from, to uint, pad bool) []byte {
	var acc uint32
	var bits uint
	maxv := uint32(1)<<to - 1
	out := make([]byte, 0, len(data)*int(from)/int(to)+1)
	for _, v := range data {
		acc = acc<<from | uint32(v)
		bits += from
		for bits >= to {
			bits -= to
			out = append(out, byte(acc>>bits&maxv))
		}
	}
	if pad && bits > 0 {
		out = append(out, byte(acc<<(to-bits)&maxv))
	}
	return out
}

// regroup5to8 turns 5-bit words back into bytes, refusing non-zero or over-long padding.
func regroup5to8(data []byte) ([]byte, bool) {
	var acc uint32
	var bits uint
	out := make([]byte, 0, len(data)*5/8)
	for _, v := range data {
		acc = acc<<5 | uint32(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return nil, false
	}
	return out, true
}
