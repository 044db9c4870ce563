"""Parley: a framework for customer-service assistants (the app layer: CLI, server, channels)."""

__version__ = "0.1.0"
__all__ = ["__version__"]
