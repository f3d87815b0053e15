"""The evening build-solve-publish jobs (issue 4)."""
