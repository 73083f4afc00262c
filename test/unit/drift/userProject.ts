// A tiny project shared by the drift tests that edit files in place: one model, one factory
// whose Params declare `vip` (so `UserFactory(vip=True)` is no drift until Params changes).
export const USER_MODELS = `from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base
Base = declarative_base()

class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
`;

export const USER_FACTORIES = `import factory
from models import User

class UserFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        model = User
    class Params:
        vip = False
    name = "a"
`;
