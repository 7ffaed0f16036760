"""The declared shape of every JSON body and query string the web API takes.

One strict model per endpoint: a JSON object, known fields only, exact types (no bool
or float for an integer, no list for a text), enums checked and integers bounded. The
request guard (`workbench.web.security`) validates against these before any view runs,
and `/openapi.json` is generated from the same models, so the description cannot drift
from what is enforced.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

# Ids and versions: SQLite stores 64-bit integers and JavaScript reads 53 bits exactly.
MAX_INTEGER = 2**53 - 1
MAX_TEXT = 100_000

Version = Annotated[int, Field(ge=0, le=MAX_INTEGER,
                               description="The document version the page shows; a stale one "
                                           "is answered 409.")]
Side = Literal["source", "target"]
Direction = Literal["up", "down"]
Status = Literal["auto", "confirmed", "edited", "excluded"]
LinkId = Annotated[int, Field(ge=0, le=MAX_INTEGER)]
Term = Annotated[str, Field(max_length=1_000)]


class Body(BaseModel):
    """A JSON object body: unknown fields and loose types are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class EditBody(Body):
    """Every editor operation: the version it was made on and who made it."""

    version: Version | None = None
    user: Annotated[str, Field(max_length=200)] | None = None


class CorrectionBody(EditBody):
    """An edit that corrects the alignment (merge, split, shift, empty counterpart, text,
    sentence split or join)."""

    realign: bool = Field(False, description=(
        "Then re-align the automatic rows around the corrected rows, up to the nearest "
        "reviewed ones, as part of the same undo step; `realigned` in the answer lists the "
        "rows it created. The editor page sends true unless the translator turned it off."))


class ConfirmAboveBody(EditBody):
    threshold: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False, description=(
        "Every automatic row scoring at least this is confirmed, as one undo step."))]


class StatusBody(EditBody):
    status: Status = "confirmed"


class RangeStatusBody(EditBody):
    """Rows from one link to another (either order) all get one status, as one step."""

    first: LinkId
    last: LinkId
    status: Status = "excluded"


class UndoBody(EditBody):
    seq: Annotated[int, Field(
        ge=0, le=MAX_INTEGER, description="A change of the history to undo or redo, whoever "
                                          "made it; without it, your own latest.")] | None = None


class AcceptBody(Body):
    """Accepting a rendering in the consistency report: who accepts it (login off)."""

    user: Annotated[str, Field(max_length=200)] | None = None


class MergeBody(CorrectionBody):
    direction: Direction = "down"


class ShiftBody(CorrectionBody):
    side: Side
    direction: Direction


class InsertEmptyBody(CorrectionBody):
    side: Side


class TextBody(CorrectionBody):
    text: Annotated[str, Field(max_length=MAX_TEXT)]
    base: Annotated[str, Field(max_length=MAX_TEXT, description=(
        "The text the translator started from: on a conflict, the 409 shows theirs, yours "
        "and this."))] | None = None


class SplitSentenceBody(CorrectionBody):
    offset: Annotated[int, Field(ge=0, le=MAX_INTEGER,
                                 description="Where the first sentence ends, in characters.")]


class GlossaryEntryBody(Body):
    source_term: Term
    target_term: Term
    note: Annotated[str, Field(max_length=10_000)] | None = None


class EmptyBody(Body):
    """No field: the URL says everything."""


class LoginBody(Body):
    """`/login.json` on a team server (workbench.web.auth)."""

    name: Annotated[str, Field(max_length=200)]
    password: Annotated[str, Field(max_length=4_096)]


# --- query strings ----------------------------------------------------------------------


def _decimal(value: Any) -> Any:
    """French-typed decimals (`0,5`) are numbers too; an empty field is no value."""
    if isinstance(value, str):
        value = value.replace(",", ".").strip()
        return value or None
    return value


Flag = Annotated[str, Field(max_length=10, description="1, true, yes or on turn it on")]
Language = Annotated[str, Field(max_length=35, description="a language code such as fr-CA")]
Score = Annotated[Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None,
                  BeforeValidator(_decimal)]


