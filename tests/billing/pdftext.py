"""Text of a PDF response, for checking printed documents by their content."""

import io
import re

from pypdf import PdfReader


def pdf_text(response) -> str:
    """All pages' text with whitespace runs folded to single spaces."""
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
