"""Who may read and write a SQLite database file, its WAL and shared-memory files, and its folder.

A new database is its owner's alone (0600). A team shares one on purpose, with a group: the files
0660 and the folder 2770 (setgid, so the WAL and shm files another member's process creates belong
to the group too; SQLite gives them the database file's mode). A database that other users could
write without that intent is refused before it is opened: anyone who can write the file, or replace
it through its folder, can rewrite the pipeline and the history of who did what.
"""

from __future__ import annotations

import errno
import grp
import os
import pwd
import stat
from pathlib import Path

from leadboard.domain.errors import InvalidInput, UnsafeDatabase

#: the file beside a database through which leadboard's writers say they wait (``db.Writers``)
WRITERS_SUFFIX = "-writers"
#: the files SQLite (and leadboard) keep beside a database
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal", WRITERS_SUFFIX)
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
SHARED_FILE = 0o660
SHARED_FOLDER = 0o2770


def companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in COMPANION_SUFFIXES]


def make_private_folders(folder: Path) -> None:
    """Create ``folder`` and every missing folder above it, each 0700 whatever the umask (a folder
    made for a private database is private too, and never world-writable, or the next open would
    refuse it)."""
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        try:
            made.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # made meanwhile by another process
            continue
        os.chmod(made, PRIVATE_FOLDER)  # mkdir's mode is narrowed by the umask, never widened


