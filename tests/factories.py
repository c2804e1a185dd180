"""Factory helpers returning saved objects with sensible defaults."""

from itertools import count

from kapms.auth.services import create_user

DEFAULT_PASSWORD = "correct horse battery staple"
_seq = count(1)


def make_user(session, roles=("therapist",), email=None, password=DEFAULT_PASSWORD,
              full_name=None, **kwargs):
    """A user with the given roles (flushed, not committed)."""
    n = next(_seq)
    role_list = list(roles)
    return create_user(
        session, None,
        email=email or f"{'-'.join(role_list) or 'nobody'}{n}@example.com",
        full_name=full_name or f"Test {role_list[0].title() if role_list else 'User'} {n}",
        roles=role_list, password=password, **kwargs)
