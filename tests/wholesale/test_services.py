import random
from decimal import Decimal

import pytest

from wholesale.models import OrderNumberCounter
from wholesale.pricing import in_units, line_figures, order_totals, order_totals_of_units
from wholesale.services import order_numbers_allocate

D = Decimal


class TestPricing:
    @pytest.mark.parametrize("unit_price, unit_weight, quantity, expected", [
        ("23.4500", "0.251", 10, ("234.50", "46.90", "2.510")),
        ("1.2300", "0.050", 5, ("6.15", "1.23", "0.250")),
        ("2.3400", "0.050", 5, ("11.70", "2.34", "0.250")),
        ("10.0000", "0", 1, ("10.00", "2.00", "0")),
    ])
    def test_the_seeds_lines_to_the_cent(self, unit_price, unit_weight, quantity, expected):
        figures = line_figures(unit_price=D(unit_price), vat_rate=D("0.2"),
                               unit_weight=D(unit_weight), quantity=quantity)
        assert (figures.line_price, figures.vat, figures.line_weight) == tuple(
            D(x) for x in expected)

    def test_the_seeds_totals(self):
        lines = [line_figures(unit_price=D(p), vat_rate=D("0.2"), unit_weight=D(w), quantity=q)
                 for p, w, q in [("23.45", "0.251", 10), ("1.23", "0.05", 5),
                                 ("2.34", "0.05", 5)]]
        totals = order_totals(lines)
        assert (totals.total_price, totals.total_vat, totals.total_weight) == (
            D("252.35"), D("50.47"), D("3.01"))

    def test_each_line_rounds_half_up_before_summing(self):
        half_cent = line_figures(unit_price=D("0.0050"), vat_rate=D("0.05"),
                                 unit_weight=D("0"), quantity=1)
        assert half_cent.line_price == D("0.01")  # banker's rounding would give 0.00
        vat_half = line_figures(unit_price=D("0.1000"), vat_rate=D("0.05"),
                                unit_weight=D("0"), quantity=1)
        assert vat_half.vat == D("0.01")  # 0.005 rounds up
        totals = order_totals([half_cent, half_cent, half_cent])
        assert totals.total_price == D("0.03")  # not round(0.015) = 0.02

    def test_totals_of_units_are_the_totals_of_the_figures(self):
        """What a bulk import sums (ints) gives the API's totals, to the digit."""
        rng = random.Random(3)
        for _ in range(500):
            lines = [line_figures(unit_price=D(rng.randint(0, 10**8)) / 10**4,
                                  vat_rate=D(rng.choice(["0", "0.05", "0.2", "0.175"])),
                                  unit_weight=D(rng.randint(0, 10**6)) / 10**3,
                                  quantity=rng.randint(1, 10**5))
                     for _ in range(rng.randint(1, 8))]
            units = order_totals_of_units([in_units(line.line_price, 2) for line in lines],
                                          [in_units(line.vat, 2) for line in lines],
                                          [in_units(line.line_weight, 3) for line in lines])
            assert units == order_totals(lines)

    def test_in_units_refuses_what_it_would_round(self):
        assert in_units(D("12.34"), 2) == 1234
        assert in_units(D("0.250"), 3) == 250
        with pytest.raises(ValueError, match="more than 2 decimal places"):
            in_units(D("0.005"), 2)


@pytest.mark.django_db
class TestOrderNumbers:
    def test_blocks_are_consecutive_and_do_not_overlap(self):
        first = order_numbers_allocate(3)
        second = order_numbers_allocate(1000)
        assert len(first) == 3 and len(second) == 1000
        assert second.start == first.stop
        assert OrderNumberCounter.objects.get().last_value == second[-1]

    def test_numbering_continues_after_the_demo_order(self, demo):
        assert order_numbers_allocate(2) == range(606740, 606742)

    def test_a_missing_counter_starts_after_the_highest_number_in_use(self, demo):
        OrderNumberCounter.objects.all().delete()
        assert order_numbers_allocate(1) == range(606740, 606741)

    def test_count_must_be_positive(self):
        with pytest.raises(ValueError):
            order_numbers_allocate(0)
