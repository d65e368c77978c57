"""Rediscovery search (DESIGN §7): `/refbot find` text parsed, then the index of revision 0003.

Every word must match, as a prefix ("pyth" finds Python); every quoted phrase must match as
written. Case and accents never matter. User text only ever reaches the engines as quoted
tokens of letters and digits, so no query syntax (``c++``, ``"``, ``AND``, ``*``) can raise.
Ranks compare within one engine only: bm25's column weights on SQLite, ts_rank on PostgreSQL.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    column,
    exists,
    false,
    func,
    literal_column,
    select,
    table,
    text,
    true,
)
from sqlalchemy.orm import Session

from storage.models import Candidate, Referral, Role

FILTER_KEYS = frozenset({"status", "role", "tag"})
MAX_TERMS = 16  # words and phrases together; a longer query is cut, not refused
MAX_TOKEN_LENGTH = 64  # longer "words" (a pasted hash) are dropped: nobody searches for them
MAX_TERM_TOKENS = 32  # a phrase pasted from a CV is cut there
MIN_PREFIX_LENGTH = 2  # "c" as a prefix would match half the index; it is matched whole
RECENT = 300  # a query with more matches ranks its newest ones only (see search())

# bm25 weights per FTS5 column (name, email, company, headline, tags, notes, status): a name
# match ranks above a company above a headline above a note. PostgreSQL's setweight A..D mirror
# them. The status only filters; the user's words never reach it.
BM25_WEIGHTS = (10.0, 5.0, 5.0, 2.0, 2.0, 1.0, 0.0)
SEARCHED_COLUMNS = "{name email company headline tags notes}"

# key:"quoted value", key:value, "phrase" (unterminated: to the end), or a bare word.
_PIECE = re.compile(
    r'(?P<key>[A-Za-z]+):"(?P<quoted>[^"]*)"?'
    r'|"(?P<phrase>[^"]*)"?'
    r"|(?P<word>[^\s\"]+)"
)
_FILTER = re.compile(r"(?P<key>[A-Za-z]+):(?P<value>.+)", re.DOTALL)


@dataclass(frozen=True)
class SearchQuery:
    """What to find: every word (as a prefix) and every phrase (exactly) must match."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()


def parse_query(text: str) -> tuple[SearchQuery, dict[str, str]]:
    """Split `/refbot find` text into words, "quoted phrases" and key:value filters.

    Filters are ``status:``, ``role:`` and ``tag:`` (``role:"data engineer"`` for several
    words; the last of a key wins); any other ``x:y`` is searched as a word.
    """
    words: list[str] = []
    phrases: list[str] = []
    filters: dict[str, str] = {}
    for piece in _PIECE.finditer(unicodedata.normalize("NFC", text)):
        if (key := piece["key"]) is not None:
            value = piece["quoted"].strip()
            if key.lower() in FILTER_KEYS and value:
                filters[key.lower()] = value
            else:
                words.append(key)
                phrases.append(value)
        elif piece["phrase"] is not None:
            phrases.append(piece["phrase"])
        elif (found := _FILTER.fullmatch(piece["word"])) and found["key"].lower() in FILTER_KEYS:
            filters[found["key"].lower()] = found["value"]
        else:
            words.append(piece["word"])
    # Phrases of no letters or digits ("", " ") would only be dropped by search() later.
    phrases = [p for p in phrases if _tokens(p)]
    return SearchQuery(words=tuple(words), phrases=tuple(phrases)), filters


