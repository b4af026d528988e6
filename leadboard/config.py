"""Settings: one object for the whole app, from the config file, the environment and the command line.

Later sources win: defaults < ``config.toml`` (only read when it exists) < ``LEADBOARD_*`` variables
< command-line options.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from leadboard import locations
from leadboard.domain.errors import InvalidInput
from leadboard.domain.text import LIMITS, checked, one_line


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    db: str | None = None
    """Database: a SQLite file path or a URL (sqlite:///..., postgresql://...). Default: a file in
    the user's data directory."""
    rules: Path | None = None
    """A rules file replacing the default gates, stage settings and lost reasons."""
    user: Annotated[str, checked(one_line, LIMITS.user, required=False)] | None = None
    """Who you are on the board (owner of new cards, recorded on every move). Default: the OS user.
    One line, like every user name: control characters are dropped."""
    shared_group: str | None = None
    """A group whose members may read and write the database file (see the README)."""

    @property
    def database(self) -> str:
        # an empty --db is refused where the database is opened, never taken as the default
        return self.db if self.db is not None else str(locations.default_database())

    @property
    def who(self) -> str:
        return self.user or os_user()


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return f"uid{os.getuid()}"


ENVIRONMENT = {"LEADBOARD_DB": "db", "LEADBOARD_RULES": "rules", "LEADBOARD_USER": "user",
               "LEADBOARD_SHARED_GROUP": "shared_group"}


def load_settings(overrides: dict[str, Any] | None = None, config_path: Path | None = None) -> Settings:
    data: dict[str, Any] = {}
    path = config_path or Path(os.environ.get("LEADBOARD_CONFIG") or locations.config_file())
    if path.is_file():
        import tomllib  # most commands run without a config file

        try:
            data.update(tomllib.loads(path.read_text("utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise InvalidInput(f"Config file {path}: {error}.", field="config") from None
    for variable, key in ENVIRONMENT.items():
        if os.environ.get(variable):
            data[key] = os.environ[variable]
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise InvalidInput(f"Config {path}: {where}: {problem['msg']}.", field=where) from None
