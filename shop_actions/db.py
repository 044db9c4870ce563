"""The shop's database: tables, the connection, and creation with demo data on first use."""

from __future__ import annotations

import asyncio
import enum
import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import DateTime, Enum, ForeignKey, Integer, Numeric, String, Text, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DATABASE_URL_ENV = "PARLEY_SHOP_DB_URL"
DEFAULT_DATABASE = "shop.db"
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class Base(DeclarativeBase):
    pass


class OrderStatus(enum.StrEnum):
    PROCESSING = "processing"  # paid, not yet handed to the carrier: can be cancelled
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Customer(Base):
    __tablename__ = "shop_customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Product(Base):
    __tablename__ = "shop_products"

    sku: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    price: Mapped[float] = mapped_column(Numeric(10, 2, asdecimal=False))


class Order(Base):
    __tablename__ = "shop_orders"

    number: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("shop_customers.id"))
    status: Mapped[OrderStatus] = mapped_column(Enum(OrderStatus, native_enum=False))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    carrier: Mapped[str | None] = mapped_column(String(40))
    tracking_number: Mapped[str | None] = mapped_column(String(40))
    customer: Mapped[Customer] = relationship(back_populates="orders", lazy="joined")
    items: Mapped[list[OrderItem]] = relationship(lazy="selectin", order_by="OrderItem.id")


class OrderItem(Base):
    __tablename__ = "shop_order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("shop_orders.number"))
    sku: Mapped[str] = mapped_column(ForeignKey("shop_products.sku"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    product: Mapped[Product] = relationship(lazy="joined")


class ReturnRequest(Base):
    __tablename__ = "shop_returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("shop_orders.number"))
    sku: Mapped[str] = mapped_column(ForeignKey("shop_products.sku"))
    reason: Mapped[str] = mapped_column(Text)
    conversation_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def reference(self) -> str:
        return f"R-{self.id:05d}"


class SupportTicket(Base):
    __tablename__ = "shop_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    description: Mapped[str] = mapped_column(Text)
    conversation_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def reference(self) -> str:
        return f"T-{self.id:05d}"


def async_url(url: str) -> str:
    """``url`` with the async driver of its database (aiosqlite, asyncpg)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported shop database {backend!r}; use sqlite or postgresql")
    return parsed.set(drivername=_ASYNC_DRIVERS[backend]).render_as_string(hide_password=False)


def configured_url() -> str:
    """``$PARLEY_SHOP_DB_URL``, else ``shop.db`` (SQLite) in the current folder."""
    url = os.environ.get(DATABASE_URL_ENV)
    return url or f"sqlite:///{Path(DEFAULT_DATABASE).resolve()}"


class ShopDatabase:
    """One database: an engine, its sessions, and a one-time "create and seed if empty"."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._ready = False
        self._ready_lock = asyncio.Lock()

    @classmethod
    def connect(cls, url: str) -> ShopDatabase:
        return cls(create_async_engine(async_url(url)))

    async def session(self) -> AsyncSession:
        """A new session on a database that has its tables and (if it was empty) demo data."""
        await self.ensure_ready()
        return self.sessions()

    async def ensure_ready(self) -> None:
        if self._ready:
            return
        async with self._ready_lock:
            if not self._ready:
                await self.create(seed_if_empty=True)
                self._ready = True

    async def create(self, seed_if_empty: bool) -> None:
        from .demo import seed

        async with self.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        if seed_if_empty:
            async with self.sessions() as session:
                empty = (await session.scalar(select(func.count()).select_from(Customer))) == 0
            if empty:
                await seed(self)

    async def reset(self) -> None:
        """Drop every shop table and create it again, with fresh demo data."""
        from .demo import seed

        async with self.engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.run_sync(Base.metadata.create_all)
        await seed(self)
        self._ready = True

    async def close(self) -> None:
        await self.engine.dispose()


_OPEN: dict[tuple[str, int], ShopDatabase] = {}


def shop_database() -> ShopDatabase:
    """The configured database for the running event loop (actions get no arguments)."""
    key = (configured_url(), id(asyncio.get_running_loop()))
    if key not in _OPEN:
        _OPEN[key] = ShopDatabase.connect(key[0])
    return _OPEN[key]
