"""Importers of other comment systems: each reads its source into ImportedComment records
(core/imported.py) and hands them to actions/importing.py:import_comments."""
