"""The use-cases: every way a card is created, edited or moved goes through here."""

from leadboard.service.pipeline import MoveResult, Pipeline, StageStats, UndoResult

__all__ = ["MoveResult", "Pipeline", "StageStats", "UndoResult"]
