"""The command palette (Ctrl+P): every board action by name, for the screen it fits."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class BoardCommands(Provider):
    """Offers the actions of the screen under the palette (``COMMANDS_BY_NAME`` on that screen)."""

    def _commands(self) -> list[tuple[str, str, str]]:
        return list(getattr(self.screen, "COMMANDS_BY_NAME", []))

    async def discover(self) -> Hits:
        for name, help_text, action in self._commands():
            yield DiscoveryHit(name, partial(self.screen.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                command = partial(self.screen.run_action, action)
                yield Hit(score, matcher.highlight(name), command, help=help_text)
