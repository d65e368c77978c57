"""Rediscovery search latency: `search` at 100,000 candidates of one team, on SQLite and
PostgreSQL (DESIGN §10: p95 < 50 ms). The baseline, in the same run and on the same database,
is a primary-key `Session.get` of as many rows; the ratio is search / baseline.

Candidates come from a seeded generator over word lists (names with and without accents,
companies, titles, skills, cities); about half have a note and a fifth a referral note. They
are inserted with the index triggers firing, as in production. The queries mix six kinds
(a surname, a company, a prefix such as "pyth", two words, a quoted phrase, an accented name
typed without its accents), each in a fresh session whose connection is already checked out.

The same queries also go through `Search.find`, the service `/refbot find` calls (parsing,
the member's profile, the index, then each hit's card), with `role:` and `tag:` filters on a
sixth of them: that is what a recruiter waits for.

    python benchmarks/search.py [--candidates 100000] [--queries 200]
                                [--sqlite FILE] [--postgresql URL]

--sqlite and --postgresql keep the database between runs (a million candidates take minutes
to load): one already holding the candidates is not loaded again.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import column, func, insert, literal_column, select, table, text
from sqlalchemy.orm import Session

import bot.rendering  # noqa: F401 - first: bot.services alone meets an import cycle
from bot.services.members import Members
from bot.services.search import Search
from storage import migrate
from storage.db import make_engine, make_sessions
from storage.models import Candidate, Member, Note, Referral, Role
from storage.repositories import search as index
from storage.repositories.search import SearchQuery, parse_query, search
from storage.types import CandidateSource, CandidateStatus, NoteKind, new_public_id

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pg import throwaway_server  # noqa: E402 - the tests' throwaway PostgreSQL

TEAM, OTHER_TEAM = "T0001", "T0002"
CHUNK = 5_000
WARMUP = 60


def words(text: str) -> list[str]:
    return text.split()


FIRST = words(
    "Ada Alan Alice Amir Ana Andrea Anna Arjun Ben Carla Chen Chris Daniel David Dmitri Elena "
    "Emma Ethan Fatima Felix Grace Hannah Hiro Igor Isabel Jack James Jana Jin John Julia Karim "
    "Kate Lars Laura Leo Lina Lucas Maria Mark Marta Max Maya Mei Mohamed Nadia Nina Noah Olga "
    "Omar Paul Priya Rahul Rosa Sam Sara Sofia Tom Vera Wei Yuki Zara "
    "Hélène José Zoë François Chloé Inès Björn Jürgen Renée Noémie Agnès Ángel Raúl Andrés Léa "
    "Cécile Jérôme Gaëlle Loïc Benoît Anaïs Zoé Mónica Sebastián Dóra Étienne"
)
LAST = words(
    "Smith Johnson Brown Taylor Wilson Martin Anderson Thomas Moore Jackson White Harris Clark "
    "Lewis Walker Young King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts "
    "Carter Phillips Evans Turner Torres Parker Collins Edwards Stewart Morris Murphy Cook Rogers "
    "Nguyen Kim Patel Singh Chen Wang Li Zhang Liu Yamamoto Tanaka Ivanov Petrov Kowalski Novak "
    "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Dubois Durand Moreau "
    "Laurent Simon Michel Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert "
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "García Pérez Fernández Gómez Núñez Rodríguez López Martínez Sánchez Jiménez Díaz Álvarez "
    "Lefèvre Côté Gagné Bélanger Lévesque Fréchette Böhm Öztürk Şahin Yılmaz Håkansson Ångström"
)
ACCENTED = sorted({name for name in FIRST + LAST if not name.isascii()})
COMPANIES = words(
    "Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Wonka Tyrell Cyberdyne Soylent "
    "Aperture Massive Dynamic Northwind Contoso Fabrikam Tailspin Litware Proseware Adatum "
    "Blueyonder Lumen Quantia Nimbus Vertex Orbital Helix Parallax Kestrel Beacon Meridian "
    "Juniper Cobalt Ember Solstice Tessera Zephyr Fintastic Paylane Shipwise Medisync Learnly "
    "Datavault Streamline Greenfield Brightpath Clearwater Ironclad Redwood Silverline"
)
SUFFIXES = ("", " Labs", " Systems", " Technologies", " AI", " Health", " Group", " SAS", " GmbH")
TITLES = (
    "Backend Engineer",
    "Senior Backend Engineer",
    "Staff Software Engineer",
    "Frontend Developer",
    "Full Stack Developer",
    "Data Engineer",
    "Senior Data Scientist",
    "Machine Learning Engineer",
    "Site Reliability Engineer",
    "Platform Engineer",
    "Engineering Manager",
    "Product Designer",
    "Product Manager",
    "Mobile Developer",
    "Security Engineer",
    "DevOps Engineer",
    "QA Engineer",
    "Analytics Engineer",
)
SKILLS = words(
    "python rust go kotlin java javascript typescript react vue angular kubernetes terraform "
    "aws gcp azure postgresql mysql kafka spark airflow django fastapi flask rails swift "
    "scala elixir graphql docker linux pytorch tensorflow dbt snowflake figma"
)
CITIES = words(
    "Berlin Paris London Lisbon Madrid Barcelona Amsterdam Dublin Warsaw Prague Vienna Zurich "
    "Montréal Toronto Austin Boston Seattle Singapore Bangalore Tokyo Nairobi Lagos Lyon Kraków"
)
CONFERENCES = ("PyCon", "KubeCon", "RustConf", "JSConf", "Devoxx", "FOSDEM", "a meetup", "NeurIPS")
NOTES = (
    "Met at {conf} in {city}; strong on {skill} and {skill2}.",
    "Worked with {first} at {company} on the data platform team.",
    "Open to {title} roles, would relocate to {city}.",
    "Built the billing system at {company} in {skill}; great communicator.",
    "Not looking until after the summer; ping again about machine learning roles.",
    "Led the migration from {skill} to {skill2} at {company}.",
    "Interviewed last year for {title}, narrowly missed; revisit.",
    "Speaks at {conf} regularly, maintains an open source {skill} library.",
)
REFERRAL_NOTES = (
    "Former colleague at {company}, one of the best {skill} people I know.",
    "We studied together in {city}; very strong on site reliability.",
    "Ran the {skill} guild at {company}.",
)


class People:
    """A deterministic stream of realistic candidate rows, notes and referral notes."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.role_ids: list[int] = []

    def fill(self, template: str, company: str) -> str:
        rng = self.rng
        skill, skill2 = rng.sample(SKILLS, 2)
        return template.format(
            conf=rng.choice(CONFERENCES),
            city=rng.choice(CITIES),
            skill=skill,
            skill2=skill2,
            first=rng.choice(FIRST),
            company=company,
            title=rng.choice(TITLES),
        )

    def candidate(self, i: int, team_id: str, now: datetime) -> dict[str, object]:
        """The i-th candidate, active i minutes after the first (a history of years: `listed`
        walks them most recent first, as it would real ones, not a million ties)."""
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES) + rng.choice(SUFFIXES)
        title = rng.choice(TITLES)
        headline = rng.choice(
            (f"{title} at {company}", f"{title} · {rng.choice(CITIES)}", f"{title}, ex-{company}")
        )
        domain = rng.choice(("gmail.com", "proton.me", "outlook.com", "example.org"))
        return {
            "public_id": new_public_id(),
            "team_id": team_id,
            "name": f"{first} {last}",
            "email": f"{first}.{last}.{i}@{domain}".lower(),
            "company": company,
            "headline": headline,
            "tags": ", ".join(rng.sample(SKILLS, rng.randint(1, 4))),
            "source": CandidateSource.REFERRAL,
            # Every status, archived and snoozed included: rediscovery searches them all.
            "status": rng.choice(list(CandidateStatus)),
            "consent": False,
            "last_activity_at": now + timedelta(minutes=i),
            "created_at": now + timedelta(minutes=i),
        }

    def note(self, candidate_id: int, company: str, now: datetime) -> dict[str, object]:
        return {
            "team_id": TEAM,
            "candidate_id": candidate_id,
            "author_id": "U0RECRUITER",
            "kind": NoteKind.NOTE,
            "body": self.fill(self.rng.choice(NOTES), company),
            "created_at": now,
        }

    def referral(self, candidate_id: int, company: str, now: datetime) -> dict[str, object]:
        return {
            "public_id": new_public_id(),
            "team_id": TEAM,
            "candidate_id": candidate_id,
            "referrer_id": "U0REFERRER",
            "candidate_knows": True,
            "can_intro": True,
            "note": self.fill(self.rng.choice(REFERRAL_NOTES), company),
            "role_id": self.rng.choice(self.role_ids)
            if self.role_ids and candidate_id % 3
            else None,
            "credited": True,
            "created_at": now,
        }


