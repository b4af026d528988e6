"""Who can read and write a SQLite database: its owner only, unless a team shares it on purpose.

A new database, its WAL and its shm file are 0600; `leadboard init --shared GROUP` makes them 0660
in a setgid 2770 folder of the group; and leadboard refuses, in one line with exit 2, a database
other users could write without anyone having said it is shared.
"""

from __future__ import annotations

import grp
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from leadboard.cli import EXIT_BAD_INPUT, EXIT_OK, main
from leadboard.domain.errors import UnsafeDatabase
from leadboard.service.setup import close, open_pipeline
from leadboard.store import files


@pytest.fixture(autouse=True)
def no_personal_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADBOARD_CONFIG", str(tmp_path / "no-config.toml"))
    for variable in ("LEADBOARD_DB", "LEADBOARD_USER", "LEADBOARD_RULES", "LEADBOARD_SHARED_GROUP"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "team"
    path.mkdir(mode=0o700)
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def team_group() -> grp.struct_group:
    """A group the test can give files to that is not this user's own login group."""
    candidates = [grp.getgrgid(gid) for gid in os.getgroups() if gid != os.getgid()]
    if os.geteuid() == 0:
        candidates += [g for g in grp.getgrall() if g.gr_gid != os.getgid()]
    for group in candidates:
        if not files._is_private_group(group.gr_gid, os.getuid()):
            return group
    pytest.skip("no second group to share with on this machine")


def write_something(db: Path) -> None:
    """Open the database and write, so SQLite makes its WAL and shm files (kept while open)."""
    pipeline = open_pipeline(db, "alice")
    pipeline.create({"name": "Ada Lovelace", "email": "ada@example.com"})


def leadboard(*args: str) -> int:
    return main(list(args))


@pytest.mark.parametrize("mask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_a_new_database_and_its_wal_and_shm_are_private(folder: Path, mask: int) -> None:
    db = folder / "pipeline.db"
    with umask(mask):
        write_something(db)
        try:
            wal, shm = db.with_name("pipeline.db-wal"), db.with_name("pipeline.db-shm")
            assert wal.exists() and shm.exists()
            assert (mode(db), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
        finally:
            close()


@pytest.mark.parametrize("mask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_a_folder_made_for_a_new_database_is_private(tmp_path: Path, mask: int) -> None:
    db = tmp_path / "new-folder" / "pipeline.db"
    with umask(mask):
        assert leadboard("init", "--db", str(db)) == EXIT_OK
    assert (mode(db.parent), mode(db)) == (0o700, 0o600)


def test_init_makes_a_private_database(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = folder / "mine.db"
    assert leadboard("init", "--db", str(db)) == EXIT_OK
    assert "readable and writable by you only" in capsys.readouterr().out
    assert mode(db) == 0o600


def test_init_shared_gives_the_database_and_its_folder_to_the_team(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    group = team_group()
    db = folder / "team.db"
    assert leadboard("init", "--db", str(db), "--shared", group.gr_name) == EXIT_OK
    assert f"shared with group {group.gr_name!r}" in capsys.readouterr().out
    assert (mode(db), db.stat().st_gid) == (0o660, group.gr_gid)
    assert (mode(folder), folder.stat().st_gid) == (0o2770, group.gr_gid)

    # a member opening it later (umask 022) gets WAL and shm files the whole team can use
    with umask(0o022):
        pipeline = open_pipeline(db, "bob", shared_group=group.gr_name)
        pipeline.create({"name": "Grace Hopper", "email": "grace@example.com"})
        try:
            for name in ("team.db-wal", "team.db-shm"):
                companion = folder / name
                assert (mode(companion), companion.stat().st_gid) == (0o660, group.gr_gid), name
        finally:
            close()


def test_the_config_setting_shares_like_the_option(folder: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    group = team_group()
    config = tmp_path / "config.toml"
    config.write_text(f'shared_group = "{group.gr_name}"\n')
    monkeypatch.setenv("LEADBOARD_CONFIG", str(config))
    db = folder / "team.db"
    assert leadboard("init", "--db", str(db)) == EXIT_OK
    assert (mode(db), db.stat().st_gid) == (0o660, group.gr_gid)
    # and with the setting, the shared database opens for everyday work
    assert leadboard("add", "Alan Turing", "--email", "alan@example.com", "--db", str(db)) == EXIT_OK


def test_init_will_not_share_a_folder_that_holds_other_files(folder: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    group = team_group()
    (folder / "diary.txt").write_text("private")
    db = folder / "team.db"
    assert leadboard("init", "--db", str(db), "--shared", group.gr_name) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "holds other files too (diary.txt)" in err and err.count("\n") == 1
    assert mode(folder) == 0o700 and mode(db) == 0o600


def test_shared_is_for_files_not_servers(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://leadboard@127.0.0.1:1/leadboard"
    assert leadboard("init", "--db", url, "--shared", "sales") == EXIT_BAD_INPUT
    assert "--shared is for a SQLite file" in capsys.readouterr().err


def refused(db: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code = leadboard("list", "--db", str(db), *extra)
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT, err
    assert err.count("\n") == 1 and err.startswith(f"leadboard: Refusing to open {db}")
    return err


@pytest.fixture
def private_db(folder: Path) -> Path:
    db = folder / "pipeline.db"
    assert leadboard("init", "--db", str(db)) == EXIT_OK
    return db


def test_a_world_writable_database_is_refused(private_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.chmod(private_db, 0o666)
    assert "writable by every user (mode 0666)" in refused(private_db, capsys)


def test_a_database_in_a_world_writable_folder_is_refused(private_db: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    os.chmod(private_db.parent, 0o777)
    err = refused(private_db, capsys)
    assert f"its folder {private_db.parent} is writable by every user" in err


def test_a_world_writable_folder_with_the_sticky_bit_is_fine(private_db: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Like /tmp: others can add files but not replace ours."""
    os.chmod(private_db.parent, 0o1777)
    assert leadboard("list", "--db", str(private_db)) == EXIT_OK


def test_a_wal_file_someone_else_planted_beside_a_database_in_tmp_is_refused(
        private_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    os.chmod(private_db.parent, 0o1777)
    planted = private_db.with_name(private_db.name + "-wal")
    planted.touch(mode=0o644)
    os.chown(planted, 65534, -1)  # nobody
    assert f"{planted} belongs to 'nobody', not to you" in refused(private_db, capsys)


def test_a_world_writable_wal_file_is_refused(private_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wal = private_db.with_name(private_db.name + "-wal")
    wal.touch(mode=0o600)
    os.chmod(wal, 0o666)
    assert f"{wal} is writable by every user" in refused(private_db, capsys)


def test_a_group_writable_database_nobody_said_to_share_is_refused(private_db: Path,
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    group = team_group()
    os.chown(private_db, -1, group.gr_gid)
    os.chmod(private_db, 0o660)
    err = refused(private_db, capsys)
    assert f"writable by group {group.gr_name!r}" in err and "no shared_group is configured" in err
    # once the team says it is theirs, it opens
    monkeypatch.setenv("LEADBOARD_SHARED_GROUP", group.gr_name)
    assert leadboard("list", "--db", str(private_db)) == EXIT_OK


def test_a_database_shared_with_another_group_than_configured_is_refused(private_db: Path) -> None:
    group = team_group()
    os.chown(private_db, -1, group.gr_gid)
    os.chmod(private_db, 0o660)
    other = next(g for g in grp.getgrall() if g.gr_gid not in (group.gr_gid, os.getgid()))
    with pytest.raises(UnsafeDatabase, match=f"the configured shared_group is {other.gr_name!r}"):
        files.check_safe(private_db, other.gr_name)


def test_group_write_for_your_own_private_group_is_fine(private_db: Path) -> None:
    """With user-private groups (umask 002 systems) the group is you alone."""
    if not files._is_private_group(os.getgid(), os.getuid()):
        pytest.skip("this user's login group has other members")
    os.chmod(private_db, 0o660)
    files.check_safe(private_db, None)


def test_an_unknown_shared_group_is_a_clear_error(private_db: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert leadboard("init", "--db", str(private_db), "--shared", "no-such-group-xyz") == EXIT_BAD_INPUT
    assert "There is no group 'no-such-group-xyz'" in capsys.readouterr().err


def test_a_database_that_cannot_be_made_is_one_line_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file, not a folder")
    assert leadboard("add", "Ada", "--email", "ada@example.com", "--db", str(not_a_folder / "pipeline.db")) == 1
    err = capsys.readouterr().err
    assert err.startswith("leadboard: cannot use ") and err.count("\n") == 1
