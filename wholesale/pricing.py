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


def in_units(amount: Decimal, places: int) -> int:
    """An amount with at most `places` decimal places (a money figure after `money`, a
    weight of the catalog's three places) as a whole number of its 10**-places units."""
    units = amount.scaleb(places)
    if units != units.to_integral_value():
        raise ValueError(f"{amount} has more than {places} decimal places")
    return int(units)


def order_totals_of_units(prices: Iterable[int], vats: Iterable[int],
                          weights: Iterable[int]) -> OrderTotals:
    """`order_totals` of lines given as `in_units(line_price, 2)`, `in_units(vat, 2)` and
    `in_units(line_weight, 3)`: the same exact sums (the lines are already rounded to the
    cent), as ints, which a bulk import sums several times quicker than Decimals."""
    return OrderTotals(in_places(sum(prices), 2), in_places(sum(vats), 2),
                       in_places(sum(weights), 3))


ZEROS = {2: Decimal("0.00"), 3: Decimal("0.000")}


def in_places(units: int, places: int) -> Decimal:
    """A whole number of 10**-places units as the Decimal `order_totals` gives: 3010 ->
    3.010, and 0 -> 0.000 (not 0E-3, which reads differently in an order's history)."""
    return Decimal(units).scaleb(-places) if units else ZEROS[places]


def order_totals(lines: Iterable) -> OrderTotals:
    """The totals of lines (LineFigures, or order lines: anything with their figures).
    Sums of Decimal are exact."""
    price = vat = weight = ZERO
    for line in lines:
        price += line.line_price
        vat += line.vat
        weight += line.line_weight
    return OrderTotals(money(price), money(vat), weight)
