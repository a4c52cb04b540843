"""Small cryptographic helpers of the vault: AES-GCM sealing and keyed hashes.

A keyed hash (HMAC-SHA256 under a server secret, one sub-key per purpose) lets
Parlons find or reserve something by value (an e-mail, a pseudonym, an IP)
without writing the value: without the secret the hash cannot be reversed by
trying every pseudonym or address.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
KEY_BYTES = 32


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(key: bytes, plaintext: bytes, *, context: bytes) -> bytes:
    """nonce || ciphertext+tag. `context` (authenticated, not stored) binds the
    ciphertext to its owner: a row copied to another person does not decrypt."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def open_sealed(key: bytes, blob: bytes, *, context: bytes) -> bytes:
    """Raises cryptography's InvalidTag when the blob or context was tampered with."""
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context)


@functools.lru_cache(maxsize=256)  # a handful of (secret, purpose) pairs; hashed per request
def sub_key(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"parlons:{purpose}:{secret}".encode()).digest()


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    return hmac.new(sub_key(secret, purpose), value.encode(), hashlib.sha256).hexdigest()
