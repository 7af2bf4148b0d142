package tosai

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Wallet is one account's ed25519 key. Its address is the bech32 form of the public key.
type Wallet struct {
	key     ed25519.PrivateKey
	address string
}

// GenerateWallet makes a new random wallet.
func GenerateWallet() (*Wallet, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("tosai: generate wallet: %w", err)
	}
	return WalletFromSeed(seed)
}

// WalletFromSeed imports a wallet from its 32-byte ed25519 seed (the private key).
func WalletFromSeed(seed []byte) (*Wallet, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("tosai: a private key is a %d-byte ed25519 seed, got %d bytes", ed25519.SeedSize, len(seed))
	}
	key := ed25519.NewKeyFromSeed(seed)
	address, err := AddressFromPublicKey(DevnetHRP, key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	return &Wallet{key: key, address: address}, nil
}

// ImportWallet imports a wallet from its private key in hex (64 characters, as dev_accounts and
// the node's start-up banner print them).
func ImportWallet(privateKeyHex string) (*Wallet, error) {
	seed, err := hex.DecodeString(strings.TrimSpace(privateKeyHex))
	if err != nil {
		return nil, fmt.Errorf("tosai: private key is not hex: %w", err)
	}
	return WalletFromSeed(seed)
}

// LoadWallet reads a private key file: the hex seed, alone on its first line.
func LoadWallet(path string) (*Wallet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tosai: read key file: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return ImportWallet(line)
}

// Save writes the private key to path as hex, readable by the owner only (0600). It refuses to
// overwrite an existing file.
func (w *Wallet) Save(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("tosai: save wallet: %w", err)
	}
	if _, err := f.WriteString(w.PrivateKeyHex() + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("tosai: save wallet: %w", err)
	}
	return f.Close()
}

// Address is the wallet's devnet address (tst1…).
func (w *Wallet) Address() string { return w.address }

// PublicKey is the wallet's ed25519 public key.
func (w *Wallet) PublicKey() ed25519.PublicKey { return w.key.Public().(ed25519.PublicKey) }

// PrivateKeyHex is the 32-byte seed in hex. Keep it secret.
func (w *Wallet) PrivateKeyHex() string { return hex.EncodeToString(w.key.Seed()) }

// Sign signs message with the wallet's key.
func (w *Wallet) Sign(message []byte) []byte { return ed25519.Sign(w.key, message) }

// String shows the address only, so a wallet in a log line never leaks its key.
func (w *Wallet) String() string { return "Wallet(" + w.address + ")" }

// Auth is the "auth" member a signed write adds to its params.
type Auth struct {
	Address   string `json:"address"`
	Nonce     uint64 `json:"nonce"`
	ChainID   string `json:"chain_id"`
	Signature string `json:"signature"` // ed25519, hex
}

// SigningBytes are the bytes a signed request signs: the canonical JSON of
// {"chain_id", "method", "network", "nonce", "params"}, where params is the JSON object as
// sent, without auth.
func SigningBytes(method string, params []byte, nonce uint64, chainID, network string) ([]byte, error) {
	canonical, err := canonicalParams(params)
	if err != nil {
		return nil, err
	}
	return signingBytes(method, canonical, nonce, chainID, network), nil
}

func signingBytes(method string, canonicalParams []byte, nonce uint64, chainID, network string) []byte {
	var buf strings.Builder
	str := func(s string) string { b, _ := CanonicalJSON(s); return string(b) }
	buf.WriteString(`{"chain_id":` + str(chainID) + `,"method":` + str(method) + `,"network":` + str(network))
	buf.WriteString(fmt.Sprintf(`,"nonce":%d,"params":`, nonce))
	buf.Write(canonicalParams)
	buf.WriteString("}")
	return []byte(buf.String())
}

// canonicalParams returns the canonical form of a params object without its auth member.
func canonicalParams(params []byte) ([]byte, error) {
	var object map[string]json.RawMessage
	if err := json.Unmarshal(params, &object); err != nil || object == nil {
		return nil, errors.New("tosai: the params of a signed request must be a JSON object")
	}
	if _, ok := object["auth"]; ok {
		delete(object, "auth")
		var err error
		if params, err = json.Marshal(object); err != nil {
			return nil, err
		}
	}
	return Canonicalize(params)
}

// SignRequest signs a request's params (any value that encodes to a JSON object) for method,
// nonce and chain, and returns the params to send, auth included, with the auth itself. It is
// the low-level API: Account fetches the nonce and chain id and serialises writes itself.
func (w *Wallet) SignRequest(method string, params any, nonce uint64, chainID, network string) (json.RawMessage, Auth, error) {
	raw, ok := params.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(params); err != nil {
			return nil, Auth{}, fmt.Errorf("tosai: %s params: %w", method, err)
		}
	}
	canonical, err := canonicalParams(raw)
	if err != nil {
		return nil, Auth{}, err
	}
	signature := w.Sign(signingBytes(method, canonical, nonce, chainID, network))
	auth := Auth{Address: w.address, Nonce: nonce, ChainID: chainID, Signature: hex.EncodeToString(signature)}
	authJSON, err := json.Marshal(auth)
	if err != nil {
		return nil, Auth{}, err
	}
	// Send exactly the bytes signed, with auth appended: the node removes auth and signs the rest.
	out := make([]byte, 0, len(canonical)+len(authJSON)+10)
	out = append(out, canonical[:len(canonical)-1]...)
	if len(canonical) > 2 {
		out = append(out, ',')
	}
	out = append(out, `"auth":`...)
	out = append(out, authJSON...)
	out = append(out, '}')
	return out, auth, nil
}

// VerifyRequest checks a signature as the node does (for tests and tools).
func VerifyRequest(pub ed25519.PublicKey, method string, params []byte, nonce uint64, chainID, network string, signature []byte) bool {
	msg, err := SigningBytes(method, params, nonce, chainID, network)
	return err == nil && ed25519.Verify(pub, msg, signature)
}
