"""An ed25519 account: its bech32 address, request signing, and a passphrase-encrypted key file.

Key file format (JSON, version 1)::

    {"format": "tos_ai.wallet", "version": 1, "address": "tst1...",
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": "<hex 16 bytes>"},
     "cipher": {"name": "aes-256-gcm", "nonce": "<hex 12 bytes>"},
     "ciphertext": "<hex: the 32-byte seed + 16-byte tag>"}

The address is bound to the ciphertext as associated data, so a file whose address was edited does
not open. A wrong passphrase raises `WrongPassphrase`.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from nacl.signing import SigningKey, VerifyKey

from tos_ai.bech32 import DEVNET_HRP, decode_address, encode_address
from tos_ai.errors import WalletError, WrongPassphrase

FILE_FORMAT = "tos_ai.wallet"
FILE_VERSION = 1
DEFAULT_SCRYPT_N = 2**15


DEVNET_NETWORK = "devnet"


def canonical_json(value: Any) -> bytes:
    """The canonical JSON bytes signatures cover: keys sorted by code point at every depth, no
    whitespace, UTF-8, only `"`, `\\` and U+0000-U+001F escaped, integers in full, fractions in their
    shortest round-trip form (clients/conformance/vectors/canonical_json.json)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical_request(
    method: str, params: Mapping[str, Any], nonce: int, *, chain_id: str, network: str = DEVNET_NETWORK
) -> bytes:
    """The bytes a signed request signs: sorted-key, space-free JSON of the chain, method, params and nonce.

    `chain_id` and `network` come from the node's `get_info`, so a request signed for one chain is
    refused by every other chain.
    """
    body = {
        "chain_id": chain_id,
        "method": method,
        "network": network,
        "nonce": nonce,
        "params": dict(params),
    }
    return canonical_json(body)


def verify_request(
    address: str,
    method: str,
    params: Mapping[str, Any],
    nonce: int,
    signature: str,
    *,
    chain_id: str,
    network: str = DEVNET_NETWORK,
) -> bool:
    """True when `signature` (hex) is `address`'s signature of the request for that chain."""
    try:
        key = VerifyKey(decode_address(address))
        message = canonical_request(method, params, nonce, chain_id=chain_id, network=network)
        key.verify(message, bytes.fromhex(signature))
    except Exception:
        return False
    return True


class Wallet:
    """One account's ed25519 key. Keep it secret: it signs writes in this account's name."""

    def __init__(self, signing_key: SigningKey, hrp: str = DEVNET_HRP) -> None:
        self._key = signing_key
        self.hrp = hrp
        self.address = encode_address(bytes(signing_key.verify_key), hrp)

    @classmethod
    def generate(cls, hrp: str = DEVNET_HRP) -> Wallet:
        """A new random account."""
        return cls(SigningKey.generate(), hrp)

    @classmethod
    def from_private_key(cls, private_key_hex: str, hrp: str = DEVNET_HRP) -> Wallet:
        """The account of a 32-byte ed25519 seed written as hex (as `dev_accounts` prints it)."""
        text = private_key_hex.strip().removeprefix("0x")
        try:
            seed = bytes.fromhex(text)
        except ValueError:
            raise WalletError("the private key is not hex") from None
        if len(seed) != 32:
            raise WalletError("the private key must be a 32-byte seed (64 hex characters)")
        return cls(SigningKey(seed), hrp)

    @property
    def public_key(self) -> bytes:
        return bytes(self._key.verify_key)

    @property
    def private_key_hex(self) -> str:
        """The 32-byte seed as hex. Treat it like the passphrase-protected file."""
        return bytes(self._key).hex()

    def __repr__(self) -> str:
        return f"Wallet({self.address})"

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message).signature

    def auth_for(
        self,
        method: str,
        params: Mapping[str, Any],
        nonce: int,
        *,
        chain_id: str,
        network: str = DEVNET_NETWORK,
    ) -> dict[str, Any]:
        """The `auth` object for a request (params without `auth`) signed for one chain."""
        message = canonical_request(method, params, nonce, chain_id=chain_id, network=network)
        signature = self.sign(message).hex()
        return {"address": self.address, "nonce": nonce, "chain_id": chain_id, "signature": signature}

    def sign_params(
        self,
        method: str,
        params: Mapping[str, Any],
        nonce: int,
        *,
        chain_id: str,
        network: str = DEVNET_NETWORK,
    ) -> dict[str, Any]:
        """`params` with an `auth` object added, signed for the chain `chain_id` of `network`."""
        plain = {key: value for key, value in params.items() if key != "auth"}
        return {**plain, "auth": self.auth_for(method, plain, nonce, chain_id=chain_id, network=network)}

    # --- encrypted key file -------------------------------------------------------------------

    def to_encrypted_json(self, passphrase: str, *, scrypt_n: int = DEFAULT_SCRYPT_N) -> dict[str, Any]:
        """The versioned, passphrase-encrypted key file content."""
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        key = _derive(passphrase, salt, scrypt_n, 8, 1)
        ciphertext = AESGCM(key).encrypt(nonce, bytes(self._key), self.address.encode())
        return {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "address": self.address,
            "kdf": {"name": "scrypt", "n": scrypt_n, "r": 8, "p": 1, "salt": salt.hex()},
            "cipher": {"name": "aes-256-gcm", "nonce": nonce.hex()},
            "ciphertext": ciphertext.hex(),
        }

    @classmethod
    def from_encrypted_json(cls, document: Mapping[str, Any], passphrase: str) -> Wallet:
        """Open key file content; raise `WrongPassphrase` or `WalletError`."""
        if document.get("format") != FILE_FORMAT:
            raise WalletError("not a tos_ai wallet file")
        if document.get("version") != FILE_VERSION:
            raise WalletError(f"unsupported wallet file version {document.get('version')!r}")
        try:
            address = str(document["address"])
            kdf = document["kdf"]
            cipher = document["cipher"]
            if kdf["name"] != "scrypt" or cipher["name"] != "aes-256-gcm":
                raise WalletError("unsupported key derivation or cipher")
            salt = bytes.fromhex(kdf["salt"])
            nonce = bytes.fromhex(cipher["nonce"])
            ciphertext = bytes.fromhex(document["ciphertext"])
            n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        except (KeyError, TypeError, ValueError) as exc:
            raise WalletError(f"damaged wallet file: {exc}") from None
        hrp = address.partition("1")[0] or DEVNET_HRP
        try:
            seed = AESGCM(_derive(passphrase, salt, n, r, p)).decrypt(nonce, ciphertext, address.encode())
        except InvalidTag:
            raise WrongPassphrase("wrong passphrase for this wallet file") from None
        wallet = cls(SigningKey(seed), hrp)
        if wallet.address != address:
            raise WalletError("the wallet file's address does not match its key")
        return wallet

    def save(
        self, path: str | os.PathLike[str], passphrase: str, *, scrypt_n: int = DEFAULT_SCRYPT_N
    ) -> Path:
        """Write the encrypted key file (mode 0600) and return its path."""
        target = Path(path)
        text = json.dumps(self.to_encrypted_json(passphrase, scrypt_n=scrypt_n), indent=2) + "\n"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str], passphrase: str) -> Wallet:
        """Open an encrypted key file written by `save`."""
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise WalletError(f"cannot read wallet file {path}: {exc}") from None
        if not isinstance(document, Mapping):
            raise WalletError("not a tos_ai wallet file")
        return cls.from_encrypted_json(document, passphrase)


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
