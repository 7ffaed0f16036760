"""The `import_jobs` table: one row per import run in the background, and its progress.

Store code: the only module that writes this table. A job is `queued`, then `running`,
then `done` or `failed`; a job left unfinished by a stopped server becomes `interrupted`
when the next one starts, so nothing disappears silently.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlite_utils

from workbench.store.clock import now

QUEUED, RUNNING, DONE, FAILED, INTERRUPTED = "queued", "running", "done", "failed", "interrupted"
UNFINISHED = (QUEUED, RUNNING)
TABLE = "import_jobs"


def create_table(db: sqlite_utils.Database) -> None:
    db[TABLE].create(
        {
            "id": str, "kind": str, "name": str, "state": str, "stage": str,
            "progress": float, "params": str, "result": str, "error": str, "status": int,
            "remedy": str, "owner": str, "created": str, "started": str, "finished": str,
        },
        pk="id", not_null={"kind", "state", "created"}, defaults={"state": QUEUED},
    )
    db[TABLE].create_index(["state"])
    db[TABLE].create_index(["created"])


def create_job(db: sqlite_utils.Database, kind: str, name: str, params: dict[str, Any],
               owner: str, started_by: str | None = None) -> str:
    """Record a queued job; return its id (random, so job URLs cannot be guessed).

    `owner` is the server process running it (host:pid); `started_by` the person."""
    job_id = uuid.uuid4().hex
    with db.atomic():
        db[TABLE].insert({
            "id": job_id, "kind": kind, "name": name, "state": QUEUED, "stage": "waiting",
            "progress": 0.0, "params": json.dumps(params), "owner": owner, "created": now(),
            "started_by": (started_by or "").strip()[:200] or None,
        })
    return job_id


def start_job(db: sqlite_utils.Database, job_id: str) -> None:
    _update(db, job_id, state=RUNNING, stage="reading the files", progress=0.02,
            started=now())


def report_progress(db: sqlite_utils.Database, job_id: str, stage: str, progress: float) -> None:
    _update(db, job_id, stage=stage, progress=max(0.0, min(progress, 1.0)))


def finish_job(db: sqlite_utils.Database, job_id: str, result: dict[str, Any]) -> None:
    _update(db, job_id, state=DONE, stage="done", progress=1.0, result=json.dumps(result),
            finished=now())


def fail_job(db: sqlite_utils.Database, job_id: str, error: str, status: int,
             remedy: str | None = None) -> None:
    _update(db, job_id, state=FAILED, stage="refused", error=error, status=status,
            remedy=remedy, finished=now())


def get_job(db: sqlite_utils.Database, job_id: str) -> dict[str, Any] | None:
    rows = list(db[TABLE].rows_where("id = ?", [job_id]))
    return _decoded(rows[0]) if rows else None


def recent_jobs(db: sqlite_utils.Database, limit: int = 20) -> list[dict[str, Any]]:
    return [_decoded(row) for row in db[TABLE].rows_where(order_by="created desc, rowid desc",
                                                           limit=limit)]


def unfinished_jobs(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return [_decoded(row) for row in db[TABLE].rows_where(
        "state in (?, ?)", list(UNFINISHED))]


def mark_interrupted(db: sqlite_utils.Database, job_ids: list[str]) -> None:
    """Jobs whose server stopped before they ended: nothing of them was saved (an import
    writes in one transaction), and the translator is told to start them again."""
    with db.atomic():
        for job_id in job_ids:
            db[TABLE].update(job_id, {
                "state": INTERRUPTED, "stage": "interrupted", "finished": now(), "status": 503,
                "error": "the server stopped before this import ended; nothing of it was "
                         "saved: import the files again",
            })


def _update(db: sqlite_utils.Database, job_id: str, **values: Any) -> None:
    with db.atomic():
        db[TABLE].update(job_id, values)


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["params"] = json.loads(row["params"]) if row.get("params") else {}
    row["result"] = json.loads(row["result"]) if row.get("result") else None
    return row
