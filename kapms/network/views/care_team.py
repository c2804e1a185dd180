"""Care-team pages: assigning or inviting from the patient page, the team's history, and a
clinician leaving it (removal or transfer). Coordinators (admins) assign and change teams;
care-team members invite colleagues, who accept from their home page."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kapms import clinic_time
from kapms.auth.services import find_user_by_email
from kapms.care.services import refresh_stage
from kapms.errors import DomainError, NotFound
from kapms.extensions import db
from kapms.network.blueprint import bp
from kapms.network.forms import CareTeamForm, DepartureForm, EligibleSearchForm
from kapms.network.services import care_teams, departures, eligibility, referrals, search
from kapms.network.services.profiles import get_clinician
from kapms.patients.access import CLINICAL
from kapms.patients.models import CARE_TEAM_ROLES, CareTeamMember
from kapms.patients.services import get_patient
from kapms.web.access import roles_required
from kapms.web.edge import page_arg
from kapms.web.forms import attempt, show_domain_error


def eligible_by_role(patient, today, roles=("prescriber", "therapist")) -> dict[str, list]:
    """The clinicians eligible for ``patient``'s team, per role (the network's eligibility
    rule, in SQL; the first page, fewest places taken first): one query a role, shared by
    the forms of one page."""
    request_ = search.patient_request(patient, today)
    return {role: search.eligible_clinicians(db.session, request_, role, explain=False)[0]
            for role in roles}


def team_form(patient, today, *, formdata=None) -> CareTeamForm:
    """The assign/invite form, listing the clinicians eligible for this patient by role
    (both roles ranked in one statement)."""
    form = CareTeamForm(formdata=formdata)
    choices = [(0, "Choose a clinician")]
    choices += [(user.id, user.display_name)
                for _, user in search.team_choices(db.session,
                                                   search.patient_request(patient, today))
                if not any(m.user_id == user.id for m in patient.care_team)]
    form.user_id.choices = list(dict.fromkeys(choices))
    return form


def _chosen_clinician(form: CareTeamForm):
    """The clinician picked from the list, or named by email (an admin's override)."""
    if (form.email.data or "").strip():
        user = find_user_by_email(db.session, form.email.data)
        if user is None:
            raise NotFound("No clinician has that email.")
        return get_clinician(db.session, user.id)
    if not form.user_id.data:
        raise DomainError("Choose a clinician.", "user_id")
    return get_clinician(db.session, form.user_id.data)


@bp.post("/patients/<int:patient_id>/care-team")
@roles_required("therapist", "prescriber", "admin")
def add_to_team(patient_id: int):
    """Admins assign at once; care-team members invite a colleague, who accepts later."""
    patient = get_patient(db.session, current_user, patient_id, need=CLINICAL)
    today = clinic_time.today()
    form = CareTeamForm(formdata=request.form)
    form.user_id.choices = []  # any id: the eligibility rule says why not
    admin = current_user.has_role("admin")
    if form.validate_on_submit() and form.role.data in CARE_TEAM_ROLES:
        try:
            clinician = _chosen_clinician(form)
        except DomainError as error:  # no such clinician: said on the form, not a 404
            show_domain_error(form, error)
            clinician = None
        if clinician is not None:
            def add():
                if admin:
                    member = care_teams.assign_member(
                        db.session, current_user, patient, clinician, form.role.data,
                        day=today, private_pay=form.private_pay.data,
                        override_reason=form.override_reason.data)
                    refresh_stage(db.session, patient)
                    return member
                return referrals.invite_colleague(db.session, current_user, patient, clinician,
                                                  form.role.data, note=form.note.data,
                                                  today=today, expiry_days=current_app.config[
                                                      "OFFER_EXPIRY_DAYS"])

            ok, _ = attempt(form, add)
            if ok:
                flash(f"{clinician.display_name} is on the care team as {form.role.data}."
                      if admin else f"{clinician.display_name} is invited as "
                      f"{form.role.data}; they join when they accept.", "success")
                return redirect(url_for("patients.detail", patient_id=patient.id))
    return _team_page(patient, today, add_form=form), 400


ELIGIBLE_PER_PAGE = 10


def _eligible_search(patient, today) -> tuple[EligibleSearchForm, search.EligiblePage]:
    """The page of eligible clinicians the care-team page shows: the role searched for
    (at first the one the team lacks), by part of the name, 10 a page, but the team's
    members."""
    lacking = next((r for r in ("therapist", "prescriber") if not patient.members(r)),
                   "therapist")
    searched = "role" in request.args or "q" in request.args
    form = EligibleSearchForm(formdata=request.args if searched else None,
                              data={"role": lacking})
    role, name = lacking, None
    if form.validate():
        role, name = form.role.data, (form.q.data or "").strip() or None
    found = search.eligible_page(db.session, search.patient_request(patient, today), role,
                                 page=page_arg(last=10_000), per_page=ELIGIBLE_PER_PAGE,
                                 name=name, excluding={m.user_id for m in patient.care_team})
    return form, found


def _team_page(patient, today, *, add_form=None, leave_forms=None):
    members = eligibility.team_standing(db.session, patient, today)
    admin = current_user.has_role("admin")
    on_team = any(m.user_id == current_user.id for m in patient.care_team)
    leave_forms = leave_forms or {}
    if admin:  # successors: the eligible in each member's role, one query a role
        eligible = eligible_by_role(patient, today,
                                    tuple(dict.fromkeys(s.member.role for s in members)))
        for standing in members:
            leave_forms.setdefault(standing.member.id, leave_form(
                patient, standing.member, today, eligible=eligible))
    search_form = eligible = None
    if admin or on_team:
        search_form, eligible = _eligible_search(patient, today)
        if add_form is None:
            add_form = CareTeamForm(data={"role": eligible.role})
            add_form.user_id.choices = []
    return render_template(
        "network/care_team.html", patient=patient, members=members, today=today,
        history=care_teams.team_history(db.session, patient),
        offers=referrals.patient_referrals(db.session, patient), is_admin=admin,
        add_form=add_form, search_form=search_form,
        eligible=eligible, leave_forms=leave_forms)


@bp.get("/patients/<int:patient_id>/care-team")
@roles_required("therapist", "prescriber", "admin")
def care_team(patient_id: int):
    """Who is on the team and why, who was, the offers made, and (admins) changes."""
    patient = get_patient(db.session, current_user, patient_id, need=CLINICAL)
    return _team_page(patient, clinic_time.today())


def leave_form(patient, member: CareTeamMember, today, *, formdata=None, eligible=None
               ) -> DepartureForm:
    """The removal/transfer form of one member: successors eligible in the member's role,
    other members of that role to take the sessions (``eligible``: as in ``team_form``)."""
    form = DepartureForm(formdata=formdata, prefix=f"m{member.id}")
    if formdata is None:
        form.effective.data = today
    rows = (eligible or eligible_by_role(patient, today, (member.role,)))[member.role]
    form.successor_id.choices = [(0, "Nobody: remove")] + [
        (p.user_id, p.user.display_name) for p, _ in rows
        if not any(m.user_id == p.user_id and m.role == member.role for m in patient.care_team)]
    form.reassign_to.choices = [(0, "—")] + [
        (m.user_id, m.user.display_name) for m in patient.care_team
        if m.role == member.role and m.id != member.id]
    return form


@bp.post("/care-team/<int:member_id>/leave")
def leave(member_id: int):
    """A coordinator ends a member's place: removal, or transfer to a successor."""
    member = db.session.get(CareTeamMember, member_id)
    if member is None:
        raise NotFound("No such care-team place.")
    patient = get_patient(db.session, current_user, member.patient_id, need=CLINICAL)
    today = clinic_time.today()
    form = leave_form(patient, member, today, formdata=request.form)
    if form.validate_on_submit():
        departure = departures.Departure(
            reason=form.reason.data, effective=form.effective.data,
            sessions=form.sessions.data, notice=form.notice.data or "",
            reassign_to_id=form.reassign_to.data or None)
        name = member.user.display_name

        def depart():
            if form.successor_id.data:
                successor = get_clinician(db.session, form.successor_id.data)
                return departures.transfer_member(
                    db.session, current_user, member, successor, departure, today=today,
                    private_pay=form.private_pay.data,
                    override_reason=form.override_reason.data)
            return departures.remove_member(db.session, current_user, member, departure,
                                            today=today)

        ok, _ = attempt(form, depart)
        if ok:
            flash(f"{name} has left the care team. {member.handover}", "success")
            return redirect(url_for(".care_team", patient_id=patient.id))
    return _team_page(patient, today, leave_forms={member.id: form}), 400
