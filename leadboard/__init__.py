"""leadboard: a sales pipeline Kanban board for people who live in terminals."""

__version__ = "0.1.0"
