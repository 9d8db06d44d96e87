"""Statistics: figures computed in the database, scoped by the region path (docs/stats.md).

Kept import-light: services.tickets imports `maintenance` to keep the summaries current.
"""
