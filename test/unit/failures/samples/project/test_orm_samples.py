import pytest
from sqlalchemy.exc import IntegrityError

from models import Membership, Player, Post, User


def test_unique_email(session):
    session.add(User(email="a@example.com", name="a"))
    session.add(User(email="a@example.com", name="b"))
    session.flush()


def test_composite_unique(session):
    session.add(Membership(org="acme", user_name="bob"))
    session.flush()
    session.add(Membership(org="acme", user_name="bob"))
    session.flush()


def test_not_null_with_space(session):
    session.add(Player(golden_balls=None, team="red"))
    session.flush()


def test_foreign_key(session):
    session.add(Post(user_id=999))
    session.flush()


def test_check(session):
    session.add(Player(golden_balls="g", team="red", score=-1))
    session.flush()


class TestShared:
    def test_leaks_failed_flush(self, shared_session):
        shared_session.add(User(email="dup@example.com", name="x"))
        shared_session.add(User(email="dup@example.com", name="y"))
        with pytest.raises(IntegrityError):
            shared_session.flush()
        # no rollback: the session is now unusable for the rest of the module

    def test_symptom_one(self, shared_session):
        shared_session.add(User(email="ok@example.com", name="ok"))
        shared_session.flush()

    @pytest.mark.parametrize("n", [1, 2])
    def test_symptom_param(self, shared_session, n):
        assert shared_session.query(User).count() == n


def test_setup_error(admin_user):
    assert admin_user


def test_teardown_error(flush_on_teardown):
    assert flush_on_teardown is not None


def test_plain_assert():
    assert 1 + 1 == 3


def test_locked(tmp_path):
    import sqlite3
    db = str(tmp_path / "l.db")
    a = sqlite3.connect(db, timeout=0)
    a.execute("CREATE TABLE t (x)")
    a.commit()
    a.execute("BEGIN EXCLUSIVE")
    from sqlalchemy import create_engine, text
    engine = create_engine("sqlite:///" + db, connect_args={"timeout": 0})
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))


def test_passes(session):
    session.add(User(email="fine@example.com", name="fine"))
    session.flush()
