"""Signing a consent in the portal: the exact version shown, the typed name and "I agree";
the signed copies."""

from flask import flash, redirect, render_template, request, url_for

from kapms.consent import services as consent
from kapms.consent.forms import SignForm
from kapms.consent.markdown import to_html
from kapms.extensions import db
from kapms.portal.blueprint import bp
from kapms.portal.services import own_record
from kapms.portal.views.common import me
from kapms.web.forms import attempt


@bp.get("/consents")
def consents():
    """Documents to sign and the ones signed (each with its signed copy)."""
    user, patient = me()
    remote = any(own_record.is_remote_dosing(s)
                 for s in own_record.upcoming_sessions(db.session, user, patient))
    signed = consent.signatures_for(db.session, user, patient)
    to_sign = consent.to_sign(db.session, patient.id, remote=remote, signatures=signed)
    db.session.commit()
    return render_template("portal/consents.html", to_sign=to_sign, signed=signed)


@bp.route("/consents/<int:version_id>", methods=["GET", "POST"])
def sign(version_id: int):
    """Read a document and sign it."""
    user, patient = me()
    version = consent.get_version(db.session, version_id)
    if version.document.current.id != version.id:  # an old link: show the current one
        return redirect(url_for(".sign", version_id=version.document.current.id))
    form = SignForm(data={"version_id": version.id, "text_sha256": version.sha256})
    if form.validate_on_submit():
        ok, signature = attempt(form, lambda: consent.sign(
            db.session, user, patient, form.version_id.data, typed_name=form.typed_name.data,
            agreed=form.agree.data, shown_sha256=form.text_sha256.data,
            ip=request.remote_addr, user_agent=request.user_agent.string))
        if ok:
            flash(f"Signed: {version.document.title}. A signed copy is below.", "success")
            return redirect(url_for(".consents"))
        db.session.expire(version.document, ["versions"])
        if version.document.current.id != version.id:  # published while they read
            return redirect(url_for(".sign", version_id=version.document.current.id))
    db.session.commit()
    return render_template("portal/sign.html", version=version, text=to_html(version.body),
                           form=form, patient=patient)


