"""One use case, one write transaction: a nested one is refused at once, on both engines."""

import threading

import pytest
from sqlalchemy import text

from storage.db import NestedWriteError, Sessions


def test_a_write_transaction_begun_inside_another_is_refused_at_once(sessions: Sessions) -> None:
    with sessions.begin() as s:
        s.execute(text("SELECT 1"))
        with pytest.raises(NestedWriteError), sessions.begin():
            pass

    with sessions.begin() as s:  # the outer one ended: the next use case may write again
        assert s.execute(text("SELECT 1")).scalar() == 1


def test_writers_on_other_threads_are_not_nested(sessions: Sessions) -> None:
    done: list[bool] = []

    def other_use_case() -> None:
        with sessions.begin() as s:
            s.execute(text("SELECT 1"))
        done.append(True)

    with sessions.begin():
        other = threading.Thread(target=other_use_case)
        other.start()
    other.join(timeout=10)

    assert done == [True]
