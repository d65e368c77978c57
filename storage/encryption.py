"""Secrets at rest (Slack installation tokens; any later third-party credential): Fernet
(AES-128-CBC + HMAC-SHA256, https://cryptography.io/en/latest/fernet/) with the keys of
`REFBOT_SECRET_KEY`.

The variable holds one or more comma-separated keys: the first encrypts, every one decrypts
(MultiFernet), so a key is rotated by putting a new one first, re-encrypting the stored values
(`refbot db rotate-secrets`) and then dropping the old one.
"""

from collections.abc import Sequence

from sqlalchemy import Dialect, Text, TypeDecorator

# cryptography is imported where it is used: its Rust core costs each process ~8 MB of memory,
# which a single-workspace deployment (no stored tokens) does not need to pay.

# Every Fernet token starts with its version byte 0x80 and a 64-bit timestamp whose high bytes
# are zero, i.e. "gAAAAA" in base64: a stored value without it was written before encryption.
_FERNET_PREFIX = "gAAAAA"
NEW_KEY_COMMAND = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


class UndecryptableSecret(RuntimeError):
    """A stored secret none of the keys opens (a key dropped before re-encrypting?)."""


def parse_keys(value: str) -> tuple[str, ...]:
    """The comma-separated keys, each checked; ValueError names the position of a bad one."""
    from cryptography.fernet import Fernet

    keys = tuple(part.strip() for part in value.split(",") if part.strip())
    if not keys:
        raise ValueError("expected at least one key")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(
                f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes); "
                f"make one with: {NEW_KEY_COMMAND}"
            ) from None
    return keys


class Secrets:
    """Encrypts with the first key, decrypts with any."""

    def __init__(self, keys: Sequence[str]) -> None:
        from cryptography.fernet import Fernet, InvalidToken, MultiFernet

        self._fernet = MultiFernet([Fernet(key) for key in keys])
        self._invalid = InvalidToken

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, stored: str) -> str:
        if not is_encrypted(stored):
            return stored  # written before encryption; `refbot db rotate-secrets` encrypts it
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except self._invalid:
            raise UndecryptableSecret(
                "a stored secret opens with none of the keys in REFBOT_SECRET_KEY: put back the "
                "key it was encrypted with (after the new one) and run `refbot db rotate-secrets`"
            ) from None

    def rotate(self, stored: str) -> str:
        """The value encrypted with the first key (a value stored in clear gets encrypted)."""
        if not is_encrypted(stored):
            return self.encrypt(stored)
        try:
            return self._fernet.rotate(stored.encode()).decode()
        except self._invalid:
            self.decrypt(stored)  # raises the explanation
            raise


def is_encrypted(stored: str) -> bool:
    return stored.startswith(_FERNET_PREFIX)


class EncryptedText(TypeDecorator[str]):
    """A column whose values are encrypted on the way in and decrypted on the way out.

    Fernet's output is random and about 1.4 times longer than its input (plus 100 characters),
    so such a column is TEXT, and cannot be searched by value.
    """

    impl = Text
    cache_ok = True

    def __init__(self, secrets: Secrets) -> None:
        super().__init__()
        self.secrets = secrets

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.secrets.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.secrets.decrypt(value)
