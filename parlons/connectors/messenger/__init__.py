"""The messenger connector."""
