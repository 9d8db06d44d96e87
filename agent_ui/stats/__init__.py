"""Statistics and reports (issue 8): dashboards, drill-down, calls, residents, custom queries."""
