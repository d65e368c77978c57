"""The rediscovery search index (DESIGN §7), kept in sync by triggers on both engines.

One document per candidate: name, email, company, headline, tags, every note body and every
referral note. Triggers on candidates, notes and referrals rewrite it, so no code path can
forget to; ``storage.repositories.search`` queries it. Every object is named ``search_…`` and
stays out of the models' metadata (Alembic's comparison is told to skip ``search_`` tables).

SQLite: ``search_documents``, an FTS5 table (rowid = candidate id, status as a column) with
the ``unicode61 remove_diacritics 2`` tokenizer, which folds case and accents.

PostgreSQL: ``search_documents`` (candidate id, team, status, weighted ``tsvector``, GIN index)
written by ``search_refresh()``, in the ``search_simple`` configuration: ``simple`` (no
stemming, no stop words) behind the ``unaccent`` dictionary, so that documents and queries
fold accents alike.

On SQLite, a later batch_alter_table of candidates, notes or referrals rebuilds that table and
so drops its triggers: such a revision must create them again (tests/storage/test_search.py
fails otherwise).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What feeds the document; an update of any other column (last activity…) leaves it alone.
# The status is there to filter on it without a join (status:snoozed).
CANDIDATE_COLUMNS = "name, email, company, headline, tags, status, team_id"

# --- SQLite ----------------------------------------------------------------------------------

# Note bodies and referral notes share one column: the candidate is found by any of them.
SQLITE_DOCUMENT = """
SELECT c.id, c.name, c.email, c.company, c.headline, c.tags,
       (SELECT group_concat(body, ' ') FROM (
            SELECT body FROM notes WHERE candidate_id = c.id
            UNION ALL SELECT note FROM referrals WHERE candidate_id = c.id)),
       c.status
