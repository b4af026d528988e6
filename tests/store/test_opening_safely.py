"""A database is opened only when it is safe, however it is named (a path or a ``sqlite:///`` URL),
and a command that only reads never creates one.

Each refusal is one line on stderr, exit 2, and leaves the files as they were.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from leadboard.cli import EXIT_BAD_INPUT, EXIT_OK, main


@pytest.fixture(autouse=True)
def no_personal_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADBOARD_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    for variable in ("LEADBOARD_DB", "LEADBOARD_USER", "LEADBOARD_RULES", "LEADBOARD_SHARED_GROUP"):
        monkeypatch.delenv(variable, raising=False)


def url(path: Path) -> str:
    return f"sqlite:///{path}"  # path is absolute: sqlite:////tmp/...


def both_names(path: Path) -> list[str]:
    return [str(path), url(path)]


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under ``folder`` with its mode, size and modification time."""
    found = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        found[str(path.relative_to(folder))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()  # what came before
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == EXIT_BAD_INPUT, captured
    assert captured.out == "" and captured.err.count("\n") == 1 and captured.err.startswith("leadboard: ")
    return captured.err


def made(folder: Path) -> Path:
    folder.mkdir(mode=0o700, exist_ok=True)
    db = folder / "pipeline.db"
    assert main(["init", "--db", str(db)]) == EXIT_OK
    return db


@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["history", "1"], ["export"],
                                     ["list", "--json"]])
def test_a_read_only_command_never_creates_a_database(tmp_path, capsys, command):
    for name in both_names(tmp_path / "typo" / "pipline.db"):
        err = refused(capsys, "--db", name, *command)
        assert f"There is no database at {tmp_path / 'typo' / 'pipline.db'}" in err
    assert list(tmp_path.iterdir()) == [] or not (tmp_path / "typo").exists()


def test_the_default_database_is_not_made_by_a_read_only_command_either(tmp_path, capsys):
    err = refused(capsys, "list")
    assert "There is no database at" in err and "leadboard.db" in err
    assert not (tmp_path / "home").exists()


def test_an_empty_db_is_an_error_not_the_default_database(tmp_path, capsys):
    for command in (["list"], ["add", "Ada", "--email", "ada@example.com"], ["init"]):
        assert "The database is an empty name" in refused(capsys, "--db", "", *command)
    assert not (tmp_path / "home").exists()


