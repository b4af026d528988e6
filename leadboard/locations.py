"""Where leadboard keeps its files. Folders are created only when asked for, never at import."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP = "leadboard"


def data_dir() -> Path:
    path = Path(user_data_dir(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def default_database() -> Path:
    return data_dir() / "leadboard.db"


def config_file() -> Path:
    return Path(user_config_dir(APP, appauthor=False)) / "config.toml"
