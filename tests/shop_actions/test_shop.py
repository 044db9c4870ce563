"""The reference bot's shop: demo data and business rules on real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shop_actions import shop
from shop_actions.db import OrderStatus, ReturnRequest, ShopDatabase, SupportTicket


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def shop_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'shop.db'}"


@pytest.fixture
async def database(shop_url: str) -> AsyncIterator[ShopDatabase]:
    db = ShopDatabase.connect(shop_url)
    yield db
    await db.close()


async def test_the_demo_data_is_created_on_first_use_and_only_once(database: ShopDatabase) -> None:
    async with await database.session() as session:
        order = await shop.find_order(session, "po-48213")
        assert order is not None and order.status is OrderStatus.SHIPPED
        assert shop.item_names(order) == "hiking boots and trekking poles"
    await database.create(seed_if_empty=True)
    async with await database.session() as session:
        assert (
            await session.scalar(select(func.count()).where(shop.Order.number == "PO-48213")) == 1
        )


async def test_unknown_and_malformed_order_numbers_find_nothing(database: ShopDatabase) -> None:
    async with await database.session() as session:
        assert await shop.find_order(session, "PO-00000") is None
        assert await shop.find_order(session, "order 5") is None
        assert await shop.find_order(session, None) is None


async def test_only_an_order_not_yet_shipped_can_be_cancelled(database: ShopDatabase) -> None:
    async with await database.session() as session:
        shipped = await shop.find_order(session, "PO-48213")
        open_order = await shop.find_order(session, "PO-55501")
        assert shipped is not None and open_order is not None
        assert shop.cancel_refusal(shipped) is shop.Refusal.ALREADY_SHIPPED
        assert shop.cancel_refusal(open_order) is None
        await shop.cancel(session, open_order)
    async with await database.session() as session:
        cancelled = await shop.find_order(session, "PO-55501")
        assert cancelled is not None and cancelled.status is OrderStatus.CANCELLED
        assert shop.cancel_refusal(cancelled) is shop.Refusal.ALREADY_CANCELLED
        with pytest.raises(ValueError, match="cannot be cancelled"):
            await shop.cancel(session, cancelled)


@pytest.mark.parametrize(
    ("number", "refusal"),
    [
        ("PO-10377", None),  # delivered 10 days ago
        ("PO-60218", shop.Refusal.WINDOW_CLOSED),  # delivered 45 days ago
        ("PO-48213", shop.Refusal.NOT_DELIVERED),
        ("PO-66120", shop.Refusal.NOT_DELIVERED),
    ],
)
async def test_returns_need_a_delivered_order_inside_30_days(
    database: ShopDatabase, number: str, refusal: shop.Refusal | None
) -> None:
    async with await database.session() as session:
        order = await shop.find_order(session, number)
        assert order is not None and shop.return_refusal(order) is refusal


async def test_the_return_window_closes_30_days_after_delivery(database: ShopDatabase) -> None:
    async with await database.session() as session:
        order = await shop.find_order(session, "PO-10377")
        assert order is not None and order.delivered_at is not None
        delivered = order.delivered_at.replace(tzinfo=order.delivered_at.tzinfo or UTC)
        assert shop.return_refusal(order, delivered + timedelta(days=29, hours=23)) is None
        late = delivered + timedelta(days=30, minutes=1)
        assert shop.return_refusal(order, late) is shop.Refusal.WINDOW_CLOSED


async def test_a_return_is_recorded_for_an_item_of_the_order(database: ShopDatabase) -> None:
    async with await database.session() as session:
        order = await shop.find_order(session, "PO-73310")
        assert order is not None
        assert shop.item_named(order, "the tent") is None
        item = shop.item_named(order, "the boots")
        assert item is not None and item.product.name == "hiking boots"
        request = await shop.create_return(session, order, item, "too small", "conv-1")
        assert request.reference.startswith("R-")
    async with await database.session() as session:
        stored = await session.scalar(select(ReturnRequest))
        assert stored is not None and (stored.order_number, stored.sku) == ("PO-73310", "BOOT-01")


async def test_a_ticket_needs_a_valid_email(database: ShopDatabase) -> None:
    assert shop.valid_email("it's Jane.Doe@Example.com thanks") == "jane.doe@example.com"
    assert shop.valid_email("jane at example dot com") is None
    assert shop.valid_email("jane@localhost") is None
    async with await database.session() as session:
        ticket = await shop.open_ticket(session, "jane.doe@example.com", "boots broke", "c-9")
        assert ticket.reference == f"T-{ticket.id:05d}"
    async with await database.session() as session:
        assert (await session.scalar(select(SupportTicket))) is not None


def test_demo_dates_are_relative_to_today() -> None:
    from shop_actions.demo import demo_orders

    now = datetime(2030, 1, 31, tzinfo=UTC)
    delivered = {o.number: o.delivered_at for o in demo_orders(now)}
    assert delivered["PO-10377"] == now - timedelta(days=10)
