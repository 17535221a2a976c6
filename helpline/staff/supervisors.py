"""Supervisors' pages: reports with charts (``/staff/reports``), the CSV export, and the on-call roster."""

from __future__ import annotations

import logging
import time

from flask import Response, flash, g, redirect, render_template, request, url_for

from helpline.context import helpline_of
from helpline.logs import mask
from helpline.queue import callbacks
from helpline.staff import accounts, auth, charts, reports, roster
from helpline.staff.bp import bp
from helpline.staff.forms import ActionForm

log = logging.getLogger(__name__)
LANG_NAMES = {"en": "English", "es": "Spanish"}


def _range():  # type: ignore[no-untyped-def]
    hl = helpline_of()
    source = request.form if request.method == "POST" else request.args
    try:
        return reports.parse_range(source, hl.settings), None
    except reports.RangeError as exc:
        return reports.parse_range({}, hl.settings), str(exc)


@bp.get("/reports")
@auth.supervisor_required
def reports_page():  # type: ignore[no-untyped-def]
    hl = helpline_of()
    span, error = _range()
    report = reports.build(hl.conn, hl.settings, span)
    return render_template("staff/reports.html", report=report, span=span, error=error,
                           charts=_charts(report), weekdays=reports.WEEKDAYS, lang_names=LANG_NAMES,
                           presets=reports.RANGES, retention_days=hl.settings.retention_days,
                           action_form=ActionForm(), now=time.time()), 400 if error else 200


def _charts(report: reports.Report) -> dict[str, object]:
    days = report.per_day
    labels = [d["day"].strftime("%d %b") for d in days]
    busiest = max(days, key=lambda d: d["total"], default=None)
    per_day_desc = (f"{report.contacts} contacts over {len(days)} days: {report.channels.get('sms', 0)} by text, "
                    f"{report.channels.get('voice', 0)} by phone."
                    + (f" Busiest day {busiest['day']:%a %d %b} with {busiest['total']}." if busiest and
                       busiest["total"] else ""))
    flat = [(v, d, h) for d, row in enumerate(report.hour_of_week) for h, v in enumerate(row)]
    peak = max(flat, default=(0, 0, 0))
    hour_desc = (f"Contacts by day of week and hour. Busiest: {reports.WEEKDAYS[peak[1]]} {peak[2]:02d}:00 with "
                 f"{peak[0]}." if peak[0] else "No contacts in this range.")
    crisis_total = sum(n for _, n in report.crisis)
    claims = [(c["priority"].capitalize(), c["median_min"], c["p90_min"], float(c["target_min"]))
              for c in report.claims]
    claim_desc = "; ".join(
        f"{c['priority']}: " + ("no claims" if c["median_min"] is None else
                                f"median {c['median_min']:.1f} min, p90 {c['p90_min']:.1f} min")
        + f", due within {c['target']}"
        + ("" if c["missed_share"] is None else f", {c['missed_share']:.0%} missed") for c in report.claims) + "."
    return {
        "per_day": charts.columns("chart-days", "Contacts per day, by channel", per_day_desc, labels, [
            charts.Series("Text", [d["sms"] for d in days], "c-sms"),
            charts.Series("Phone", [d["voice"] for d in days], "c-voice")]),
        "languages": charts.bars("chart-langs", "Contacts by language", ", ".join(
            f"{LANG_NAMES.get(k, k)}: {v}" for k, v in sorted(report.languages.items())) or "No contacts.",
            [(LANG_NAMES.get(k, k), v) for k, v in sorted(report.languages.items())], "c-lang"),
        "hours": charts.heatmap("chart-hours", "Contacts by hour of the week", hour_desc, report.hour_of_week,
                                reports.WEEKDAYS),
        "crisis": charts.bars("chart-crisis", "Crisis detections by category",
                              f"{crisis_total} crisis detections: " + (", ".join(
                                  f"{k} {v}" for k, v in report.crisis) or "none") + ".",
                              [(k.replace("_", " "), v) for k, v in report.crisis], "c-crisis"),
        "claims": charts.against_target("chart-claims", "Time to claim against the due time", claim_desc, claims),
        "outcomes": charts.bars("chart-outcomes", "Outcomes of calls back", ", ".join(
            f"{k.replace('_', ' ')} {v}" for k, v in report.outcomes) or "No calls closed.",
            [(k.replace("_", " "), v) for k, v in report.outcomes], "c-main"),
        "voicemails": charts.columns("chart-voicemails", "Voicemails per day",
                                     f"{report.voicemails} voicemails over {len(days)} days.", labels,
                                     [charts.Series("Voicemails", [d["voicemails"] for d in days], "c-voice")]),
        "escalations": charts.bars("chart-escalations", "Escalations of unclaimed crisis requests", ", ".join(
            f"step {k}: {v}" for k, v in report.escalations) or "No escalations.",
            [(_rung(k), v) for k, v in report.escalations], "c-crisis"),
    }


