"""Order pricing as pure functions on Decimal: no database, so importers can call them in bulk.

Each line is rounded half up to the cent, then the lines are summed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineFigures:
    line_price: Decimal
    vat: Decimal
    line_weight: Decimal


@dataclass(frozen=True)
class OrderTotals:
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


def order_totals(lines: Iterable[LineFigures]) -> OrderTotals:
    lines = list(lines)
    return OrderTotals(  # (sum: exact on Decimal, and quicker than a loop in bulk imports)
        money(sum([line.line_price for line in lines], ZERO)),
        money(sum([line.vat for line in lines], ZERO)),
        sum([line.line_weight for line in lines], ZERO),
    )
