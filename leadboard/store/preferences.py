"""Each user's board preferences (such as the column order), kept in the database so they follow
the user to any terminal that opens it."""

from __future__ import annotations

from leadboard.store.models import UserPreference


def get(user: str, name: str) -> str | None:
    row = UserPreference.get_or_none((UserPreference.user == user) & (UserPreference.name == name))
    return row.value if row else None


def put(user: str, name: str, value: str) -> None:
    (UserPreference.insert(user=user, name=name, value=value)
     .on_conflict(conflict_target=[UserPreference.user, UserPreference.name],
                  update={UserPreference.value: value})
     .execute())
