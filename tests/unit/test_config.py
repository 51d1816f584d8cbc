from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ENV_KEYS = ("BOT_TOKEN", "ADMIN_IDS", "DATABASE_URL", "DEFAULT_TIMEZONE", "TELEGRAM_API_URL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer's config.env


def test_admin_ids_accept_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:abc")
    monkeypatch.setenv("ADMIN_IDS", "1,2, 3")
    assert load_settings().admin_ids == [1, 2, 3]


def test_admin_ids_single_and_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:abc")
    monkeypatch.setenv("ADMIN_IDS", "42")
    assert load_settings().admin_ids == [42]
    monkeypatch.setenv("ADMIN_IDS", "")
    assert load_settings().admin_ids == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": ""}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": "nonsense"}, "BOT_TOKEN is invalid"),
        ({"BOT_TOKEN": "1:a", "ADMIN_IDS": "1,x"}, "ADMIN_IDS is invalid"),
        ({"BOT_TOKEN": "1:a", "DEFAULT_TIMEZONE": "Mars/Base"}, "DEFAULT_TIMEZONE is invalid"),
        ({"BOT_TOKEN": "1:a", "DATABASE_URL": "mysql://x"}, "DATABASE_URL is invalid"),
        ({"BOT_TOKEN": "1:a", "DEFAULT_LOCALE": "en"}, "DEFAULT_LOCALE is invalid"),
    ],
)
def test_bad_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_config_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "config.env").write_text("BOT_TOKEN=5:from-file\nADMIN_IDS=7,8\n")
    settings = load_settings()
    assert settings.bot_token.get_secret_value() == "5:from-file"
    assert settings.admin_ids == [7, 8]


def test_environment_wins_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.env").write_text("BOT_TOKEN=5:from-file\n")
    monkeypatch.setenv("BOT_TOKEN", "6:from-env")
    assert load_settings().bot_token.get_secret_value() == "6:from-env"


def test_plain_postgres_url_gets_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:a")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert load_settings().database_url == "postgresql+asyncpg://u@h/db"


def test_example_file_documents_every_setting() -> None:
    from bot.config import Settings

    example = (Path(__file__).parents[2] / "config.env.example").read_text()
    documented = {
        line.split("=")[0]
        for line in example.splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert {name.upper() for name in Settings.model_fields} == documented


def test_cli_missing_token_prints_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "Configuration error: BOT_TOKEN is not set (see config.env.example)"
    )
    assert "Traceback" not in result.stderr


def test_cli_help_lists_subcommands(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for command in ("run", "sandbox", "migrate"):
        assert command in result.stdout


def _cli(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    return subprocess.run(
        [sys.executable, "-m", "bot", *env.pop("ARGS", "run").split()],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_bad_api_url_is_a_config_error(tmp_path: Path) -> None:
    result = _cli(tmp_path, BOT_TOKEN="1:a", TELEGRAM_API_URL="127.0.0.1:8097")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Configuration error: TELEGRAM_API_URL is invalid")


def test_cli_unreachable_api_is_one_line(tmp_path: Path) -> None:
    result = _cli(
        tmp_path,
        BOT_TOKEN="1:a",
        TELEGRAM_API_URL="http://127.0.0.1:9",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x.sqlite3",
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Cannot start: cannot reach the Bot API at http://127.0.0.1:9")
    assert "Traceback" not in result.stderr


def test_cli_unopenable_database_is_one_line(tmp_path: Path) -> None:
    result = _cli(
        tmp_path, BOT_TOKEN="1:a", DATABASE_URL="sqlite+aiosqlite:////nonexistent/dir/x.db"
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip().splitlines()[-1].startswith("Cannot start: cannot open the database")
    )
    assert "Traceback" not in result.stderr


def test_cli_migrate_needs_no_token(tmp_path: Path) -> None:
    result = _cli(
        tmp_path, ARGS="migrate", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/m.sqlite3"
    )
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout
