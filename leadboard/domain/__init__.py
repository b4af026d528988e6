"""The sales pipeline in plain Python: stages, card fields, gate rules. No peewee, no textual."""
