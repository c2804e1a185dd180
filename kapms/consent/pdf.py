"""The signed copy of a consent as PDF: the version's text as signed, and the signature
(how, by whom, when, from where, and the text's SHA-256). Objects in, bytes out."""

from flask import render_template

from kapms.consent.markdown import to_html
from kapms.pdf import render_pdf


def signed_copy(signature, patient) -> bytes:
    """The PDF of ``signature`` (of ``patient``)."""
    return render_pdf(render_template("consent/pdf/signed_copy.html", signature=signature,
                                      version=signature.version, patient=patient,
                                      text=to_html(signature.version.body)))
