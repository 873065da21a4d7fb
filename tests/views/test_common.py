"""civdash.views.common: the helpers every page's view shares, imported from there only."""

from __future__ import annotations

from civdash.views import common, units


def test_common_exports_exactly_the_shared_view_helpers():
    assert common.__all__ == sorted(common.__all__, key=lambda n: (not n.isupper(), n))
    assert set(common.__all__) == {
        "BAR_STEP",
        "MISSING_CELL",
        "Headline",
        "TableFor",
        "Target",
        "cn_date",
        "headline",
        "headlines_for",
        "scope_target",
        "sparkline_svg",
        "target_records",
    }
    assert all(hasattr(common, name) for name in common.__all__)


def test_the_units_view_no_longer_re_exports_the_shared_helpers():
    shared = set(common.__all__)
    assert not shared & set(units.__all__)
