"""Check an X12 file with pyx12, an independent validator of the HIPAA implementation
guides (837P 005010X222A1, 835 005010X221A1): the tests never trust the writer's own checks."""

import io
import logging

import pyx12.params
import pyx12.x12n_document


class _Errors(logging.Handler):
    """Collects the errors pyx12 logs while it walks a file."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def validate(text: str) -> tuple[bool, str]:
    """(valid, the errors pyx12 found, one a line)."""
    logger = logging.getLogger("pyx12")
    errors = _Errors()
    logger.addHandler(errors)
    try:
        ok = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=None, fd_html=None)
    finally:
        logger.removeHandler(errors)
    return ok and not errors.lines, "\n".join(errors.lines)
