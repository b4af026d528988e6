"""Screens and modals over the board: forms, detail, reasons, lost cards, help."""
