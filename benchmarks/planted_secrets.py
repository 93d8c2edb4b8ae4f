"""Secrets planted in Elixir code, one per kind issue 18 found stored, plus the generic kinds.

Each entry is (kind, the code line holding it, the secret value). `planted_rows` turns each into
completion events at cursors before, inside and after the secret, as the server's feedback
tracker records them; the robustness tests and `benchmarks/robustness.py` check that no row of
the real SQLite store holds the value or a long piece of it.
"""

from __future__ import annotations

RSA_BODY = "\n".join(
    "MIIEowIBAAKCAQEAx" + "".join(chr(65 + (i * 7 + j * 3) % 26) for j in range(47)) for i in range(26))
SECRETS: list[tuple[str, str, str]] = [
    ("rsa_private_key", '@key """\n-----BEGIN RSA PRIVATE KEY-----\n' + RSA_BODY + '\n-----END RSA PRIVATE KEY-----\n"""',
     RSA_BODY.split("\n")[3]),
    ("db_pass", 'db_pass = "Tr0ub4dor&3xQ"', "Tr0ub4dor&3xQ"),
    ("env_fallback", 'password: System.get_env("DB_PASSWORD") || "kP9#mW2vLq7z"', "kP9#mW2vLq7z"),
    ("slack_webhook", 'url = "https://hooks.slack.com/services/T024BE7LD/B08UJ1PQR/r7bQe2XkP0aLmZ9sVtYc"',
     "r7bQe2XkP0aLmZ9sVtYc"),
    ("redis_empty_user", 'config :app, redis_url: "redis://:Zx8vQ2mN5pL0@cache.internal:6379/0"', "Zx8vQ2mN5pL0"),
    ("sendgrid", 'api = "SG.aB3dE5fG7hJ9kL1mN3pQ.rS5tU7vW9xY1zA3bC5dE7fG9hJ1kL3mN5pQ7rS9tU1v"',
     "rS5tU7vW9xY1zA3bC5dE7fG9hJ1kL3mN5pQ7rS9tU1v"),
    ("basic_auth", 'header = "Basic " <> Base.encode64("deploy:W4lrus-Sh0es")', "W4lrus-Sh0es"),
    ("gitlab", 'token = "glpat-Xy7Zq2Wv9Ur4Ts1Pn8Mk"', "glpat-Xy7Zq2Wv9Ur4Ts1Pn8Mk"),
    ("aws", 'access = "AKIAIOSFODNN7EXAMPLQ"', "AKIAIOSFODNN7EXAMPLQ"),
    ("github", 'gh = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"', "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"),
    ("stripe", 'Stripe.api_key("sk_live_4eC39HqLyjWDarjtT1zdp7dc")', "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("openai", 'openai = "sk-proj-Q2w3E4r5T6y7U8i9O0p1A2s3D4f5"', "sk-proj-Q2w3E4r5T6y7U8i9O0p1A2s3D4f5"),
    ("jwt", 'jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"',
     "dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    ("postgres_url", 'database_url = "ecto://postgres:Qw3rty!Pa55@db:5432/app"', "Qw3rty!Pa55"),
    ("secret_key_base", 'secret_key_base: "hM3x9QpL2vN8wR5tY7uI0oP4aS6dF1gH3jK5lZ7xC9vB2nM4"',
     "hM3x9QpL2vN8wR5tY7uI0oP4aS6dF1gH3jK5lZ7xC9vB2nM4"),
    ("signing_salt", 'signing_salt: "aZ8kQ2pW"', "aZ8kQ2pW"),
    ("api_key_keyword", 'Client.new(api_key: "c3VwZXJzZWNyZXQxMjM0NTY3OA")', "c3VwZXJzZWNyZXQxMjM0NTY3OA"),
    ("generic_key", 'encryption_key = "Vb7Nm2Xq9Lp4Rt6Ws1Yz"', "Vb7Nm2Xq9Lp4Rt6Ws1Yz"),
    ("bearer", 'headers = [{"authorization", "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0"}]',
     "9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
    ("google", 'maps = "AIzaSyD4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T"', "AIzaSyD4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T"),
    ("slack_token", 'bot = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"', "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"),
    ("env_two_args", 'token = System.get_env("API_TOKEN", "t0k3n-Fallback-99x")', "t0k3n-Fallback-99x"),
]

MODULE_HEAD = "defmodule App.Config do\n  @moduledoc false\n\n  def settings do\n"
MODULE_TAIL = "\n  end\nend\n"


def cursors(line: str, secret: str) -> dict[str, int]:
    """Offsets in `line`: before the secret, inside it (half typed), and after it."""
    start = line.index(secret)
    return {"before": start, "inside": start + len(secret) // 2, "after": start + len(secret)}


def leaked(text: str, secret: str) -> bool:
    """Whether `text` holds the secret or a piece of it long enough to matter (12 characters)."""
    if secret in text:
        return True
    size = min(12, len(secret))
    return any(secret[i:i + size] in text for i in range(0, len(secret) - size + 1))