class Query(BaseModel):
    """A query string: values arrive as text and are converted; other parameters are ignored."""

    model_config = ConfigDict(extra="ignore")


class LookupQuery(Query):
    q: Annotated[str, Field(max_length=2_000, description="the term to look up")] = ""
    lang: Language | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 50
    confirmed: Flag | None = None
    document: Annotated[str, Field(max_length=1_000)] | None = None
    variant: Annotated[str, Field(max_length=1_000)] | None = None


class ConsistencyQuery(Query):
    confirmed: Flag | None = None
    document: Annotated[str, Field(max_length=1_000)] | None = None


class ExportQuery(Query):
    confirmed_only: Flag | None = None
    min_score: Score = None
    source_lang: Language | None = None
    target_lang: Language | None = None


class GlossaryPageQuery(Query):
    """The outcome of the last form, shown (escaped) above the glossary."""

    error: str | None = None
    message: str | None = None


# --- which endpoint takes what -----------------------------------------------------------

BODIES: dict[str, type[Body]] = {
    "review.set_status": StatusBody,
    "review.confirm_through": EditBody,
    "review.merge": MergeBody,
    "review.split": CorrectionBody,
    "review.shift": ShiftBody,
    "review.insert_empty": InsertEmptyBody,
    "review.edit_text": TextBody,
    "review.split_sentence": SplitSentenceBody,
    "review.join_sentences": CorrectionBody,
    "review.confirm_above": ConfirmAboveBody,
    "review.set_status_range": RangeStatusBody,
    "review.undo": UndoBody,
    "review.redo": UndoBody,
    "review.realign": EditBody,
    "review.finish": EditBody,
    "review.reopen": EditBody,
    "terms.glossary_add": GlossaryEntryBody,
    "terms.glossary_add_json": GlossaryEntryBody,
    "terms.consistency_accept": AcceptBody,
    "terms.consistency_accept_json": AcceptBody,
    "terms.consistency_withdraw": EmptyBody,
    "terms.consistency_withdraw_json": EmptyBody,
    "terms.glossary_edit": GlossaryEntryBody,
    "terms.glossary_delete": EmptyBody,
    "auth.login": LoginBody,
    "auth.login_json": LoginBody,
    "auth.logout": EmptyBody,
}

QUERIES: dict[str, type[Query]] = {
    "terms.lookup_page": LookupQuery,
    "terms.lookup_json": LookupQuery,
    "terms.consistency_page": ConsistencyQuery,
    "terms.consistency_json": ConsistencyQuery,
    "terms.glossary_page": GlossaryPageQuery,
    "exports.document_export": ExportQuery,
    "exports.corpus_export": ExportQuery,
}

# Any other form route (an upload, the compilation re-split) refuses a JSON body with a 415:
# only a route declared above reads one.

# Endpoints answering JSON to a multipart form (file uploads): they take a form and its
# CSRF token, not a JSON body.
UPLOADS: frozenset[str] = frozenset({"imports.upload_post_json", "imports.resplit_json"})


class InvalidInput(ValueError):
    """A body or query string that does not fit its declared schema; says what is wrong."""


MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number such as 0.5",
    "float_parsing": "must be a number such as 0.5",
    "finite_number": "must be a finite number",
    "string_type": "must be a text",
}


def _describe(error: ValidationError) -> str:
    """One sentence per problem, naming the field: `direction must be 'up' or 'down'`."""
    parts = []
    for problem in error.errors(include_url=False):
        where = ".".join(str(p) for p in problem["loc"]) or "the body"
        message = MESSAGES.get(problem["type"]) or problem["msg"].replace(
            "Input should be", "must be").replace("String should", "must")
        parts.append(f"{where} {message}")
    return "; ".join(parts)


def validate_body(model: type[Body], body: Any) -> dict:
    """The body as a dict of its declared fields (defaults filled), or InvalidInput."""
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    try:
        return model.model_validate(body).model_dump()
    except ValidationError as error:
        raise InvalidInput(_describe(error)) from None


def validate_query(model: type[Query], args: dict[str, str]) -> dict:
    try:
        return model.model_validate(args).model_dump()
    except ValidationError as error:
        raise InvalidInput(_describe(error)) from None