def chunks(rows: Iterator[dict[str, object]]) -> Iterator[list[dict[str, object]]]:
    batch: list[dict[str, object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


RECRUITER = "U0RECRUITER"
ROLE_TITLES = ("Backend Engineer", "Data Engineer", "Product Designer", "Platform Engineer")


def populate(url: str, count: int) -> None:
    """`count` candidates in TEAM (notes on half, referral notes on a fifth, a third of those
    for a role), plus a tenth as many in another team; the triggers index them as they go.
    Nothing is loaded when TEAM holds them already (a kept database)."""
    now = datetime.now(UTC) - timedelta(minutes=count)
    people = People(seed=7)
    engine = make_engine(url)
    with engine.connect() as connection:
        held = connection.scalar(
            select(func.count()).select_from(Candidate).where(Candidate.team_id == TEAM)
        )
    if held and held >= count:
        engine.dispose()
        return
    with engine.begin() as connection:
        connection.execute(
            insert(Member.__table__),
            [
                {
                    "team_id": TEAM,
                    "user_id": RECRUITER,
                    "is_recruiter": True,
                    "is_admin": True,
                    "tz": "UTC",
                    "locale": "en",
                    "profile_fetched_at": datetime(2999, 1, 1, tzinfo=UTC),  # never refreshed
                }
            ],
        )
        connection.execute(
            insert(Role.__table__),
            [
                {
                    "public_id": new_public_id(),
                    "team_id": TEAM,
                    "title": title,
                    "recruiter_id": RECRUITER,
                    "status": "open",
                    "created_at": now,
                }
                for title in ROLE_TITLES
            ],
        )
        role_ids = list(connection.scalars(select(Role.id).where(Role.team_id == TEAM)))
        people.role_ids = role_ids
        for team_id, n in ((TEAM, count), (OTHER_TEAM, count // 10)):
            for batch in chunks(people.candidate(i, team_id, now) for i in range(n)):
                connection.execute(insert(Candidate.__table__), batch)
        ours = connection.execute(
            select(Candidate.id, Candidate.company)
            .where(Candidate.team_id == TEAM)
            .order_by(Candidate.id)
        ).all()
        for batch in chunks(people.note(i, c or "", now) for i, c in ours if i % 2):
            connection.execute(insert(Note.__table__), batch)
        for batch in chunks(people.referral(i, c or "", now) for i, c in ours if i % 5 == 0):
            connection.execute(insert(Referral.__table__), batch)
    if engine.dialect.name == "postgresql":
        # What autovacuum does minutes after such a load: the queries measure the steady state.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def strip_accents(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


KINDS: dict[str, Callable[[random.Random], str]] = {
    "surname": lambda rng: rng.choice(LAST),
    "company": lambda rng: rng.choice(COMPANIES),
    "prefix": lambda rng: rng.choice(("pyth", "kube", "reac", "terra", "kotl", "postg", "typesc")),
    "two words": lambda rng: f"{rng.choice(SKILLS)} {rng.choice(CITIES)}",
    "phrase": lambda rng: rng.choice(
        ('"data platform"', '"machine learning"', '"site reliability"', '"engineering manager"')
    ),
    "accented": lambda rng: strip_accents(rng.choice(ACCENTED)),
}


def queries(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, text) pairs, the kinds in equal shares, shuffled."""
    kinds = list(KINDS)
    picked = [(kinds[k % len(kinds)], KINDS[kinds[k % len(kinds)]](rng)) for k in range(n)]
    rng.shuffle(picked)
    return picked


def timed(sessions: Callable[[], Session], calls: list[Callable[[Session], object]]) -> list[float]:
    """Milliseconds per call, each in a new session with its connection already begun."""
    durations = []
    for call in calls:
        with sessions() as s:
            s.connection()
            started = time.perf_counter()
            call(s)
            durations.append((time.perf_counter() - started) * 1000)
    return durations


def percentile(durations: list[float], q: int) -> float:
    """The q-th percentile of the durations."""
    return statistics.quantiles(durations, n=100, method="inclusive")[q - 1]


def run_search(query: SearchQuery, s: Session) -> list[tuple[int, float]]:
    return search(s, TEAM, query)


class _NoSlack:
    """The directory a fresh profile never asks."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"Slack asked: {name}")


def run_find(service: Search, text: str, s: Session) -> object:
    return service.find(team_id=TEAM, actor_id=RECRUITER, text=text)


def with_filters(rng: random.Random, text: str, k: int) -> str:
    """A sixth of the find queries carry a role: or tag: filter (the last kind alone)."""
    if k % 6 == 1:
        return f"{text} role:{rng.choice(('backend', 'data', 'platform'))}"
    if k % 6 == 4:
        return f"{text} tag:{rng.choice(SKILLS)}"
    if k % 12 == 5:
        return f"tag:{rng.choice(SKILLS)}"
    return text


def count_matches(s: Session, asked: str) -> int:
    """How many of TEAM's candidates match `asked` (the search ranks the newest RECENT)."""
    terms = index._terms(parse_query(asked)[0])
    if s.get_bind().dialect.name == "sqlite":
        documents = table("search_documents", column("rowid"))
        matching = select(documents.c.rowid).where(
            literal_column("search_documents").op("MATCH")(index._sqlite_match(terms, None))
        )
        return s.execute(
            select(func.count()).where(Candidate.team_id == TEAM, Candidate.id.in_(matching))
        ).scalar_one()
    tsquery = " & ".join(index._tsquery_term(tokens, prefix) for tokens, prefix in terms)
    return s.execute(
        text(
            "SELECT count(*) FROM search_documents WHERE team_id = :team "
            "AND document @@ to_tsquery('search_simple', :q)"
        ),
        {"team": TEAM, "q": tsquery},
    ).scalar_one()


def measure(engine_name: str, url: str, count: int, n: int) -> bool:
    """Populate, then time `search` and the primary-key baseline; print both. True when OK."""
    started = time.perf_counter()
    populate(url, count)
    loaded = time.perf_counter() - started
    rng = random.Random(42)
    asked = queries(WARMUP + n, rng)
    parsed = [parse_query(q)[0] for _, q in asked]
    ids = [rng.randrange(1, count + 1) for _ in range(WARMUP + n)]

    engine = make_engine(url)
    sessions = make_sessions(engine)
    service = Search(
        sessions=sessions,
        members=Members(
            sessions=sessions,
            directory=_NoSlack(),  # type: ignore[arg-type]
            clock=lambda: datetime.now(UTC),
            recruiters=(RECRUITER,),
            default_locale="en",
            default_tz="UTC",
        ),
    )
    texts = [with_filters(rng, q, k) for k, (_, q) in enumerate(asked)]
    finds = [partial(run_search, query) for query in parsed]
    services = [partial(run_find, service, t) for t in texts]
    by_id = [partial(Session.get, entity=Candidate, ident=i) for i in ids]
    timed(sessions, finds[:WARMUP] + by_id[:WARMUP] + services[:WARMUP])  # caches, connections
    # Interleaved in slices so that drift (a checkpoint, the machine) hits all alike.
    ours: list[float] = []
    base: list[float] = []
    full: list[float] = []
    for start in range(WARMUP, WARMUP + n, 50):
        ours += timed(sessions, finds[start : start + 50])
        base += timed(sessions, by_id[start : start + 50])
        full += timed(sessions, services[start : start + 50])
    per_kind: dict[str, list[float]] = defaultdict(list)
    for (kind, _), duration in zip(asked[WARMUP:], ours, strict=True):
        per_kind[kind].append(duration)
    with sessions() as s:
        empty = sum(not search(s, TEAM, query) for query in parsed[WARMUP:])
        matches = {
            q: count_matches(s, q) for q in ("pyth", "garcia", '"data platform"', "python berlin")
        }
    engine.dispose()

    p50, p95 = percentile(ours, 50), percentile(ours, 95)
    b50, b95 = percentile(base, 50), percentile(base, 95)
    f50, f95 = percentile(full, 50), percentile(full, 95)
    ok = p95 < 50 and f95 < 50
    print(
        f"{engine_name:<10} search p50 {p50:5.2f} ms  p95 {p95:5.2f} ms | "
        f"get by id p50 {b50:5.2f} ms  p95 {b95:5.2f} ms | ratio p50 {p50 / b50:.1f}x "
        f"p95 {p95 / b95:.1f}x | {'OK' if p95 < 50 else 'OVER'} (p95 < 50 ms)"
    )
    print(
        f"{'':<10} /refbot find (Search.find, cards, filters on a sixth) p50 {f50:5.2f} ms  "
        f"p95 {f95:5.2f} ms | ratio p95 {f95 / b95:.1f}x | {'OK' if f95 < 50 else 'OVER'}"
    )
    kinds = "  ".join(f"{k} {percentile(per_kind[k], 95):.1f}" for k in KINDS)
    print(f"{'':<10} p95 by kind (ms): {kinds}")
    counts = "  ".join(f"{q} {m:,}" for q, m in matches.items())
    print(f"{'':<10} matches: {counts}; {empty} of {n} queries found nothing")
    print(f"{'':<10} loaded (index triggers firing) in {loaded:.1f} s")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sqlite", help="keep the SQLite database in this file")
    parser.add_argument("--postgresql", help="use (and keep) this PostgreSQL database")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    print(
        f"rediscovery search: {args.candidates:,} candidates in one team "
        f"(+{args.candidates // 10:,} in another), {args.queries} queries, top 10; "
        "baseline = Session.get by primary key"
    )
    sqlite_ok = pg_ok = True
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite:///{args.sqlite or Path(directory) / 'search.db'}"
            migrate.upgrade(url)
            sqlite_ok = measure("SQLite", url, args.candidates, args.queries)
    if args.only != "sqlite" and args.postgresql:
        migrate.upgrade(args.postgresql)
        pg_ok = measure("PostgreSQL", args.postgresql, args.candidates, args.queries)
    elif args.only != "sqlite":
        with throwaway_server() as pg:
            pg.janitor("search").init()
            migrate.upgrade(pg.url("search"))
            pg_ok = measure("PostgreSQL", pg.url("search"), args.candidates, args.queries)
    sys.exit(0 if sqlite_ok and pg_ok else 1)


if __name__ == "__main__":
    main()