def search(
    s: Session,
    team_id: str,
    query: SearchQuery,
    *,
    statuses: Sequence[str] | None = None,
    role: str | None = None,
    tag: str | None = None,
    limit: int = 10,
) -> list[tuple[int, float]]:
    """(candidate id, rank) of the team's best matches, best first (rank: higher is better).
    `role` and `tag` (the `role:` and `tag:` filters) keep candidates referred to a role whose
    title holds those words, and whose tags hold these: in SQL, so `limit` counts what is
    shown."""
    terms = _terms(query)
    if not terms or limit <= 0 or (statuses is not None and not statuses):
        return []
    if statuses is not None:
        statuses = [str(status) for status in statuses]  # a StrEnum's value, on every driver
    kept = _filters(s, team_id, role, tag)
    walk = _sqlite_newest
    if s.get_bind().dialect.name == "postgresql":
        walk = _postgresql_newest
        # psycopg prepares a statement run five times on a connection, and PostgreSQL may then
        # plan it once for every query: the walk newest first that suits "python" costs
        # seconds for a rare name. Plan each search for its own words (this transaction).
        if s.connection().get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            raise ValueError("search plans in one transaction: sessions.read_transaction()")
        s.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    # A vague query ("python" at a million candidates: 85,000 matches) is ranked among its
    # RECENT newest matches (ids grow with time), not all of them: ranking is what costs, per
    # match. Its words are taken whole first: when that alone makes it vague, reading them as
    # prefixes would only add older matches of longer words, at a cost (PostgreSQL's index
    # merges every word "python…" before it can skip any). role: and tag: keep those of the
    # newest matches they fit; only when none does, every match they fit is walked for.
    whole = [(tokens, False) for tokens, _ in terms]
    for words in [whole, terms] if whole != terms else [terms]:
        newest = walk(s, words, team_id, statuses, ())
        vague = len(newest) == RECENT
        if not vague and words is not terms:
            continue
        if kept:
            newest = _kept(s, newest, kept)
            if vague and not newest:
                newest = walk(s, words, team_id, statuses, kept)
        return sorted(newest, key=lambda pair: (-pair[1], pair[0]))[:limit]
    raise AssertionError("unreachable: the last words are the terms")


Ranked = list[tuple[int, float]]  # (candidate id, rank: higher is better)


def _kept(s: Session, ranked: Ranked, kept: Sequence[ColumnElement[bool]]) -> Ranked:
    """Those of `ranked` the filters keep (one query)."""
    found = select(Candidate.id).where(Candidate.id.in_([i for i, _ in ranked]), *kept)
    ids = set(s.scalars(found))
    return [pair for pair in ranked if pair[0] in ids]


def listed(
    s: Session,
    team_id: str,
    statuses: Sequence[str],
    *,
    role: str | None = None,
    tag: str | None = None,
    limit: int,
) -> list[int]:
    """Ids of the team's candidates in these statuses kept by the filters, most recently
    active first (a filter alone, `/refbot find status:snoozed tag:rust`, is a list)."""
    return list(
        s.scalars(
            select(Candidate.id)
            .where(
                Candidate.team_id == team_id,
                Candidate.status.in_([str(status) for status in statuses]),
                *_filters(s, team_id, role, tag),
            )
            .order_by(Candidate.last_activity_at.desc(), Candidate.id.desc())
            .limit(limit)
        )
    )


def _filters(
    s: Session, team_id: str, role: str | None, tag: str | None
) -> list[ColumnElement[bool]]:
    """`role:` and `tag:` as conditions on candidates: words in a referral's role title (the
    team's few roles are read first), in the tags; case never matters (LIKE escapes the
    user's % and _)."""
    kept: list[ColumnElement[bool]] = []
    if tag:
        kept.append(func.lower(Candidate.tags).contains(tag.lower(), autoescape=True))
    if role:
        titled = list(
            s.scalars(
                select(Role.id).where(
                    Role.team_id == team_id,
                    func.lower(Role.title).contains(role.lower(), autoescape=True),
                )
            )
        )
        # Referred to one of them: one lookup a candidate (a role may hold tens of thousands,
        # and a search checks hundreds of candidates).
        referred = select(Referral.id).where(
            Referral.candidate_id == Candidate.id, Referral.role_id.in_(titled)
        )
        kept.append(exists(referred) if titled else false())
    return kept


# A term: its tokens (a phrase when several), and whether the last one is a prefix.
Term = tuple[tuple[str, ...], bool]


def _terms(query: SearchQuery) -> list[Term]:
    terms: list[Term] = []
    for word in query.words:
        if tokens := _tokens(word)[:MAX_TERM_TOKENS]:
            terms.append((tokens, len(tokens[-1]) >= MIN_PREFIX_LENGTH))
    for phrase in query.phrases:
        if tokens := _tokens(phrase)[:MAX_TERM_TOKENS]:
            terms.append((tokens, False))
    return terms[:MAX_TERMS]


def _tokens(text: str) -> tuple[str, ...]:
    """Runs of letters, marks, digits and symbols like emoji, as both engines' tokenizers see
    them closely enough: punctuation and spaces separate (``node.js`` is node, js)."""
    text = unicodedata.normalize("NFC", text)
    runs = "".join(ch if _is_token_char(ch) else " " for ch in text).split()
    return tuple(run for run in runs if len(run) <= MAX_TOKEN_LENGTH)


def _is_token_char(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] in "LMN" or category in ("So", "Co")


