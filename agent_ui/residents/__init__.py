"""Resident records pages: list and search, view (masked), audited reveal, edit, import/export."""
