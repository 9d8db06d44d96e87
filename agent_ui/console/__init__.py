"""The agent console: state bar, screen-pop, ticket form mid-call, call control, work lists."""
from agent_ui.console import messages  # noqa: E402,F401  (registers the strings)
