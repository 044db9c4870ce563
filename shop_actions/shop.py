"""The shop's rules: find an order, what may be cancelled or returned, tickets. No dialogue here."""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import Order, OrderItem, OrderStatus, ReturnRequest, SupportTicket

RETURN_WINDOW = timedelta(days=30)
"""Returns are accepted within 30 days of delivery (domain.yml states the same)."""

_ORDER_NUMBER = re.compile(r"^PO-\d{5}$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")


class Refusal(enum.StrEnum):
    """Why an order cannot be cancelled or returned; each has a response in domain.yml."""

    ALREADY_SHIPPED = "already_shipped"
    ALREADY_CANCELLED = "already_cancelled"
    NOT_DELIVERED = "not_delivered"
    WINDOW_CLOSED = "window_closed"


def normal_order_number(text: str | None) -> str | None:
    """``PO-12345`` from ``po-12345``/`` PO-12345 ``; ``None`` if it is no order number."""
    if text is None:
        return None
    candidate = text.strip().upper()
    return candidate if _ORDER_NUMBER.match(candidate) else None


async def find_order(session: AsyncSession, number: str | None) -> Order | None:
    normal = normal_order_number(number)
    if normal is None:
        return None
    found: Order | None = await session.scalar(select(Order).where(Order.number == normal))
    return found


def owned_by(order: Order, email: str | None) -> bool:
    """Is ``email`` (any case, spaces around) the address of the customer who placed ``order``?"""
    given = valid_email(email)
    return given is not None and given == order.customer.email.lower()


def cancel_refusal(order: Order) -> Refusal | None:
    """``None`` if the order may be cancelled: only orders not yet shipped."""
    if order.status is OrderStatus.CANCELLED:
        return Refusal.ALREADY_CANCELLED
    if order.status is not OrderStatus.PROCESSING:
        return Refusal.ALREADY_SHIPPED
    return None


async def cancel(session: AsyncSession, order: Order, now: datetime | None = None) -> None:
    """Cancel ``order``; raises ``ValueError`` if the rules forbid it."""
    refusal = cancel_refusal(order)
    if refusal is not None:
        raise ValueError(f"order {order.number} cannot be cancelled: {refusal}")
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = now or datetime.now(UTC)
    await session.commit()


def return_refusal(order: Order, now: datetime | None = None) -> Refusal | None:
    """``None`` if the order may be returned: delivered, and within the return window."""
    if order.status is not OrderStatus.DELIVERED or order.delivered_at is None:
        return Refusal.NOT_DELIVERED
    delivered = order.delivered_at
    if delivered.tzinfo is None:  # SQLite gives naive datetimes back
        delivered = delivered.replace(tzinfo=UTC)
    if (now or datetime.now(UTC)) - delivered > RETURN_WINDOW:
        return Refusal.WINDOW_CLOSED
    return None


def return_deadline(order: Order) -> datetime | None:
    return order.delivered_at + RETURN_WINDOW if order.delivered_at is not None else None


def item_named(order: Order, text: str | None) -> OrderItem | None:
    """The order's item whose product name the text mentions (``the boots`` finds hiking boots)."""
    said = (text or "").lower()
    for item in order.items:
        name = item.product.name.lower()
        if name in said or any(word in said.split() for word in name.split() if len(word) > 3):
            return item
    return None


def item_names(order: Order) -> str:
    names = [item.product.name for item in order.items]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


async def create_return(
    session: AsyncSession, order: Order, item: OrderItem, reason: str, conversation_id: str | None
) -> ReturnRequest:
    refusal = return_refusal(order)
    if refusal is not None:
        raise ValueError(f"order {order.number} cannot be returned: {refusal}")
    request = ReturnRequest(
        order_number=order.number, sku=item.sku, reason=reason, conversation_id=conversation_id
    )
    session.add(request)
    await session.commit()
    return request


def valid_email(text: str | None) -> str | None:
    """The e-mail address in ``text`` (``name@domain.tld``), lower-cased; ``None`` if none."""
    match = _EMAIL.search(text or "")
    return match.group(0).lower() if match else None


async def open_ticket(
    session: AsyncSession, email: str, description: str, conversation_id: str | None
) -> SupportTicket:
    ticket = SupportTicket(email=email, description=description, conversation_id=conversation_id)
    session.add(ticket)
    await session.commit()
    return ticket
