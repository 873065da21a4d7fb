"""区县: district names, resident population, aliases and (from GeoJSON) boundaries."""

from __future__ import annotations

from civdash.ledgers.base import Field, LedgerKind

DISTRICTS = LedgerKind(
    key="districts",
    label="区县",
    title_words=("区县", "人口"),
    # imported on its own (boundaries, population), not uploaded as a ledger spreadsheet
    uploaded=False,
    dated=False,
    count_noun="区县数",
    # the boundaries travel with the district table (GeoJSON text), not a field a sheet supplies
    stored_extras=(("geometry", "text"),),
    fields=(
        Field("name", "区县", required=True, synonyms=("区县名称", "名称", "所属区县", "县区")),
        Field(
            "population",
            "常住人口",
            type="float",
            min_value=0,
            parser="population",
            synonyms=("人口", "常住人口数", "人口数"),
        ),
        Field("code", "区划代码", synonyms=("代码", "行政区划代码")),
        Field("aliases", "别名", synonyms=("简称", "又称")),
    ),
)
