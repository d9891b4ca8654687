"""The des service."""