FROM candidates AS c
"""
SQLITE_INSERT = (
    "INSERT INTO search_documents (rowid, name, email, company, headline, tags, notes, status)"
    + SQLITE_DOCUMENT
)


def _sqlite_refresh(candidate: str) -> str:
    """Trigger statements rewriting the document of ``candidate`` (an SQL expression)."""
    return (
        f"DELETE FROM search_documents WHERE rowid = {candidate};\n"
        f"{SQLITE_INSERT} WHERE c.id = {candidate};"
    )


def _sqlite_child_triggers(table: str, column: str) -> list[str]:
    """Triggers refreshing the candidate whose note or referral changed."""
    return [
        f"CREATE TRIGGER search_{table}_ai AFTER INSERT ON {table} BEGIN\n"
        f"{_sqlite_refresh('new.candidate_id')}\nEND",
        # Both candidates: a row moved to another one leaves the first.
        f"CREATE TRIGGER search_{table}_au AFTER UPDATE OF {column}, candidate_id ON {table} "
        f"BEGIN\n{_sqlite_refresh('old.candidate_id')}\n{_sqlite_refresh('new.candidate_id')}\nEND",
        f"CREATE TRIGGER search_{table}_ad AFTER DELETE ON {table} BEGIN\n"
        f"{_sqlite_refresh('old.candidate_id')}\nEND",
    ]


SQLITE_UPGRADE = [
    # A table with its own copy of the text (not contentless): FTS5 can then delete a row by
    # rowid alone; a contentless one needs the old values, which a note change cannot give.
    # The status is a column of tokens too, so that MATCH filters on it (searches restrict
    # the user's words to the other columns).
    """CREATE VIRTUAL TABLE search_documents USING fts5(
        name, email, company, headline, tags, notes, status,
        tokenize = 'unicode61 remove_diacritics 2'
    )""",
    f"CREATE TRIGGER search_candidates_ai AFTER INSERT ON candidates BEGIN\n"
    f"{SQLITE_INSERT} WHERE c.id = new.id;\nEND",
    f"CREATE TRIGGER search_candidates_au AFTER UPDATE OF {CANDIDATE_COLUMNS} ON candidates "
    f"BEGIN\n{_sqlite_refresh('new.id')}\nEND",
    "CREATE TRIGGER search_candidates_ad AFTER DELETE ON candidates BEGIN\n"
    "DELETE FROM search_documents WHERE rowid = old.id;\nEND",
    *_sqlite_child_triggers("notes", "body"),
    *_sqlite_child_triggers("referrals", "note"),
    SQLITE_INSERT,  # the backfill
]
SQLITE_TRIGGERS = [
    f"search_{table}_{event}"
    for table in ("candidates", "notes", "referrals")
    for event in ("ai", "au", "ad")
]

# --- PostgreSQL ------------------------------------------------------------------------------

PG_UPGRADE = [
    # Trusted since PostgreSQL 13 (a database owner may create it); Debian's server package
    # ships it, as do the managed services. IF NOT EXISTS: it may serve other schemas too.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION search_simple (COPY = simple)",
    # Only the token types that can hold non-ASCII letters; ASCII ones need no folding.
    "ALTER TEXT SEARCH CONFIGURATION search_simple ALTER MAPPING FOR "
    "word, numword, hword, hword_part, numhword, hword_numpart WITH unaccent, simple",
    # Punctuation becomes a space, as in SQLite's tokenizer: else the parser keeps
    # "ada@example.com" as one email token and "ada" would not find it. The explicit
    # characters cover a database in the C locale, whose [:punct:] is ASCII only.
    """CREATE FUNCTION search_text(value text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$
        SELECT regexp_replace(coalesce(value, ''), '[[:punct:]‘’‚“”„«»‹›–—…·•]+', ' ', 'g')
        $$""",
    # team_id and status are copied so that a search needs no join: joining candidates cost
    # a scan of the team's rows at 100k candidates.
    """CREATE TABLE search_documents (
        candidate_id integer NOT NULL,
        team_id varchar(32) NOT NULL,
        status varchar(24) NOT NULL,
        document tsvector NOT NULL,
        CONSTRAINT pk_search_documents PRIMARY KEY (candidate_id),
        CONSTRAINT fk_search_documents_candidate_id_candidates FOREIGN KEY (candidate_id)
            REFERENCES candidates (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_search_documents_document ON search_documents USING gin (document)",
    # PL/pgSQL, not SQL: it keeps the statement's plan for the session, where an SQL function
    # is planned again at every call (loading 20k candidates took 2.3x as long). Weights rank a
    # name above a company above a headline above a note (ts_rank weighs A..D as 1, 0.4, 0.2,
    # 0.1). Nothing is written for a candidate that no longer exists (a note deleted by the
    # cascade).
    """CREATE FUNCTION search_refresh(candidate integer) RETURNS void
        LANGUAGE plpgsql
        AS $$
        BEGIN
            INSERT INTO search_documents (candidate_id, team_id, status, document)
            SELECT c.id, c.team_id, c.status,
                setweight(to_tsvector('search_simple', search_text(c.name)), 'A')
                || setweight(to_tsvector('search_simple', search_text(c.email)), 'B')
                || setweight(to_tsvector('search_simple', search_text(c.company)), 'B')
                || setweight(to_tsvector('search_simple', search_text(c.headline)), 'C')
                || setweight(to_tsvector('search_simple', search_text(c.tags)), 'C')
                || setweight(to_tsvector('search_simple', search_text(concat_ws(' ',
                    (SELECT string_agg(n.body, ' ') FROM notes AS n WHERE n.candidate_id = c.id),
                    (SELECT string_agg(r.note, ' ') FROM referrals AS r
                     WHERE r.candidate_id = c.id)))), 'D')
            FROM candidates AS c WHERE c.id = candidate
            ON CONFLICT (candidate_id) DO UPDATE
            SET team_id = excluded.team_id, status = excluded.status,
                document = excluded.document;
        END
        $$""",
    """CREATE FUNCTION search_candidate_changed() RETURNS trigger
        LANGUAGE plpgsql
        AS $$
        BEGIN
            PERFORM search_refresh(NEW.id);
            RETURN NULL;
        END
        $$""",
    # Notes and referrals alike: both carry candidate_id.
    """CREATE FUNCTION search_child_changed() RETURNS trigger
        LANGUAGE plpgsql
        AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                PERFORM search_refresh(OLD.candidate_id);
            END IF;
            IF TG_OP = 'INSERT' THEN
                PERFORM search_refresh(NEW.candidate_id);
            ELSIF TG_OP = 'UPDATE' AND NEW.candidate_id <> OLD.candidate_id THEN
                PERFORM search_refresh(NEW.candidate_id);
            END IF;
            RETURN NULL;
        END
        $$""",
    f"""CREATE TRIGGER search_candidates AFTER INSERT OR UPDATE OF {CANDIDATE_COLUMNS}
        ON candidates FOR EACH ROW EXECUTE FUNCTION search_candidate_changed()""",
    """CREATE TRIGGER search_notes AFTER INSERT OR DELETE OR UPDATE OF body, candidate_id
        ON notes FOR EACH ROW EXECUTE FUNCTION search_child_changed()""",
    """CREATE TRIGGER search_referrals AFTER INSERT OR DELETE OR UPDATE OF note, candidate_id
        ON referrals FOR EACH ROW EXECUTE FUNCTION search_child_changed()""",
    "SELECT search_refresh(id) FROM candidates",  # the backfill
]

PG_DOWNGRADE = [
    "DROP TRIGGER search_referrals ON referrals",
    "DROP TRIGGER search_notes ON notes",
    "DROP TRIGGER search_candidates ON candidates",
    "DROP FUNCTION search_child_changed()",
    "DROP FUNCTION search_candidate_changed()",
    "DROP FUNCTION search_refresh(integer)",
    "DROP TABLE search_documents",
    "DROP FUNCTION search_text(text)",
    "DROP TEXT SEARCH CONFIGURATION search_simple",
    # unaccent stays: it may have been there before, for someone else.
]


def _dialect() -> str:
    # The context's dialect, not op.get_bind(): it also answers in offline (--sql) mode.
    return op.get_context().dialect.name


def upgrade() -> None:
    for statement in SQLITE_UPGRADE if _dialect() == "sqlite" else PG_UPGRADE:
        op.execute(sa.text(statement))


def downgrade() -> None:
    if _dialect() == "sqlite":
        statements = [f"DROP TRIGGER {name}" for name in SQLITE_TRIGGERS]
        statements.append("DROP TABLE search_documents")  # and FTS5's shadow tables with it
    else:
        statements = PG_DOWNGRADE
    for statement in statements:
        op.execute(sa.text(statement))
