"""``/admin/jobs`` (live list), ``/admin/jobs/<id>`` (counters and log), cancel, retry, audit log.

The pages render the current state; ``static/admin.js`` then polls
``/api/admin/jobs`` (or ``/api/admin/jobs/<id>``) every 1.5 s with the
session cookie and updates the counters, states and log in place.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from khotin import audit as audit_log
from khotin import jobs
from khotin.errors import UserError

from . import actions, core

bp = Blueprint("admin_jobs", __name__)


@bp.get("/admin/jobs", endpoint="list")
@core.login_required
def job_list():
    found = jobs.list_jobs(core.conn(), limit=100)
    return render_template("admin/jobs.html", jobs=found, worker=jobs.worker_info(core.conn()))


@bp.get("/admin/jobs/<int:job_id>", endpoint="job")
@core.login_required
def job_page(job_id: int):
    job = jobs.get(core.conn(), job_id)
    if job is None:
        abort(404)
    lines = jobs.log_lines(core.conn(), job_id)
    return render_template("admin/job.html", job=job, lines=lines, worker=jobs.worker_info(core.conn()))


def _act(job_id: int, action):
    if jobs.get(core.conn(), job_id) is None:
        abort(404)
    try:
        job = action(job_id)
    except UserError:
        job = jobs.get(core.conn(), job_id)
    return redirect(url_for("admin_jobs.job", job_id=job.id), code=303)


@bp.post("/admin/jobs/<int:job_id>/cancel", endpoint="cancel")
@core.login_required
def cancel(job_id: int):
    return _act(job_id, actions.cancel)


@bp.post("/admin/jobs/<int:job_id>/retry", endpoint="retry")
@core.login_required
def retry(job_id: int):
    return _act(job_id, actions.retry)


@bp.get("/admin/audit", endpoint="audit")
@core.login_required
def audit():
    return render_template("admin/audit.html", entries=audit_log.recent(core.conn(), 300))
