"""Shares as the web app shows them: one decimal, half up from the exact amounts, the way the
dashboard rounds the same share (money.js `share`), so the chat and the dashboard agree."""

from decimal import Decimal

from netra_agents.answers.money import share, shown_share


def test_a_share_is_rounded_once_from_the_exact_amounts():
    # $38.79 of $852.04 is 4.5526…%: 4.6%. Rounded to 4.55 first, a float shows 4.5%.
    assert shown_share(Decimal("38.79"), Decimal("852.04")) == 4.6
    assert share(Decimal("38.79"), Decimal("852.04")) == 4.55 and f"{4.55:.1f}" == "4.5"


def test_halves_round_up_and_nothing_of_nothing_is_zero():
    assert shown_share(1, 8) == 12.5  # exactly 12.5
    assert shown_share(Decimal("0.0625"), 1) == 6.3  # 6.25 rounds half up, as the dashboard's integer arithmetic does
    assert shown_share(5, 0) == 0.0
