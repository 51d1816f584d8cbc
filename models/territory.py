"""Territories an HQ serves (loaded from a data file), and the coordinators appointed to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Territory(Base):
    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_kk: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # region, city, district, settlement
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("territories.id", ondelete="RESTRICT"), index=True
    )
    timezone: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_km: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def name(self, locale: str) -> str:
        return self.name_kk if locale == "kk" else self.name_ru


class TerritoryNeighbour(Base):
    """Stored both ways: widening the circle when nobody nearby answers."""

    __tablename__ = "territory_neighbours"

    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True
    )
    neighbour_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True
    )


class Coordinator(Base):
    """An appointed coordinator: HQ (every territory) or of the territories listed for them.
    ADMIN_IDS are HQ coordinators without a row here."""

    __tablename__ = "coordinators"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    is_hq: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    appointed_by: Mapped[int] = mapped_column(BigInteger)
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoordinatorTerritory(Base):
    __tablename__ = "coordinator_territories"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("coordinators.user_id", ondelete="CASCADE"), primary_key=True
    )
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
