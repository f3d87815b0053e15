"""The HTTP API and pages (issues 3 and 5)."""
