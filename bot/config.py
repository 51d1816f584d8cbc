"""Settings read from the environment and ``config.env``.

Nothing here is instantiated at import time: ``load_settings()`` is called by the CLI, so a
bad value stops start-up with one line that names the setting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Locale = Literal["ru", "kk"]

# A token shaped like Telegram's; the sandbox emulator accepts exactly this one by default.
SANDBOX_TOKEN = "123456:sandbox-token"


class ConfigError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=os.environ.get("CONFIG_ENV_FILE", "config.env"),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    bot_token: SecretStr = Field(description="Telegram bot token from @BotFather")
    telegram_api_url: str | None = Field(
        default=None, description="Bot API server base URL; empty means api.telegram.org"
    )
    database_url: str = "sqlite+aiosqlite:///mutual_aid.sqlite3"
    # PostgreSQL connections per process (SQLite always uses one): replicas × (pool +
    # overflow) must stay under the server's max_connections.
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_max_overflow: int = Field(default=10, ge=0, le=200)
    redis_url: str | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_locale: Locale = "ru"
    default_timezone: str = "Asia/Novokuznetsk"
    territories: str | None = Field(
        default=None, description="kuzbass, kazakhstan, or the path of a territories file"
    )
    hq_phone: str | None = Field(default=None, max_length=64)
    # The HQ's name: the organisation on certificates and in the DOBRO.RF hours export;
    # empty: the words «Штаб взаимопомощи» / «Өзара көмек штабы» in the reader's language.
    hq_name: str = Field(default="", max_length=200)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    polling_timeout: int = Field(default=30, ge=1, le=50)
    max_concurrent_updates: int = Field(default=100, ge=1, le=10_000)
    # Flood throttle per person: updates at once, and per second sustained. 0 / off: none.
    throttle_burst: int = Field(default=8, ge=0, le=1000)
    throttle_rate: float = Field(default=1.0, gt=0, le=100)
    shutdown_timeout: float = Field(default=20.0, gt=0)
    delivery_rate: float = Field(default=25.0, gt=0, le=30)
    delivery_private_interval: float = Field(default=1.0, ge=0)
    delivery_group_per_minute: int = Field(default=20, ge=1, le=20)
    delivery_concurrency: int = Field(default=16, ge=1, le=256)
    delivery_max_attempts: int = Field(default=8, ge=1, le=100)
    delivery_backoff_base: float = Field(default=2.0, gt=0)
    delivery_backoff_max: float = Field(default=600.0, gt=0)
    delivery_poll_interval: float = Field(default=0.5, gt=0, le=60)
    outbox_keep_days: float = Field(default=30.0, ge=3)
    # aiosqlite's own thread instead of calls at once on the loop (models/sqlite_inline.py).
    sqlite_thread: bool = False
    delivery_lease_seconds: float = Field(default=60.0, ge=1)
    quiet_hours: str = "22:00-08:00"
    scheduler_tick_seconds: float = Field(default=5.0, gt=0, le=3600)
    reminder_max_lateness_minutes: int = Field(default=180, ge=0)
    offer_wave_size: int = Field(default=20, ge=1, le=10_000)
    # Recurring help: hours an occurrence is offered to the previous occurrence's volunteer
    # alone before everyone fitting sees it.
    series_accept_hours: float = Field(default=4.0, gt=0, le=72)
    # Escalation (bot/services/escalation.py): minutes a searching «today» / «within 3 days»
    # request waits before each wider circle; hours before a planned date its first one comes;
    # minutes a volunteer has to answer a reminder; who is on duty when (user_id:HH:MM-HH:MM).
    escalate_today_minutes: int = Field(default=30, ge=1, le=1440)
    escalate_soon_minutes: int = Field(default=360, ge=1, le=10_080)
    escalate_planned_hours_before: int = Field(default=24, ge=0, le=240)
    reminder_answer_minutes: int = Field(default=60, ge=1, le=1440)
    duty_coordinators: str = ""
    # «Ask a volunteer medic»: minutes a question waits for the territory's medics (then the
    # HQ's, then the coordinators); days relayed messages are kept after the consultation ends.
    consult_escalate_minutes: int = Field(default=15, ge=1, le=1440)
    consult_keep_days: float = Field(default=30.0, ge=1, le=3650)
    # The coordinators' daily summary, HH:MM local (each coordinator's territory zone).
    daily_summary_at: str = Field(default="08:00", pattern=r"^([01]?\d|2[0-3]):[0-5]\d$")
    # A coordinator's «assign»: 0 gives the task at once; N minutes asks the volunteer to
    # accept within N minutes (then everyone fitting is offered it).
    assign_accept_minutes: int = Field(default=0, ge=0, le=1440)
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = Field(default=8081, ge=0, le=65535)
    # ``python -m bot webhook``: the public base URL Telegram posts to (setWebhook at start;
    # empty: set it yourself), the path, the secret Telegram sends back in a header (the same
    # on every replica), where this process listens, and Telegram's parallel connections.
    webhook_url: str | None = None
    webhook_path: str = Field(default="/telegram/webhook", pattern=r"^/[A-Za-z0-9/_-]*$")
    webhook_secret: str | None = Field(
        default=None, min_length=16, max_length=256, pattern=r"^[A-Za-z0-9_-]+$"
    )
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=0, le=65535)
    webhook_max_connections: int = Field(default=40, ge=1, le=100)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def split_admin_ids(cls, value: object) -> object:
        if isinstance(value, int):
            return [value]
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 1,2")
            return [int(p) for p in parts]
        return value

    @field_validator("throttle_burst", mode="before")
    @classmethod
    def throttle_off(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("off", "none", ""):
            return 0
        return value

    @field_validator(
        "telegram_api_url",
        "redis_url",
        "hq_phone",
        "territories",
        "webhook_url",
        "webhook_secret",
        mode="before",
    )
    @classmethod
    def empty_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip().rstrip("/") if isinstance(value, str) else value

    @field_validator("telegram_api_url")
    @classmethod
    def http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. http://127.0.0.1:8081")
        return value

    @field_validator("redis_url")
    @classmethod
    def redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis:// (e.g. redis://127.0.0.1:6379/0)")
        return value

    @field_validator("bot_token")
    @classmethod
    def token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token:
            raise PydanticCustomError("missing", "is not set")
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("must look like 123456:ABC-DEF (the token from @BotFather)")
        return SecretStr(token)

    @field_validator("database_url")
    @classmethod
    def async_driver(cls, value: str) -> str:
        if value.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///file.sqlite3 or postgresql+asyncpg://...")
        return value

    @field_validator("default_timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone (use e.g. Asia/Novokuznetsk)") from exc
        return value

    @field_validator("quiet_hours")
    @classmethod
    def quiet_hours_shape(cls, value: str) -> str:
        from bot.services.timing import QuietHours, RuleError

        try:
            QuietHours.parse(value)
        except RuleError as exc:
            raise ValueError("use HH:MM-HH:MM, e.g. 22:00-08:00, or off") from exc
        return value

    @field_validator("duty_coordinators")
    @classmethod
    def duty_shape(cls, value: str) -> str:
        from bot.services.escalation_rules import parse_duty
        from bot.services.timing import RuleError

        try:
            parse_duty(value)
        except RuleError as exc:
            raise ValueError("use user_id:HH:MM-HH:MM, e.g. 111:22:00-08:00") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids


def load_settings(env_file: str | Path | None = None, **overrides: object) -> Settings:
    """Build settings or raise ConfigError naming the first bad setting."""
    kwargs: dict[str, Any] = dict(overrides)
    if env_file is not None:
        kwargs["_env_file"] = env_file
    try:
        return Settings(**kwargs)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        if error["type"] == "missing":
            raise ConfigError(f"{name} is not set (see config.env.example)") from None
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name} is invalid: {message}") from None
