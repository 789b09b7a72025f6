"""The instagram connector."""
