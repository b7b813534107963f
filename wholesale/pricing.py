"""Order pricing as pure functions on Decimal: no database, so importers can call them in bulk.

Each line is rounded half up to the cent, then the lines are summed.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

CENT = Decimal("0.01")
ZERO = Decimal("0")


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# (tuples rather than dataclasses: a bulk import makes one per order)
class LineFigures(NamedTuple):
    line_price: Decimal
    vat: Decimal
    line_weight: Decimal


class OrderTotals(NamedTuple):
    total_price: Decimal
    total_vat: Decimal
    total_weight: Decimal


def line_figures(*, unit_price: Decimal, vat_rate: Decimal, unit_weight: Decimal,
                 quantity: int) -> LineFigures:
    line_price = money(unit_price * quantity)
    return LineFigures(
        line_price=line_price,
        vat=money(line_price * vat_rate),
        line_weight=unit_weight * quantity,
    )


def order_totals(lines: Iterable) -> OrderTotals:
    """The totals of lines (LineFigures, or order lines: anything with their figures).
    Sums of Decimal are exact."""
    price = vat = weight = ZERO
    for line in lines:
        price += line.line_price
        vat += line.vat
        weight += line.line_weight
    return OrderTotals(money(price), money(vat), weight)
