"""slack_sdk's OAuth stores read then write in transactions of their own: on SQLite they must
hold the write lock from the start, or a write committed in between fails the install."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event

from storage.db import make_engine
from storage.installations import STATES, state_store
from storage.migrate import upgrade


def test_an_install_finishes_while_the_dispatcher_writes_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'refbot.db'}"
    upgrade(url)
    engine = make_engine(url)
    store = state_store(engine, clock=lambda: datetime.now(UTC))
    state = store.issue()
    others_write: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def dispatcher_commits_meanwhile(
        _conn: object, _cursor: object, statement: str, *_: object
    ) -> None:
        # Between the store's read of the state and its delete, another connection (a
        # dispatcher's sweep) tries to commit a write.
        if statement.startswith("DELETE FROM " + STATES) and not others_write:
            other = sqlite3.connect(tmp_path / "refbot.db", timeout=0.1)
            try:
                other.execute("UPDATE settings SET locale = locale")
                other.commit()
                others_write.append("committed")
            except sqlite3.OperationalError:
                others_write.append("waited for the install")
            finally:
                other.close()

    consumed = store.consume(state)

    assert consumed, "the installer's state was refused: Slack would show invalid_state"
    assert others_write == ["waited for the install"]
    engine.dispose()