def _sqlite_newest(
    s: Session,
    terms: "list[Term]",
    team_id: str,
    statuses: Sequence[str] | None,
    kept: Sequence[ColumnElement[bool]],
) -> Ranked:
    """The team's RECENT newest matches kept by the filters, in one walk of the index newest
    first (FTS5 walks a term's matches in rowid order without reading the others), ranked
    here by the bm25 column weights: FTS5's own bm25 reads every match's statistics first,
    at a million candidates as costly as ranking them all."""
    documents = table("search_documents", column("rowid"))
    fts = literal_column("search_documents")
    found = s.execute(
        select(
            Candidate.id,
            Candidate.name,
            Candidate.email,
            Candidate.company,
            Candidate.headline,
            Candidate.tags,
        )
        .select_from(documents)
        .join(Candidate, Candidate.id == documents.c.rowid)
        .where(fts.op("MATCH")(_sqlite_match(terms, statuses)), Candidate.team_id == team_id)
        .where(*kept)
        .order_by(documents.c.rowid.desc())
        .limit(RECENT)
    ).all()
    wanted = _wanted(terms)
    return [(row[0], _score(row[1:], wanted)) for row in found]


def _fold(text: str) -> str:
    """Case and accents folded, as FTS5's unicode61 tokenizer with remove_diacritics 2 does."""
    return text.lower() if text.isascii() else text.translate(_FOLDED)


