"""Signed plans: records bound to the exact content, signed and verified with OpenSSH's ``ssh-keygen -Y``."""

__all__: list[str] = []
