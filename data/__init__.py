"""The database layer: models, migrations, queries and services (issue 3)."""
