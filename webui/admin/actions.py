"""Job actions shared by the admin pages and the API: check, do, audit.

Raises :class:`~khotin.errors.UserError` for requests that cannot be done
(unknown kind or site, a job that has already ended); the pages show the
message, the API answers 400 (or 409 for a state conflict).
"""

from __future__ import annotations

from typing import Any

from khotin import jobs
from khotin.errors import UserError

from .. import search_service
from . import core
from .sitesform import read_sites


class Conflict(UserError):
    """The job is not in a state that allows this (409 in the API)."""


class BadInput(UserError):
    """A field of the request is wrong (400 in the API, naming the field)."""

    def __init__(self, message: str, param: str):
        super().__init__(message)
        self.param = param


def queue(kind: Any, site: Any = None) -> jobs.Job:
    """Queue ``crawl`` (one site, or every site if ``site`` is None) or ``reindex``."""
    if kind not in jobs.KINDS:
        shown = repr(kind)[:60]
        raise BadInput(f"Loại công việc không hợp lệ: {shown} (crawl hoặc reindex). "
                       f"/ Unknown job kind {shown}.", "kind")
    if site is not None and not isinstance(site, str):
        raise BadInput("'site' phải là tên cổng tin. / 'site' must be a site name.", "site")
    if kind == "reindex" and site:
        raise BadInput("Lập chỉ mục lại không nhận 'site'. / A reindex job takes no site.", "site")
    if kind == "crawl":
        sites, problem = read_sites(search_service().data)
        if problem:
            raise UserError(f"sites.toml không đọc được: {problem}")
        names = {s.name for s in sites}
        if site is not None and site not in names:
            shown = repr(site)[:80]
            raise BadInput(f"Không có cổng tin {shown}. / Unknown site {shown} "
                           f"(known: {', '.join(sorted(names)) or 'none'}).", "site")
        if not names:
            raise BadInput("Chưa có cổng tin nào trong sites.toml. / No site in sites.toml.", "site")
    job = jobs.enqueue(core.conn(), kind, site or None, _by())
    core.audit("job.queue", f"job {job.id}", job.label)
    return job


def _by() -> str:
    """The requester recorded on a job: the signed-in (or token) user."""
    user = core.current_user()
    return user.name if user else "-"


def cancel(job_id: int) -> jobs.Job:
    try:
        job = jobs.request_cancel(core.conn(), job_id, _by())
    except UserError as exc:
        raise Conflict(str(exc)) from None
    core.audit("job.cancel", f"job {job_id}", job.label)
    return job


def retry(job_id: int) -> jobs.Job:
    try:
        job = jobs.retry(core.conn(), job_id, _by())
    except UserError as exc:
        raise Conflict(str(exc)) from None
    core.audit("job.retry", f"job {job_id}", f"new job {job.id}")
    return job
