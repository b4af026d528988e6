"""The Textual board: screens, widgets, modals and their stylesheet."""
