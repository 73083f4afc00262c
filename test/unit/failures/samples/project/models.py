from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, UniqueConstraint

try:
    from sqlalchemy.orm import declarative_base
except ImportError:  # SQLAlchemy < 1.4
    from sqlalchemy.ext.declarative import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String, unique=True, nullable=False)
    name = Column(String, nullable=False)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org", "user_name", name="uq_member"),)
    id = Column(Integer, primary_key=True)
    org = Column(String)
    user_name = Column(String)


class Post(Base):
    __tablename__ = "posts"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)


class Player(Base):
    __tablename__ = "players"
    id = Column(Integer, primary_key=True)
    golden_balls = Column("Golden Balls", String, nullable=False)
    team = Column(String)
    score = Column(Integer, CheckConstraint("score >= 0", name="ck_score_positive"))
