"""The admin area: sign-in, portals, jobs with live progress, the admin API.

Blueprints (each module's ``bp``, listed in ``webui.BLUEPRINT_MODULES``):

* :mod:`.auth` — ``/admin/login``, ``/admin/logout``; installs the session
  and CSRF machinery of :mod:`.core` on the app when registered;
* :mod:`.portals` — ``/admin`` (portals table), add/edit a portal, recrawl
  one or all, reindex;
* :mod:`.jobs` — ``/admin/jobs`` (live list), ``/admin/jobs/<id>`` (log),
  cancel, retry, ``/admin/audit``;
* :mod:`.api` — ``/api/admin/*`` for scripts (Bearer token) and for the
  pages' polling (session).

The web process only queues jobs and reads their progress; the worker
(:mod:`khotin.worker`) runs them and is the only writer of the index.
"""