def _fold_character(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _Folded(dict[int, str]):
    """Each character's fold, computed the first time str.translate meets it: a character
    folds alone (its marks are dropped, never reordered into a neighbour), and the table
    makes ranking a thousand accented names ten times cheaper than normalizing each."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold_character(chr(code))
        return folded


_FOLDED = _Folded()


def _pattern(tokens: tuple[str, ...], prefix: bool) -> re.Pattern[str]:
    """A folded term as its words in a folded text: each at a word's start, one after another
    (anything not a letter or digit between them), the last one whole unless a prefix."""
    words = r"[\W_]+".join(map(re.escape, tokens))
    return re.compile(r"(?<![^\W_])" + words + ("" if prefix else r"(?![^\W_])"))


Wanted = list[tuple[str, re.Pattern[str]]]  # each term's first word, and its pattern


def _wanted(terms: "list[Term]") -> Wanted:
    folded = [(tuple(_fold(t) for t in tokens), prefix) for tokens, prefix in terms]
    return [(tokens[0], _pattern(tokens, prefix)) for tokens, prefix in folded]


def _score(texts: Sequence[str | None], wanted: Wanted) -> float:
    """Each term's occurrences, weighted by the column (BM25_WEIGHTS); a term found in none of
    these columns matched in the notes."""
    folded = [_fold(text) if text else "" for text in texts]
    score = 0.0
    for first, pattern in wanted:
        found = 0.0
        for weight, value in zip(BM25_WEIGHTS, folded, strict=False):
            if first in value:  # most columns hold none of the words: no need to search them
                found += weight * len(pattern.findall(value))
        score += found or BM25_WEIGHTS[5]  # the notes' weight
    return score


def _sqlite_match(terms: list[Term], statuses: Sequence[str] | None) -> str:
    words = " AND ".join(_fts5_string(" ".join(t)) + ("*" if prefix else "") for t, prefix in terms)
    match = f"{SEARCHED_COLUMNS} : ({words})"
    if statuses is not None:
        match += " AND status : (" + " OR ".join(map(_fts5_string, statuses)) + ")"
    return match


def _fts5_string(text: str) -> str:
    # In double quotes, text is never an FTS5 operator; tokens hold no quote, but escape anyway.
    return '"' + text.replace('"', '""') + '"'


def _postgresql_newest(
    s: Session,
    terms: list[Term],
    team_id: str,
    statuses: Sequence[str] | None,
    kept: Sequence[ColumnElement[bool]],
) -> Ranked:
    """The team's RECENT newest matches kept by the filters, ranked by ts_rank (it needs no
    statistics of the other matches).

    Two ways find them: walking the team's documents newest first (the index of revision
    0011) until RECENT match, or reading every match the GIN index finds and keeping the
    newest. The first costs RECENT / share rows, the second share x documents: PostgreSQL
    guesses the share from statistics that a phrase ("engineering manager": 6% guessed as
    0.8%) or two words together fool by an order of magnitude, and a wrong guess costs a
    quarter of a second at a million candidates. So the newest SAMPLE documents are walked
    first: their matches are the newest ones, and how many there are says which way is
    cheaper for the rest."""
    tsquery = " & ".join(_tsquery_term(tokens, prefix) for tokens, prefix in terms)
    documents = table(
        "search_documents",
        column("candidate_id"),
        column("team_id"),
        column("status"),
        column("document"),
    )
    ours = [documents.c.team_id == team_id]
    if statuses is not None:
        ours.append(documents.c.status.in_(statuses))
    # The order of the (team_id, candidate_id) index: a walk of this team's rows only (the
    # primary key's would step over every newer row of the other teams).
    walked = [documents.c.team_id.desc(), documents.c.candidate_id.desc()]
    # The newest SAMPLE documents; in a subquery with its LIMIT, the words cannot be pushed
    # into it: PostgreSQL reads these rows and no others.
    sample = select(documents).where(*ours).order_by(*walked).limit(SAMPLE).subquery("sample")
    newest = _postgresql_ranked(
        s, sample, [], tsquery, kept, RECENT, [sample.c.candidate_id.desc()]
    )
    if len(newest) == RECENT:
        return newest
    floor = s.scalar(
        select(documents.c.candidate_id).where(*ours).order_by(*walked).offset(SAMPLE - 1).limit(1)
    )
    if floor is None:  # the sample was every document
        return newest
    share = len(newest) / SAMPLE
    held = s.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'search_documents'"))
    left = RECENT - len(newest)
    older = [*ours, documents.c.candidate_id < floor]
    if share * share * float(held or 0) > WALK_ROW_COST * left:
        # Walk on: no bitmap scan, no sequential scan, for this statement only (an error rolls
        # the transaction back, these settings too).
        s.execute(_WALK_ONLY, {"walk": "off"})
        rest = _postgresql_ranked(s, documents, older, tsquery, kept, left, walked)
        s.execute(_WALK_ONLY, {"walk": "on"})
    else:  # candidate_id + 0 is no column of an index: the planner cannot walk one that way
        by_id = [(documents.c.candidate_id + 0).desc()]
        rest = _postgresql_ranked(s, documents, older, tsquery, kept, left, by_id)
    return newest + rest


SAMPLE = 4_000  # documents walked first, newest first (see _postgresql_newest)
# A row walked costs about a twentieth of a match read through the GIN index (at a million
# candidates: 0.35 µs against 4 to 7 µs, the heap visit of each match, in the order of the
# table for the first, all over it for the second): walking on pays from a share of 0.5%.
WALK_ROW_COST = 0.05
_WALK_ONLY = text(
    "SELECT set_config('enable_bitmapscan', :walk, true), set_config('enable_seqscan', :walk, true)"
)


def _postgresql_ranked(
    s: Session,
    rows: FromClause,
    where: Sequence[ColumnElement[bool]],
    tsquery: str,
    kept: Sequence[ColumnElement[bool]],
    limit: int,
    order: Sequence[ColumnElement[Any]],
) -> Ranked:
    """The first `limit` of `rows` in this `order` matching `tsquery`, ranked by ts_rank."""
    # In FROM, so that to_tsquery runs once, not once per row that ts_rank scores.
    query = func.to_tsquery(literal_column("'search_simple'"), tsquery).alias("query")
    matching = (
        select(rows.c.candidate_id, rows.c.document)
        .select_from(rows)
        .join(query, true())
        .where(*where, rows.c.document.op("@@")(query.column))
    )
    if kept:  # only then the join: a plain search needs none (see revision 0003)
        matching = matching.join(Candidate, Candidate.id == rows.c.candidate_id).where(*kept)
    found = matching.order_by(*order).limit(limit).subquery("found")
    outer = func.to_tsquery(literal_column("'search_simple'"), tsquery).alias("outer_query")
    score = func.ts_rank(found.c.document, outer.column)
    ranked = select(found.c.candidate_id, score).select_from(found).join(outer, true())
    return [(candidate_id, float(rank)) for candidate_id, rank in s.execute(ranked)]


def _tsquery_term(tokens: tuple[str, ...], prefix: bool) -> str:
    # Quoted lexemes are never operators; tokens hold no quote or backslash, but escape anyway.
    lexemes = ["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in tokens]
    if prefix:
        lexemes[-1] += ":*"
    return "(" + " <-> ".join(lexemes) + ")"


def forget_erased_terms(s: Session) -> None:
    """After erasing someone: SQLite's FTS5 keeps old terms until its segments merge, so merge
    now (secure-delete needs SQLite 3.42). PostgreSQL rewrites the row; vacuum reclaims it."""
    if s.get_bind().dialect.name == "sqlite":
        s.execute(text("INSERT INTO search_documents(search_documents) VALUES('optimize')"))
