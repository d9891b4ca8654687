"""The recap service."""
