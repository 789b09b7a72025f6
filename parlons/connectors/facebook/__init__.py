"""The facebook connector."""