@pytest.mark.parametrize("mask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_every_folder_made_for_a_database_is_private_whatever_the_umask(tmp_path, capsys, mask):
    with umask(mask):
        assert main(["add", "Ada", "--email", "ada@example.com"]) == EXIT_OK  # the default database
        assert main(["--db", url(tmp_path / "a" / "b" / "c.db"), "add", "Bo", "--email", "b@example.com"]) == 0
    for folder in [tmp_path / "home", tmp_path / "home" / ".local", tmp_path / "home" / ".local" / "share",
                   tmp_path / "home" / ".local" / "share" / "leadboard", tmp_path / "a", tmp_path / "a" / "b"]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for file in [tmp_path / "home" / ".local" / "share" / "leadboard" / "leadboard.db", tmp_path / "a" / "b" / "c.db"]:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_a_world_writable_database_is_refused_by_url_as_by_path(tmp_path, capsys):
    db = made(tmp_path / "team")
    os.chmod(db, 0o666)
    before = snapshot(tmp_path)
    for name in both_names(db):
        assert "writable by every user (mode 0666)" in refused(capsys, "--db", name, "list")
        assert "writable by every user" in refused(capsys, "--db", name, "add", "Eve", "--email", "e@example.com")
    assert snapshot(tmp_path) == before


def test_a_database_path_that_is_a_symlink_is_refused(tmp_path, capsys):
    db = made(tmp_path / "team")
    link = tmp_path / "link.db"
    link.symlink_to(db)
    before = snapshot(tmp_path)
    for name in both_names(link):
        assert "is a symbolic link" in refused(capsys, "--db", name, "list")
        assert "is a symbolic link" in refused(capsys, "--db", name, "add", "Eve", "--email", "e@example.com")
    # a link planted where a new database would be made (pointing at a file of the user's) is refused too
    victim = tmp_path / "notes.txt"
    victim.write_text("mine")
    (tmp_path / "team" / "new.db").symlink_to(victim)
    assert "is a symbolic link" in refused(capsys, "--db", str(tmp_path / "team" / "new.db"), "init")
    assert victim.read_text() == "mine"
    assert snapshot(tmp_path)["link.db"] == before["link.db"]


def test_a_wal_that_is_a_symlink_is_refused(tmp_path, capsys):
    db = made(tmp_path / "team")
    (tmp_path / "team" / "pipeline.db-wal").symlink_to(tmp_path / "elsewhere")
    assert "pipeline.db-wal is a symbolic link" in refused(capsys, "--db", str(db), "list")


def test_a_world_writable_folder_anywhere_above_the_database_is_refused(tmp_path, capsys):
    (tmp_path / "open").mkdir()
    db = made(tmp_path / "open" / "team")
    os.chmod(tmp_path / "open", 0o777)
    before = snapshot(tmp_path)
    for name in both_names(db):
        err = refused(capsys, "--db", name, "list")
        assert f"the folder {tmp_path / 'open'} above it is writable by every user (mode 0777)" in err
    assert snapshot(tmp_path) == before
    # with the sticky bit (like /tmp) nobody can rename another's folder away: fine
    os.chmod(tmp_path / "open", 0o1777)
    assert main(["--db", str(db), "list"]) == EXIT_OK


def test_a_new_database_is_refused_under_a_world_writable_folder(tmp_path, capsys):
    (tmp_path / "open").mkdir()
    os.chmod(tmp_path / "open", 0o777)
    assert "above it is writable by every user" in refused(
        capsys, "--db", url(tmp_path / "open" / "mine" / "x.db"), "add", "Ada", "--email", "a@example.com")
    assert list((tmp_path / "open").iterdir()) == []


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
NOBODY = 65534


@needs_root
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_a_database_someone_else_owns_is_refused_even_to_root(tmp_path, capsys, suffix):
    db = made(tmp_path / "theirs")
    target = db.with_name(db.name + suffix)
    target.touch(mode=0o600)
    os.chown(target, NOBODY, -1)
    before = snapshot(tmp_path)
    for name in both_names(db):
        err = refused(capsys, "--db", name, "add", "Eve", "--email", "e@example.com")
        assert f"{target} belongs to 'nobody', not to you" in err
    assert snapshot(tmp_path) == before


@needs_root
def test_a_planted_wal_is_refused_on_the_first_open_too(tmp_path, capsys):
    folder = tmp_path / "shared-tmp"
    folder.mkdir()
    os.chmod(folder, 0o1777)
    planted = folder / "pipeline.db-wal"
    planted.touch()
    os.chown(planted, NOBODY, -1)
    assert "belongs to 'nobody'" in refused(capsys, "--db", str(folder / "pipeline.db"), "init")
    assert sorted(p.name for p in folder.iterdir()) == ["pipeline.db-wal"]


@needs_root
def test_the_teams_database_opens_for_a_member_of_the_shared_group(tmp_path, capsys, monkeypatch):
    import grp

    db = made(tmp_path / "team")
    group = grp.getgrgid(os.getegid())  # root is a member of its own group
    os.chown(db, NOBODY, group.gr_gid)
    os.chmod(db, 0o660)
    assert "belongs to 'nobody'" in refused(capsys, "--db", str(db), "list")
    monkeypatch.setenv("LEADBOARD_SHARED_GROUP", group.gr_name)
    assert main(["--db", str(db), "list"]) == EXIT_OK
    # a group the user is not in does not make another's file theirs
    other = next((g for g in grp.getgrall() if g.gr_gid not in os.getgroups() and g.gr_gid != os.getegid()),
                 None)
    if other is None:
        pytest.skip("no group this user is not in")
    os.chown(db, NOBODY, other.gr_gid)
    monkeypatch.setenv("LEADBOARD_SHARED_GROUP", other.gr_name)
    assert f"you are not a member of the shared_group {other.gr_name!r}" in refused(capsys, "--db", str(db), "list")
