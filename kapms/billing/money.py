"""Formatting cents as dollars for messages written by services (no Flask here)."""


def dollars(cents: int) -> str:
    """123456 -> "$1,234.56"; negative amounts keep their sign."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    return f"{sign}${whole:,}.{rest:02d}"
