"""数据来源: which parts the ledger in force is made of, as a line and a table (library, toolkit)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest

import civdash
from civdash.parts import composition
from civdash.sample import CLERKS, EDITOR, LATE_DISTRICT, submitted_at
from civdash.store import Store
from tests.store.helpers import ledger_result
from tests.store.test_store_parts import commit_part, district_rows


@pytest.fixture(scope="module")
def sample(sample_url: str) -> Iterator[Store]:
    store = Store(sample_url)
    yield store
    store.close()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as s:
        yield s


def test_the_sample_issues_ledger_is_made_of_seven_clerks_parts(sample):
    current = sample.current("issues")
    comp = composition(sample, current, order=[c.district for c in CLERKS])
    assert [(p.district, p.committed_by) for p in comp.parts] == [
        (c.district, c.name) for c in CLERKS
    ]
    assert sum(p.rows for p in comp.parts) == current.rows_valid
    assert (
        comp.summary(limit=2)
        == "由 7 个区县的报送合成：城关区 11月12日 陈静、东湖区 11月11日 张晓 等"
    )
    assert comp.summary(limit=0) == "由 7 个区县的报送合成"
    assert comp.summary(limit=None).count("、") == 6 and "等" not in comp.summary(limit=None)
    table = comp.table()
    assert list(table.columns) == ["区县", "截至", "报送时间", "报送人", "行数", "文件"]
    late = table.set_index("区县").loc[LATE_DISTRICT]
    clerk = next(c for c in CLERKS if c.district == LATE_DISTRICT)
    assert late["报送时间"] == f"{submitted_at(clerk, date(2026, 11, 15), 'issues'):%Y-%m-%d %H:%M}"
    assert (late["报送人"], late["截至"]) == (clerk.name, "2026-11-15")
    only = comp.only("东湖区")
    assert only.summary() == "东湖区的报送：东湖区 11月11日 张晓"


def test_a_whole_city_file_is_its_own_one_part(sample):
    comp = composition(sample, sample.current("targets").id)
    assert comp.summary() == f"全市文件 9月8日 {EDITOR}"
    assert comp.table()[["区县", "报送人"]].values.tolist() == [["全市", EDITOR]]
    assert comp.only("东湖区").parts == comp.parts  # a whole-city file holds every district


def test_districts_taken_from_a_whole_city_file_name_it_with_their_own_rows(store: Store):
    rows = pd.concat([district_rows("城关区", 3), district_rows("东湖区", 2, start=6)])
    city = ledger_result("volunteers", rows, as_of=date(2026, 11, 8), file_name="全市.xlsx",
                         rows_invalid=0)  # fmt: skip
    store.commit(city, b"city", committed_by="市办")
    commit_part(store, "东湖区", 4, day=15)
    comp = composition(store, store.current("volunteers"), order=["东湖区", "城关区"])
    assert [(p.district, p.rows, p.committed_by, p.city_file) for p in comp.parts] == [
        ("东湖区", 4, "东湖区填报员", False),
        ("城关区", 3, "市办", True),
    ]
    assert "城关区" in comp.summary() and "市办（全市文件）" in comp.summary()


def test_the_toolkit_says_what_the_ledger_in_force_is_made_of(sample):
    comp = civdash.ledger_parts(sample, "volunteers", district="高新区")
    assert [p.committed_by for p in comp.parts] == ["孙浩"]
    earlier = civdash.ledger_parts(sample, "units", as_of="2026-10-04")
    assert {p.as_of for p in earlier.parts} == {date(2026, 10, 4)}
    assert len(earlier.parts) == 7
    with pytest.raises(ValueError, match="未知区县『西湖区』"):
        civdash.ledger_parts(sample, "issues", district="西湖区")
