"""Administration pages: departments, providers, routing rules, users, the audit log."""