def create_private(path: Path) -> None:
    """Create an empty database file readable and writable by its owner only, if none exists."""
    if path.exists():
        return
    make_private_folders(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, PRIVATE_FILE)
    try:
        # the mode given to open() is narrowed by the umask, never widened; make sure of it
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def create_fresh(path: Path) -> Path:
    """Create a new, empty file (0600) at ``path``, or at the first free one of ``NAME-2.EXT``,
    ``NAME-3.EXT``, ...: never through a symlink, never over or into a file that is already there
    (``O_CREAT|O_EXCL|O_NOFOLLOW``). Returns the path made."""
    for number in range(1, 1000):
        candidate = path if number == 1 else path.with_name(f"{path.stem}-{number}{path.suffix}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                         PRIVATE_FILE)
        except FileExistsError:  # a file, a folder or a link (even a dangling one) is in the way
            continue
        os.close(fd)
        return candidate
    raise FileExistsError(errno.EEXIST, "999 files of that name are there already", str(path))


def open_made(path: Path) -> int:
    """A descriptor for appending to a file ``create_fresh`` made, refusing a symlink or anything
    but a regular file put there since (the caller closes it)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise IsADirectoryError(errno.EISDIR, "not a regular file", str(path))
    return fd


def group_id(group: str) -> int:
    """The id of ``group`` (a name or a number)."""
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        pass
    try:
        if group.isascii() and group.isdigit():
            return grp.getgrgid(int(group)).gr_gid
    except (KeyError, OverflowError):
        pass
    raise InvalidInput(f"There is no group {group!r} on this machine.", field="shared_group")


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _is_private_group(gid: int, owner_uid: int) -> bool:
    """True for a user-private group: the owner's own login group, with nobody else in it."""
    try:
        owner = pwd.getpwuid(owner_uid)
        members = set(grp.getgrgid(gid).gr_mem)
    except KeyError:
        return False
    return owner.pw_gid == gid and members <= {owner.pw_name}


def check_safe(path: Path, shared_group: str | None) -> None:
    """Refuse (``UnsafeDatabase``) a database that users other than its owner, or than the members
    of ``shared_group``, could write: the file, its WAL or shm file, or its folder or any folder
    above it; a database path (or WAL or shm) that is a symbolic link; and a file another user owns,
    unless ``shared_group`` owns it and you are in that group (root too: root is no exception)."""
    path = path.expanduser().absolute()
    for target in [path, *companions(path)]:
        if target.is_symlink():
            raise UnsafeDatabase(
                f"Refusing to open {path}: {target} is a symbolic link (to {os.readlink(target)}); "
                "give the database's real path."
            )
    path = path.resolve()
    shared_gid = group_id(shared_group) if shared_group else None
    _check_owner(path, shared_group, shared_gid)
    _check_folders_above(path)
    folder = path.parent
    for target in [path, *companions(path), folder]:
        try:
            info = target.stat()
        except FileNotFoundError:
            continue
        mode = stat.S_IMODE(info.st_mode)
        is_folder = target == folder
        what = f"its folder {folder}" if is_folder else str(target)
        sticky = is_folder and mode & stat.S_ISVTX
        if mode & stat.S_IWOTH and not sticky:
            raise UnsafeDatabase(
                f"Refusing to open {path}: {what} is writable by every user (mode {mode:04o}); "
                f"run `chmod o-w {target}` (see the README on sharing a database)."
            )
        if (mode & stat.S_IWGRP and not sticky and info.st_gid != shared_gid
                and not _is_private_group(info.st_gid, info.st_uid)):
            group = _group_name(info.st_gid)
            intent = (f"the configured shared_group is {shared_group!r}" if shared_group
                      else "no shared_group is configured")
            raise UnsafeDatabase(
                f"Refusing to open {path}: {what} is writable by group {group!r} (mode {mode:04o}) but "
                f"{intent}; set shared_group = \"{group}\" in the config if the team means to share it, "
                f"or run `chmod g-w {target}`."
            )
    _check_planted_companions(path)


def _in_group(gid: int) -> bool:
    return gid == os.getegid() or gid in os.getgroups()


def _check_owner(path: Path, shared_group: str | None, shared_gid: int | None) -> None:
    """A database file (or WAL or shm) someone else owns is theirs, not yours to write, unless it is
    the team's: owned by the configured shared group, and you are a member."""
    me = os.geteuid()
    for target in [path, *companions(path)]:
        try:
            info = target.stat()
        except FileNotFoundError:
            continue
        if info.st_uid == me:
            continue
        if shared_gid is not None and info.st_gid == shared_gid and _in_group(shared_gid):
            continue
        whose = f"belongs to {_user_name(info.st_uid)!r}"
        if shared_gid is None:
            fix = ("if it is a team's shared database, set shared_group in the config to its group "
                   f"({_group_name(info.st_gid)!r}) and be a member")
        elif info.st_gid != shared_gid:
            fix = f"its group is {_group_name(info.st_gid)!r}, not the configured shared_group {shared_group!r}"
        else:
            fix = f"you are not a member of the shared_group {shared_group!r}"
        raise UnsafeDatabase(f"Refusing to open {path}: {target} {whose}, not to you; {fix}.")


def _check_folders_above(path: Path) -> None:
    """Anyone who can write a folder above the database (without the sticky bit) can rename the
    database's folder away and put one of their own in its place."""
    for folder in path.parents[1:]:
        try:
            mode = stat.S_IMODE(folder.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
            raise UnsafeDatabase(
                f"Refusing to open {path}: the folder {folder} above it is writable by every user "
                f"(mode {mode:04o}); run `chmod o-w {folder}` or keep the database elsewhere."
            )


def _check_planted_companions(path: Path) -> None:
    """In a folder everyone may add files to (like /tmp, sticky), a WAL or shm file that is not the
    database owner's may have been put there by anyone, to be read as the database's own."""
    try:
        folder_mode = stat.S_IMODE(path.parent.stat().st_mode)
        owner = path.stat().st_uid
    except FileNotFoundError:
        return
    if not folder_mode & stat.S_IWOTH:
        return
    for companion in companions(path):
        try:
            uid = companion.stat().st_uid
        except FileNotFoundError:
            continue
        if uid != owner:
            raise UnsafeDatabase(
                f"Refusing to open {path}: {companion} belongs to {_user_name(uid)!r}, not to the "
                f"database's owner, in a folder every user can add files to; move the database to a "
                f"folder of your own."
            )


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def share_with_group(path: Path, group: str) -> None:
    """Make the database (and its folder) readable and writable by ``group`` and nobody else.

    The folder must hold nothing but this database: it becomes group-writable (2770), and a shared
    folder with other files in it would share those too.
    """
    path = path.expanduser().resolve()
    gid = group_id(group)
    folder = path.parent
    ours = {path.name, *(p.name for p in companions(path))}
    others = sorted(entry.name for entry in folder.iterdir() if entry.name not in ours)
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise UnsafeDatabase(
            f"Not sharing {path}: its folder {folder} holds other files too ({shown}); "
            "put a shared database in a folder of its own, e.g. /srv/leadboard/team.db."
        )
    for target, mode in [(folder, SHARED_FOLDER), (path, SHARED_FILE),
                         *((p, SHARED_FILE) for p in companions(path) if p.exists())]:
        _set_group_and_mode(target, gid, mode)


def _set_group_and_mode(target: Path, gid: int, mode: int) -> None:
    info = target.stat()
    try:
        if info.st_gid != gid:
            os.chown(target, -1, gid)
        if stat.S_IMODE(info.st_mode) != mode:
            os.chmod(target, mode)
    except PermissionError:
        raise InvalidInput(
            f"Cannot give {target} to group {_group_name(gid)!r} with mode {mode:04o}: permission denied "
            "(you must own it and be a member of the group; an administrator can run chgrp and chmod).",
            field="shared_group",
        ) from None
