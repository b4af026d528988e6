"""Where leadboard keeps its files. Nothing here creates a folder: the store makes a database's
folders (private) when a command that creates a database first needs them."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP = "leadboard"


def data_dir() -> Path:
    """The user's data folder; made (0700) only by the commands that create a database."""
    return Path(user_data_dir(APP, appauthor=False))


def default_database() -> Path:
    return data_dir() / "leadboard.db"


def config_file() -> Path:
    return Path(user_config_dir(APP, appauthor=False)) / "config.toml"
