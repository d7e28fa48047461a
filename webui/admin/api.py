"""``/api/admin/*``: jobs and sites for scripts and for the admin pages' polling.

Authentication: ``Authorization: Bearer TOKEN`` (``khotin admin token
NAME``), or the signed-in session with the ``X-CSRF-Token`` header on POSTs.
Errors are JSON ``{"error": {"param", "message"}}``: 400 bad input, 401 not
signed in or bad token, 403 missing CSRF header, 404 no such job, 409 the
job's state does not allow the action.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from khotin import jobs
from khotin.errors import UserError

from .. import search_service
from ..errors import json_error
from . import actions, core
from .sitesform import read_sites, site_rows

bp = Blueprint("admin_api", __name__)

MAX_LIST = 500


def job_json(job: jobs.Job, *, log: bool = False) -> dict:
    data = job.to_dict()
    if log:
        data["log"] = [{"at": jobs.iso(at), "line": line} for at, line in jobs.log_lines(core.conn(), job.id)]
    return data


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise UserError("Nội dung phải là một đối tượng JSON. / The body must be a JSON object.")
    return body


@bp.route("/api/admin/jobs", methods=["GET", "POST"], endpoint="jobs")
@core.api_auth
def jobs_collection():
    """One rule for both methods (the OpenAPI test maps each path to one rule)."""
    return create_job() if request.method == "POST" else list_jobs()


def list_jobs():
    try:
        limit = min(MAX_LIST, max(1, int(request.args.get("limit", 50))))
    except ValueError:
        return json_error(400, "limit phải là số nguyên. / limit must be a whole number.", "limit")
    state = request.args.get("state")
    if state is not None and state not in jobs.STATES:
        return json_error(400, f"state: one of {', '.join(jobs.STATES)}", "state")
    found = jobs.list_jobs(core.conn(), limit=limit, states=[state] if state else None)
    return jsonify({"jobs": [job_json(j) for j in found], "worker": jobs.worker_info(core.conn())})


def create_job():
    try:
        body = _body()
        job = actions.queue(body.get("kind"), body.get("site"))
    except UserError as exc:
        return json_error(400, str(exc), getattr(exc, "param", None))
    response = jsonify(job_json(job))
    response.status_code = 202
    response.headers["Location"] = url_for("admin_api.job", job_id=job.id)
    return response


@bp.get("/api/admin/jobs/<int:job_id>", endpoint="job")
@core.api_auth
def get_job(job_id: int):
    job = jobs.get(core.conn(), job_id)
    if job is None:
        return json_error(404, f"Không có công việc {job_id}. / No job {job_id}.")
    return jsonify(job_json(job, log=True))


def _act(job_id: int, action, status: int):
    if jobs.get(core.conn(), job_id) is None:
        return json_error(404, f"Không có công việc {job_id}. / No job {job_id}.")
    try:
        job = action(job_id)
    except actions.Conflict as exc:
        return json_error(409, str(exc))
    response = jsonify(job_json(job))
    response.status_code = status
    return response


@bp.post("/api/admin/jobs/<int:job_id>/cancel", endpoint="cancel")
@core.api_auth
def cancel_job(job_id: int):
    return _act(job_id, actions.cancel, 200)


@bp.post("/api/admin/jobs/<int:job_id>/retry", endpoint="retry")
@core.api_auth
def retry_job(job_id: int):
    return _act(job_id, actions.retry, 202)


@bp.get("/api/admin/sites", endpoint="sites")
@core.api_auth
def list_sites():
    service = search_service()
    conn = core.conn()  # first: it creates the catalog tables on a fresh data directory
    sites, problem = read_sites(service.data)
    rows = site_rows(sites, service.catalog, conn)
    return jsonify({"sites": [r.to_dict() for r in rows], "error": problem})