def _rung(step: str) -> str:
    from workers.escalation import RUNGS

    return RUNGS[int(step) - 1] if step.isdigit() and 0 < int(step) <= len(RUNGS) else step


@bp.route("/reports/export.csv", methods=["GET", "POST"])
@auth.supervisor_required
def reports_export():  # type: ignore[no-untyped-def]
    """Closed requests in the range as CSV. Numbers and notes only when the box was ticked (a POST, with the
    form's CSRF token), and that export is recorded in the audit trail."""
    hl = helpline_of()
    span, error = _range()
    if error:
        return Response(f"400 Bad Request: {error}\n", status=400, mimetype="text/plain")
    private = request.method == "POST" and request.form.get("include_private") == "1"
    body = reports.export_csv(hl.conn, hl.settings, span, private=private)
    rows = body.count("\r\n") - 1
    if private:
        callbacks.add_audit_event(hl.conn, g.account.name, "exported numbers and notes",
                                  f"CSV of {rows} closed request(s), {span.first} to {span.last}")
        log.warning("export with numbers and notes by %s: %d rows", g.account.name, rows)
    name = f"callbacks-{span.first}-to-{span.last}{'-private' if private else ''}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- the roster -------------------------------------------------------------------------------------------------
@bp.get("/roster")
@auth.supervisor_required
def roster_page():  # type: ignore[no-untyped-def]
    hl = helpline_of()
    now = time.time()
    everyone = accounts.all_accounts(hl.conn)
    shifts = roster.shifts(hl.conn)
    week = [[s for s in shifts if d in s.days] for d in range(7)]
    recipients = {p: roster.alert_recipients(hl.conn, hl.settings, p, now=now) for p in ("routine", "crisis")}
    masked = {p: [mask(n) for n in r.numbers] for p, r in recipients.items()}
    return render_template("staff/roster.html", shifts=shifts, week=week, accounts=everyone,
                           on_shift=roster.on_shift(hl.conn, hl.settings, now), recipients=recipients, masked=masked,
                           day_names=roster.DAY_NAMES, local=roster.local_now(hl.settings, now),
                           action_form=ActionForm(), now=now, form=request.args)


@bp.post("/roster")
@auth.supervisor_required
def roster_add():  # type: ignore[no-untyped-def]
    hl = helpline_of()
    days = request.form.getlist("days")
    spec = f"{','.join(days)} {request.form.get('start', '')}-{request.form.get('end', '')}"
    try:
        if not days:
            raise roster.RosterError("tick at least one day")
        shift = roster.add(hl.conn, request.form.get("who", ""), spec)
    except roster.RosterError as exc:
        flash(f"Could not add the shift: {exc}.", "error")
        return redirect(url_for("staff.roster_page"))
    callbacks.add_audit_event(hl.conn, g.account.name, "roster: shift added", f"{shift.who} {shift.describe()}")
    flash(f"Added {shift.who}: {shift.describe()}.", "ok")
    return redirect(url_for("staff.roster_page"))


@bp.post("/roster/<shift_id>/remove")
@auth.supervisor_required
def roster_remove(shift_id: str):  # type: ignore[no-untyped-def]
    hl = helpline_of()
    found = {s.id: s for s in roster.shifts(hl.conn)}.get(shift_id)
    if found is None or not roster.remove(hl.conn, shift_id):
        flash("That shift was already removed.", "error")
    else:
        callbacks.add_audit_event(hl.conn, g.account.name, "roster: shift removed",
                                  f"{found.who} {found.describe()}")
        flash(f"Removed {found.who}: {found.describe()}.", "ok")
    return redirect(url_for("staff.roster_page"))
