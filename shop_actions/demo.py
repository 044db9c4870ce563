"""Demo data: a few customers, products and orders in every state, dated relative to today.

The orders match the facts in the reference bot's ``domain.yml`` (returns within
30 days of delivery) and the order numbers its stories, tests and README use:

=========  =========  ======================  =============================================
order      status     email on the order      why it is there
=========  =========  ======================  =============================================
PO-48213   shipped    jane.doe@example.com    the README's example; in transit, can't be
                                              cancelled
PO-10377   delivered  jane.doe@example.com    10 days ago: can be returned
PO-55501   processing sam.lee@example.org     not shipped yet: can be cancelled
PO-60218   delivered  sam.lee@example.org     45 days ago: outside the return window
PO-66120   cancelled  alex_r@example.net
PO-71130   shipped    alex_r@example.net
PO-90215   delivered  jane.doe@example.com    3 days ago: can be returned
PO-20488   processing alex_r@example.net      can be cancelled
PO-73310   delivered  sam.lee@example.org     12 days ago: can be returned
=========  =========  ======================  =============================================

The bot shares an order's details, cancels it or starts a return only after the customer
gives the email address on the order (the third column).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .db import Customer, Order, OrderItem, OrderStatus, Product

if TYPE_CHECKING:
    from .db import ShopDatabase

CUSTOMERS = (
    (1, "Jane Doe", "jane.doe@example.com"),
    (2, "Sam Lee", "sam.lee@example.org"),
    (3, "Alex Rivera", "alex_r@example.net"),
)
PRODUCTS = (
    ("BOOT-01", "hiking boots", 149.00),
    ("JACK-02", "rain jacket", 119.00),
    ("POLE-03", "trekking poles", 59.00),
    ("SLEEP-04", "sleeping bag", 189.00),
    ("LAMP-05", "headlamp", 34.00),
    ("TENT-06", "tent", 329.00),
    ("PACK-07", "backpack", 139.00),
)
# number, customer, status, days since placed / shipped / delivered, items
ORDERS: tuple[tuple[str, int, OrderStatus, int, int | None, int | None, tuple[str, ...]], ...] = (
    ("PO-48213", 1, OrderStatus.SHIPPED, 4, 2, None, ("BOOT-01", "POLE-03")),
    ("PO-10377", 1, OrderStatus.DELIVERED, 16, 13, 10, ("JACK-02",)),
    ("PO-55501", 2, OrderStatus.PROCESSING, 1, None, None, ("SLEEP-04", "LAMP-05")),
    ("PO-60218", 2, OrderStatus.DELIVERED, 52, 48, 45, ("TENT-06",)),
    ("PO-66120", 3, OrderStatus.CANCELLED, 9, None, None, ("PACK-07",)),
    ("PO-71130", 3, OrderStatus.SHIPPED, 3, 1, None, ("LAMP-05",)),
    ("PO-90215", 1, OrderStatus.DELIVERED, 8, 6, 3, ("PACK-07", "LAMP-05")),
    ("PO-20488", 3, OrderStatus.PROCESSING, 0, None, None, ("TENT-06", "SLEEP-04")),
    ("PO-73310", 2, OrderStatus.DELIVERED, 18, 15, 12, ("BOOT-01", "JACK-02")),
)


def _ago(now: datetime, days: int | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


def demo_orders(now: datetime) -> list[Order]:
    orders = []
    for number, customer, status, placed, shipped, delivered, skus in ORDERS:
        sent = shipped is not None
        orders.append(
            Order(
                number=number,
                customer_id=customer,
                status=status,
                placed_at=_ago(now, placed),
                shipped_at=_ago(now, shipped),
                delivered_at=_ago(now, delivered),
                cancelled_at=_ago(now, placed) if status is OrderStatus.CANCELLED else None,
                carrier="UPS" if sent else None,
                tracking_number=f"1Z{number[3:]}0{customer}4821" if sent else None,
                items=[OrderItem(sku=sku, quantity=1) for sku in skus],
            )
        )
    return orders


async def seed(database: ShopDatabase, now: datetime | None = None) -> None:
    """Insert the demo customers, products and orders into empty tables."""
    now = now or datetime.now(UTC)
    async with database.sessions() as session, session.begin():
        session.add_all(Customer(id=i, name=n, email=e) for i, n, e in CUSTOMERS)
        session.add_all(Product(sku=s, name=n, price=p) for s, n, p in PRODUCTS)
        await session.flush()
        session.add_all(demo_orders(now))
