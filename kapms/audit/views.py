"""The admin's audit log page and its CSV export. Both are audited themselves."""

from datetime import UTC

from flask import Response, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from kapms.audit import services
from kapms.audit.blueprint import bp
from kapms.audit.cli import seal_command, verify_command
from kapms.audit.forms import AuditFilterForm
from kapms.csv_export import stream_csv
from kapms.extensions import db

PER_PAGE = 50
MATCH_LIMIT = 20
CSV_COLUMNS = ["when (UTC)", "user", "action", "record type", "record id", "patient id",
               "ip address", "outcome", "detail", "chain position"]
bp.cli.add_command(verify_command)  # flask audit verify
bp.cli.add_command(seal_command)  # flask audit seal


def _read_filter(form: AuditFilterForm):
    """The filter from the form, the people and patients its names matched, and notes."""
    notes, users, patients = [], [], []
    form.validate()
    if any(f.errors for f in form if not (f is form.date_to and form.reversed_range())):
        notes.append("Some filters were not valid and are ignored.")
    data = {f.name: (None if f.errors else f.data) for f in form}
    user_ids = patient_ids = None
    if data["user_id"]:
        user_ids = (data["user_id"],)
    elif data["user"]:
        users = services.find_users(db.session, data["user"], limit=MATCH_LIMIT + 1)
        user_ids = tuple(u.id for u in users[:MATCH_LIMIT])
    if data["patient_id"]:
        patient_ids = (data["patient_id"],)
    elif data["patient"]:
        patients = services.find_patients(db.session, data["patient"], limit=MATCH_LIMIT + 1)
        patient_ids = tuple(pid for pid, _ in patients[:MATCH_LIMIT])
    for found, what, text in ((users, "user", data["user"]),
                              (patients, "patient", data["patient"])):
        if text and not found and not data[f"{what}_id"]:
            notes.append(f"No {what} matches “{text}”.")
        elif len(found) > MATCH_LIMIT:
            notes.append(f"More than {MATCH_LIMIT} {what}s match “{text}”; showing the first "
                         f"{MATCH_LIMIT}. Type more of the name.")
            del found[MATCH_LIMIT:]
    flt = services.AuditFilter(user_ids=user_ids, patient_ids=patient_ids,
                               action=data["action"] or None, date_from=data["date_from"],
                               date_to=data["date_to"])
    return flt, users, patients, notes


@bp.get("/")
def events():
    """List and filter audit events, newest first, a page at a time (audited)."""
    form = AuditFilterForm(request.args)
    flt, users, patients, notes = _read_filter(form)
    if form.reversed_range():  # refused next to the "To" field; nothing searched
        page = services.Page(rows=[], older=None, newer=None)
    else:
        page = services.search(db.session, flt,
                               older_than=services.Position.parse(request.args.get("older")),
                               newer_than=services.Position.parse(request.args.get("newer")),
                               per_page=PER_PAGE)
    names = services.patient_names(db.session, (e.patient_id for e in page.rows))
    args = {k: v for k, v in request.args.items() if k not in ("older", "newer") and v}
    html = render_template("audit/events.html", form=form, page=page, names=names,
                           users=users, patients=patients, notes=notes, args=args,
                           record_link=record_link)
    # Recorded after the page's own query, committed after rendering (a commit first would
    # expire the rows and reload them one by one).
    services.record(db.session, current_user, "view", "audit_log", detail=flt.describe())
    db.session.commit()
    return html


@bp.get("/export.csv")
def export_csv():
    """The filtered events as CSV, streamed in batches (audited as an export)."""
    form = AuditFilterForm(request.args)
    flt, _, _, _ = _read_filter(form)
    if form.reversed_range():  # the page says why
        return redirect(url_for(".events", **request.args))
    services.record(db.session, current_user, "export", "audit_log", detail=flt.describe())
    db.session.commit()

    def rows():
        yield CSV_COLUMNS
        for e in services.each_event(db.session, flt):
            yield [e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), e.actor_email, e.action,
                   e.entity_type, e.entity_id, e.patient_id, e.ip_address, e.outcome,
                   e.detail, e.seq]

    return Response(stream_with_context(stream_csv(rows())), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'})


# Where an audited record lives, by entity type: (endpoint, its id argument).
RECORD_PAGES = {
    "patient": ("patients.detail", "patient_id"),
    "user": ("admin_users.edit_user", "user_id"),
}


def record_link(event) -> str | None:
    """The page of the record an event is about, or its patient's page, or None."""
    endpoint, arg = RECORD_PAGES.get(event.entity_type, (None, None))
    if endpoint and event.entity_id and event.entity_id.isdigit():
        return url_for(endpoint, **{arg: int(event.entity_id)})
    if event.patient_id:
        return url_for("patients.detail", patient_id=event.patient_id)
    return None
