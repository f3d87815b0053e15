"""The `nightcare` command line."""
