"""The prescriber's review list ("For review"): held dosings, blood-pressure rises and
serious adverse events to acknowledge with a note, open safety alerts, follow-ups due,
clearances expiring and plan change requests. Each list is paged."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms import clinic_time
from kapms.care import services as care
from kapms.care.blueprint import bp
from kapms.care.forms import AcknowledgeForm
from kapms.care.views.common import thresholds
from kapms.extensions import db
from kapms.web.access import roles_required
from kapms.web.forms import attempt_and_flash

PER_PAGE = 20
SECTIONS = {
    "reviews": "Dosings to review",
    "alerts": "Open safety alerts",
    "follow_ups": "Follow-ups due",
    "expiring": "Clearances expiring",
    "requests": "Plan change requests",
}


def review_sections(user, keys=tuple(SECTIONS), *, page: int = 1,
                    per_page: int = PER_PAGE) -> dict[str, dict]:
    """The sections ``keys``: each one's rows (one page) and whether there are more."""
    t, today = thresholds(), clinic_time.today()
    offset = (page - 1) * per_page
    queries = {
        "reviews": lambda n: care.open_reviews(db.session, user, limit=n, offset=offset),
        "alerts": lambda n: care.open_safety_alerts(db.session, user, limit=n, offset=offset),
        "follow_ups": lambda n: care.follow_ups_due(db.session, user, t, today=today, limit=n,
                                                    offset=offset),
        "expiring": lambda n: care.clearances_expiring(db.session, user, t, today=today,
                                                       limit=n, offset=offset),
        "requests": lambda n: care.open_plan_requests(db.session, user, limit=n,
                                                      offset=offset),
    }
    sections = {}
    for key, query in queries.items():
        if key not in keys:
            continue
        rows = query(per_page + 1)
        sections[key] = {"title": SECTIONS[key], "rows": rows[:per_page],
                         "more": len(rows) > per_page}
    return sections


@bp.get("/review")
@roles_required("prescriber")
def review():
    """The prescriber's review list (their home's full version, paged per section)."""
    only = request.args.get("section") if request.args.get("section") in SECTIONS else None
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 6 else 1
    sections = review_sections(current_user, (only,) if only else tuple(SECTIONS),
                               page=max(page, 1))
    return render_template("care/review.html", sections=sections, only=only, page=page,
                           form=AcknowledgeForm(formdata=None))


@bp.post("/reviews/<int:review_id>/acknowledge")
@roles_required("prescriber")
def review_acknowledge(review_id: int):
    """Acknowledge a held dosing, BP rise or serious adverse event with a note."""
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        flash("Write a note: what you reviewed and decided.", "danger")
    else:
        attempt_and_flash(lambda: care.acknowledge_review(
            db.session, current_user, review_id, form.note.data, form.loaded_version()),
            "Reviewed and acknowledged.")
    return redirect(url_for("care.review", _anchor="reviews"))
