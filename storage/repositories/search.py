"""Rediscovery search (DESIGN §7): `/refbot find` text parsed, then the index of revision 0003.

Every word must match, as a prefix ("pyth" finds Python); every quoted phrase must match as
written. Case and accents never matter. User text only ever reaches the engines as quoted
tokens of letters and digits, so no query syntax (``c++``, ``"``, ``AND``, ``*``) can raise.
Ranks compare within one engine only: -bm25 on SQLite, ts_rank on PostgreSQL.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    exists,
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
SQLITE_WINDOW = 5  # see search()
RECENT = 1_000  # a query with more matches ranks its newest ones only (see search())

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
    kept = _filters(role, tag)
    rows: list[tuple[int, float]] = []
    # A vague query ("pyth" at a million candidates: 85,000 matches) is ranked among its
    # RECENT most recent matches (ids grow with time), not all of them: ranking is what costs,
    # per match. When that leaves fewer than `limit` (filters), every match is ranked: exact,
    # as a query with fewer matches always is.
    if s.get_bind().dialect.name == "sqlite":
        floor = _sqlite_floor(s, terms, team_id, statuses, RECENT)
        if floor is not None:
            rows = _sqlite_recent(s, terms, team_id, statuses, kept, floor, limit)
            if len(rows) == limit:
                return rows
        # The best limit x 5 matches of every team, then this team's among them; if that
        # leaves too few, all matches: exact either way.
        for window in (limit * SQLITE_WINDOW, None):
            statement = _sqlite_statement(terms, team_id, statuses, window)
            found = s.execute(statement.where(*kept).limit(limit))
            rows = [(candidate_id, float(score)) for candidate_id, score in found]
            if len(rows) == limit:
                break
        return rows
    for recent in (RECENT, None):
        statement = _postgresql_statement(terms, team_id, statuses, kept, recent, limit)
        rows = [(candidate_id, float(score)) for candidate_id, score in s.execute(statement)]
        if len(rows) == limit:
            break
    return rows[:limit]


def _sqlite_floor(
    s: Session, terms: "list[Term]", team_id: str, statuses: Sequence[str] | None, recent: int
) -> int | None:
    """The rowid of the team's `recent`-th most recent match, or None when there are fewer:
    FTS5 walks its matches newest first without ranking them."""
    documents = table("search_documents", column("rowid"))
    fts = literal_column("search_documents")
    statement = (
        select(documents.c.rowid)
        .join(Candidate, Candidate.id == documents.c.rowid)
        .where(fts.op("MATCH")(_sqlite_match(terms, statuses)), Candidate.team_id == team_id)
        .order_by(documents.c.rowid.desc())
    )
    return s.scalar(statement.offset(recent - 1).limit(1))


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
                *_filters(role, tag),
            )
            .order_by(Candidate.last_activity_at.desc(), Candidate.id.desc())
            .limit(limit)
        )
    )


def _filters(role: str | None, tag: str | None) -> list[ColumnElement[bool]]:
    """`role:` and `tag:` as conditions on candidates: words in a referral's role title, in
    the tags; case never matters (LIKE escapes the user's % and _)."""
    kept: list[ColumnElement[bool]] = []
    if tag:
        kept.append(func.lower(Candidate.tags).contains(tag.lower(), autoescape=True))
    if role:
        kept.append(
            exists(
                select(Referral.id)
                .join(Role, Role.id == Referral.role_id)
                .where(
                    Referral.candidate_id == Candidate.id,
                    func.lower(Role.title).contains(role.lower(), autoescape=True),
                )
            )
        )
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


def _sqlite_recent(
    s: Session,
    terms: "list[Term]",
    team_id: str,
    statuses: Sequence[str] | None,
    kept: Sequence[ColumnElement[bool]],
    floor: int,
    limit: int,
) -> list[tuple[int, float]]:
    """The newest RECENT matches ranked here, by the bm25 column weights: FTS5's bm25 reads
    every match's document frequencies first, which costs as much as ranking them all."""
    documents = table("search_documents", column("rowid"))
    fts = literal_column("search_documents")
    ids = list(
        s.scalars(
            select(documents.c.rowid).where(
                fts.op("MATCH")(_sqlite_match(terms, statuses)), documents.c.rowid >= floor
            )
        )
    )
    found = s.execute(
        select(
            Candidate.id,
            Candidate.name,
            Candidate.email,
            Candidate.company,
            Candidate.headline,
            Candidate.tags,
        ).where(Candidate.id.in_(ids), Candidate.team_id == team_id, *kept)
    ).all()
    wanted = [(tuple(_fold(t) for t in tokens), prefix) for tokens, prefix in terms]
    ranked = sorted(
        ((row[0], _score(row[1:], wanted)) for row in found), key=lambda pair: (-pair[1], pair[0])
    )
    return ranked[:limit]


def _fold(text: str) -> str:
    """Case and accents folded, as FTS5's unicode61 tokenizer with remove_diacritics 2 does."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


_WORDS = re.compile(r"[^\W_]+")  # close enough to _tokens() for ranking, and fast


def _score(texts: Sequence[str | None], wanted: list[tuple[tuple[str, ...], bool]]) -> float:
    """Each term's occurrences, weighted by the column (BM25_WEIGHTS); a term found in none of
    these columns matched in the notes."""
    folded = [_fold(text) if text else "" for text in texts]
    columns: list[list[str] | None] = [None] * len(folded)
    score = 0.0
    for tokens, prefix in wanted:
        found = 0.0
        for c, (weight, value) in enumerate(zip(BM25_WEIGHTS, folded, strict=False)):
            if tokens[0] not in value:
                continue  # most columns hold none of the words: no need to split them
            if columns[c] is None:
                columns[c] = _WORDS.findall(value)
            words = columns[c] or []
            n = len(tokens)
            for i in range(len(words) - n + 1):
                head, last = words[i : i + n - 1], words[i + n - 1]
                if list(head) == list(tokens[:-1]) and (
                    last.startswith(tokens[-1]) if prefix else last == tokens[-1]
                ):
                    found += weight
        score += found or BM25_WEIGHTS[5]  # the notes' weight
    return score


def _sqlite_match(terms: list[Term], statuses: Sequence[str] | None) -> str:
    words = " AND ".join(_fts5_string(" ".join(t)) + ("*" if prefix else "") for t, prefix in terms)
    match = f"{SEARCHED_COLUMNS} : ({words})"
    if statuses is not None:
        match += " AND status : (" + " OR ".join(map(_fts5_string, statuses)) + ")"
    return match


def _sqlite_statement(
    terms: list[Term], team_id: str, statuses: Sequence[str] | None, window: int | None
) -> Select[tuple[int, float]]:
    match = _sqlite_match(terms, statuses)
    documents = table("search_documents", column("rowid"))
    fts = literal_column("search_documents")  # FTS5 names the table itself in MATCH and bm25
    bm25: ColumnElement[float] = func.bm25(fts, *BM25_WEIGHTS)  # negative: lower is better
    # The best `window` matches of every team first: joining each match to its candidate
    # doubled the time of a common word ("pyth": 9k matches at 100k candidates).
    score = (-bm25).label("score")  # not "rank": FTS5 tables have a hidden column of that name
    ranked = (
        select(documents.c.rowid.label("id"), score)
        .where(fts.op("MATCH")(match))
        .order_by(score.desc(), documents.c.rowid)
        .limit(window)
        .subquery()
    )
    return (
        select(ranked.c.id, ranked.c.score)
        .join(Candidate, Candidate.id == ranked.c.id)
        .where(Candidate.team_id == team_id)
        .order_by(ranked.c.score.desc(), ranked.c.id)
    )


def _fts5_string(text: str) -> str:
    # In double quotes, text is never an FTS5 operator; tokens hold no quote, but escape anyway.
    return '"' + text.replace('"', '""') + '"'


def _postgresql_statement(
    terms: list[Term],
    team_id: str,
    statuses: Sequence[str] | None,
    kept: Sequence[ColumnElement[bool]] = (),
    recent: int | None = None,
    limit: int = 10,
) -> Select[tuple[int, float]]:
    """The team's matches ranked by ts_rank; with `recent`, its `recent` newest matches only,
    walked newest first in the (team_id, candidate_id) index of revision 0011 and ranked
    then (ts_rank needs no statistics of the other matches: the same score either way)."""
    tsquery = " & ".join(_tsquery_term(tokens, prefix) for tokens, prefix in terms)
    documents = table(
        "search_documents",
        column("candidate_id"),
        column("team_id"),
        column("status"),
        column("document"),
    )
    # In FROM, so that to_tsquery runs once, not once per row that ts_rank scores.
    query = func.to_tsquery(literal_column("'search_simple'"), tsquery).alias("query")
    matching = (
        select(documents.c.candidate_id, documents.c.document)
        .select_from(documents)
        .join(query, true())
        .where(documents.c.team_id == team_id, documents.c.document.op("@@")(query.column))
    )
    if statuses is not None:
        matching = matching.where(documents.c.status.in_(statuses))
    if kept:  # only then the join: a plain search needs none (see revision 0003)
        matching = matching.join(Candidate, Candidate.id == documents.c.candidate_id).where(*kept)
    if recent is not None:
        matching = matching.order_by(documents.c.candidate_id.desc()).limit(recent)
    found = matching.subquery("found")
    outer = func.to_tsquery(literal_column("'search_simple'"), tsquery).alias("outer_query")
    score = func.ts_rank(found.c.document, outer.column).label("score")
    return (
        select(found.c.candidate_id, score)
        .select_from(found)
        .join(outer, true())
        .order_by(score.desc(), found.c.candidate_id)
        .limit(limit)
    )


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
