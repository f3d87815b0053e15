"""The night solver: a pure library of frozen dataclasses in, plans out, in integer seconds."""
