"""Killing the server and `workbench align` with SIGKILL at random points loses nothing.

Issue 12, how it is checked: while clients edit, the server and `workbench align` are
killed (kill -9) at random moments and the server restarted. Afterwards the database passes
`PRAGMA integrity_check`, every edit the server acknowledged is recorded exactly once on
the row it named, and every document (imported, re-aligned or edited) still has each
sentence in exactly one link: nothing is half-written.
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from bench.load import (
    Tally,
    align_command,
    build_database,
    edit_client,
    free_port,
    start_server,
    verify,
    write_corpus,
)

KILLS = 3


def kill(process) -> None:
    if process.poll() is None:
        process.kill()  # SIGKILL: no cleanup, no rollback, no atexit
    process.wait()


@pytest.mark.slow
def test_sigkill_of_the_server_and_of_align_keeps_every_acknowledged_edit(tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    db_path = tmp_path / "crash.db"
    build_database(db_path, documents=2, links=60)
    port = free_port()
    server = start_server(db_path, port)
    tally, stop = Tally(), threading.Event()
    clients = [threading.Thread(target=edit_client, args=(
        port, client, f"doc-{client % 2}", 100_000, tally, stop, seed + client))
        for client in range(2)]
    for thread in clients:
        thread.start()
    aligns = 0
    try:
        for round_number in range(KILLS):
            write_corpus(tmp_path / "corpus", round_number)
            align = align_command(db_path, tmp_path / "corpus")
            time.sleep(rng.uniform(0.2, 1.5))
            kill(align)
            aligns += 1
            time.sleep(rng.uniform(0.0, 0.5))
            kill(server)
            server = start_server(db_path, port)
            time.sleep(0.5)
        write_corpus(tmp_path / "corpus", KILLS)
        finished = align_command(db_path, tmp_path / "corpus")
        output = finished.communicate(timeout=300)[0].decode(errors="replace")
        assert finished.returncode == 0, output
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=60)
        kill(server)
    verdict = verify(db_path, tally.acknowledged)
    context = f"seed {seed}, {len(tally.acknowledged)} acknowledged, {aligns} aligns killed"
    assert tally.acknowledged, context
    assert verdict.integrity == "ok", context
    assert verdict.lost == [], context
    assert verdict.duplicated == [], context
    assert verdict.misdirected == [], context
    assert verdict.unsound_documents == [], context
    assert tally.server_errors == 0, (context, tally.notes[:3])
