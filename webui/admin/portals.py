"""``/admin``: the portals table, add/edit/remove a portal, recrawl one or all, reindex.

Every action is a POST form with the session's CSRF token; queuing a job
sends the admin to the job's page, which shows its progress live.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from crawler.sites import NAME_RE
from khotin import jobs
from khotin.errors import UserError

from .. import search_service
from . import actions, core
from .sitesform import SiteForm, parse_form, read_sites, remove_site, save_site, site_rows

bp = Blueprint("admin", __name__)


@bp.get("/admin", endpoint="index")
@core.login_required
def index():
    service = search_service()
    conn = core.conn()  # first: it creates the catalog tables on a fresh data directory
    sites, problem = read_sites(service.data)
    rows = site_rows(sites, service.catalog, conn)
    active = jobs.active_jobs(conn)
    return render_template("admin/index.html", rows=rows, sites_error=problem, active=active,
                           worker=jobs.worker_info(core.conn()), message=request.args.get("msg"))


def _find(name: str):
    if not NAME_RE.match(name):
        abort(404)
    sites, problem = read_sites(search_service().data)
    if problem:
        raise UserError(problem)
    for site in sites:
        if site.name == name:
            return site, sites
    abort(404)


def _render_form(form: SiteForm, existing, status: int = 200):
    html = render_template("admin/site_form.html", form=form, existing=existing)
    return html, status


@bp.route("/admin/sites/new", methods=["GET", "POST"], endpoint="site_new")
@core.login_required
def site_new():
    if request.method == "GET":
        return _render_form(SiteForm({"recrawl_every": "1d"}), None)
    service = search_service()
    sites, problem = read_sites(service.data)
    if problem:
        raise UserError(problem)
    site, form = parse_form(request.form, service.settings, None, {s.name for s in sites})
    if site is None:
        return _render_form(form, None, 400)
    try:
        save_site(service.data, site, new=True)
    except UserError as exc:
        form.errors["form"] = str(exc)
        return _render_form(form, None, 400)
    core.audit("site.add", site.name, ", ".join(site.start_urls))
    return redirect(url_for("admin.index", msg=f"Đã thêm cổng tin {site.name}."), code=303)


@bp.route("/admin/sites/<name>", methods=["GET", "POST"], endpoint="site_edit")
@core.login_required
def site_edit(name: str):
    existing, sites = _find(name)
    if request.method == "GET":
        return _render_form(SiteForm.of(existing), existing)
    service = search_service()
    site, form = parse_form(request.form, service.settings, existing, {s.name for s in sites})
    if site is None:
        return _render_form(form, existing, 400)
    try:
        save_site(service.data, site, new=False)
    except UserError as exc:
        form.errors["form"] = str(exc)
        return _render_form(form, existing, 400)
    core.audit("site.edit", site.name, ", ".join(site.start_urls))
    return redirect(url_for("admin.index", msg=f"Đã lưu cổng tin {site.name}."), code=303)


@bp.route("/admin/sites/<name>/delete", methods=["GET", "POST"], endpoint="site_delete")
@core.login_required
def site_delete(name: str):
    """Stop crawling a portal (after a confirmation page); what was archived stays searchable."""
    site, _sites = _find(name)
    if request.method == "GET":
        articles = search_service().catalog.count(site=site.name)
        return render_template("admin/site_delete.html", site=site, articles=articles)
    busy = next((j for j in jobs.active_jobs(core.conn()) if j.kind == "crawl" and j.site == site.name), None)
    if busy is not None:  # a "crawl all" job does not count: it reads sites.toml when it starts
        return redirect(url_for("admin.index", msg=f"Cổng tin {site.name} đang có công việc #{busy.id}: "
                                                   "hãy huỷ hoặc chờ nó xong rồi xoá."), code=303)
    remove_site(search_service().data, site.name)
    core.audit("site.remove", site.name, ", ".join(site.start_urls))
    return redirect(url_for("admin.index", msg=f"Đã xoá cổng tin {site.name} khỏi danh sách thu thập; "
                                               "các bài đã lưu vẫn tìm được."), code=303)


def _queued(kind: str, site: str | None = None):
    try:
        job = actions.queue(kind, site)
    except UserError as exc:
        return redirect(url_for("admin.index", msg=str(exc)), code=303)
    return redirect(url_for("admin_jobs.job", job_id=job.id), code=303)


@bp.post("/admin/sites/<name>/recrawl", endpoint="site_recrawl")
@core.login_required
def site_recrawl(name: str):
    if not NAME_RE.match(name):
        abort(404)
    return _queued("crawl", name)


@bp.post("/admin/recrawl", endpoint="recrawl_all")
@core.login_required
def recrawl_all():
    return _queued("crawl")


@bp.post("/admin/reindex", endpoint="reindex")
@core.login_required
def reindex():
    return _queued("reindex")
