"""Kept for code written against earlier versions: the registries live in :mod:`plugins`."""

from plugins import Registry, UnknownPluginError

__all__ = ["Registry", "UnknownPluginError"]
