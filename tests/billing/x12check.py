"""Check an X12 file with pyx12, an independent validator of the HIPAA implementation
guides (here 837P 005010X222A1): the tests never trust the writer's own validation."""

import io
import logging

import pyx12.params
import pyx12.x12n_document


def validate(text: str) -> tuple[bool, str]:
    """(valid, the 999 acknowledgement pyx12 wrote, which names any error)."""
    ack = io.StringIO()
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    ok = pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=ack, fd_html=None)
    return ok, ack.getvalue()
