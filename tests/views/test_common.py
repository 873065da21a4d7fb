"""civdash.views.common: the helpers every page's view shares, and the old import path."""

from __future__ import annotations

from civdash.views import common, units


def test_common_exports_exactly_the_shared_view_helpers():
    assert common.__all__ == sorted(common.__all__, key=lambda n: (not n.isupper(), n))
    assert set(common.__all__) == {
        "BAR_STEP",
        "Headline",
        "TableFor",
        "Target",
        "cn_date",
        "configured",
        "headline",
        "headlines_for",
        "scope_target",
        "target_records",
    }
    assert all(hasattr(common, name) for name in common.__all__)


def test_units_module_still_exports_the_helpers_other_modules_import_from_it():
    for name in ("Headline", "TableFor", "cn_date", "configured", "headline", "scope_target"):
        assert name in units.__all__
        assert getattr(units, name) is getattr(common, name)
