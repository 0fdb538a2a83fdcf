"""Livestock holdings, herd sizes and new production activities (the paper's Tables 6, 8, 9).

Inputs are the long tables `livestock.csv` (household_id, year, species, breed, head) and
`production.csv` (household_id, product, unit, year, quantity). An *item* is a species
and breed ("Beef indigenous"), or the species alone when the breed is blank ("Alpacas");
a *product* is a product and its unit ("Milk prod litres/day"). study.yml `livestock:`
sets the survey `years` ([then, now]; default: the last two time points) and the order of
`items` and `products`; anything it does not list follows in order of appearance.

Definitions (documented in the book):

* Table 6: a household holds an item in a year when it reports more than 0 head; the
  percent is of the sampled households of the group (sample.csv when present, otherwise
  the households of livestock.csv).
* Table 8: mean head among the households of a movement category (default: escaped,
  over the survey years, then -> now, when both are time points) holding the item that year;
  `valid_n` counts those households. A mean over nobody is blank (the paper's "-").
* Table 9: a household is new to a product when it produces it now (quantity > 0 in the
  last year) and did not then (0 or blank in the first year); `valid_n` is the
  households producing it now, and the percent is of `valid_n`.
"""

from __future__ import annotations

import pandas as pd

from . import movements as mv
from . import outputs
from .study import Study

__all__ = [
    "display",
    "settings",
    "livestock_long",
    "production_long",
    "holdings",
    "item_order",
    "product_order",
    "herd_sizes",
    "new_activities",
    "production_shares",
]


def _need(study: Study, name: str) -> pd.DataFrame:
    if not study.has(name):
        raise KeyError(f"This study has no {name}.csv, which this table needs.")
    return study.table(name)


def display(code: str) -> str:
    """A code as a reader sees it: ``guinea_pigs`` becomes ``Guinea pigs``.

    Parameters
    ----------
    code : str
        A species, breed or product code.

    Returns
    -------
    str
        Underscores made spaces, the first letter upper case.
    """
    text = str(code).strip().replace("_", " ")
    return text[:1].upper() + text[1:]


def _label(first: pd.Series, second: pd.Series) -> pd.Series:
    second = second.fillna("").astype(str).str.strip()
    first = first.astype(str).str.strip()
    return first.where(second == "", first + " " + second)


def settings(study: Study) -> dict:
    """study.yml's ``livestock:`` settings (years, items, products), with defaults filled in.

    Parameters
    ----------
    study : Study
        A loaded study.

    Returns
    -------
    dict
        A copy of the settings; ``years`` is always there, two integers (then, now), by default the
        study's last two time points.
    """
    cfg = dict(study.meta.get("livestock") or {})
    years = cfg.get("years") or study.time_points[-2:]
    cfg["years"] = [int(y) for y in years]
    return cfg


def _item_key(entry) -> str:
    """An `items` entry of study.yml as an item label: "beef indigenous", [beef, indigenous], {species, breed}."""
    if isinstance(entry, dict):
        sp, br = entry.get("species", ""), entry.get("breed", "") or ""
    elif isinstance(entry, (list, tuple)):
        sp, br = (list(entry) + [""])[:2]
    else:
        parts = str(entry).replace("/", " ").replace(":", " ").split()
        sp, br = (parts[0] if parts else ""), " ".join(parts[1:])
    sp, br = display(sp), str(br or "").strip().lower()
    return f"{sp} {br}" if br else sp


def _ordered(found: list[str], preferred: list[str]) -> list[str]:
    """The study's preferred order first (only what is found), then the rest in order of appearance."""
    low = {f.lower(): f for f in found}
    head = [low[p.lower()] for p in preferred if p.lower() in low]
    return head + [f for f in found if f not in head]


def livestock_long(study: Study) -> pd.DataFrame:
    """livestock.csv with typed columns and an ``item`` label (species, plus breed if any).

    Parameters
    ----------
    study : Study
        A loaded study with livestock.csv.

    Returns
    -------
    pandas.DataFrame
        One row per row of the file: household_id (text), year (int), species, breed (empty text
        when none), head (float, NaN when unknown) and item.

    Raises
    ------
    KeyError
        When the study has no livestock.csv.
    """
    df = _need(study, "livestock")
    breed = df["breed"] if "breed" in df.columns else pd.Series("", index=df.index)
    out = pd.DataFrame(
        {
            "household_id": df["household_id"].astype(str),
            "year": pd.to_numeric(df["year"]).astype(int),
            "species": df["species"].astype(str).str.strip(),
            "breed": breed.fillna("").astype(str).str.strip(),
            "head": pd.to_numeric(df["head"], errors="coerce").astype(float),
        }
    )
    out["item"] = _label(out["species"].map(display), out["breed"].str.lower())
    return out


def production_long(study: Study) -> pd.DataFrame:
    """production.csv with typed columns and a ``label`` (product and unit).

    Parameters
    ----------
    study : Study
        A loaded study with production.csv.

    Returns
    -------
    pandas.DataFrame
        One row per row of the file: household_id, product, unit (empty text when none), year
        (int), quantity (float, in the row's unit; NaN when unknown) and label.

    Raises
    ------
    KeyError
        When the study has no production.csv.
    """
    df = _need(study, "production")
    unit = df["unit"] if "unit" in df.columns else pd.Series("", index=df.index)
    out = pd.DataFrame(
        {
            "household_id": df["household_id"].astype(str),
            "product": df["product"].astype(str).str.strip(),
            "unit": unit.fillna("").astype(str).str.strip(),
            "year": pd.to_numeric(df["year"]).astype(int),
            "quantity": pd.to_numeric(df["quantity"], errors="coerce").astype(float),
        }
    )
    labels = settings(study).get("products")
    names = {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}
    out["label"] = _label(out["product"].map(lambda c: names.get(c, display(c) + " prod")), out["unit"])
    return out


def _surveyed(
    study: Study,
    ids: pd.Series,
    by: str | None,
    category: str | None = None,
    period: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Surveyed households (sample.csv when present, else the given ids) with their group,
    optionally only those of one movement category over `period` (default: the survey years)."""
    if study.has("sample"):
        hid = pd.unique(study.table("sample")["household_id"].astype(str))
    else:
        hid = pd.unique(ids)
    index = pd.Index(hid, name="household_id")
    hh = study.households.set_index(study.households["household_id"].astype(str))
    out = pd.DataFrame({by: hh[by].reindex(index).to_numpy()}, index=index) if by else pd.DataFrame(index=index)
    if category is not None:
        if category not in mv.CATEGORIES:
            raise ValueError(f"category must be one of {mv.CATEGORIES}; got {category!r}.")
        start, end = period or _default_period(study, settings(study)["years"])
        cat = mv.movement_categories(study, start, end)
        cat.index = cat.index.astype(str)
        out = out[(cat.reindex(out.index) == category).fillna(False).to_numpy(dtype=bool)]
    return out


def _groups(study: Study, by: str | None) -> list[str]:
    return ([str(g) for g in pd.unique(study.households[by])] if by else []) + [mv.ALL]


def _with_all(df: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Rows once per group and once more under `All` (vectorized pooling)."""
    if by is None:
        return df.assign(group=mv.ALL)
    return pd.concat([df.assign(group=df[by].astype(str)), df.assign(group=mv.ALL)], ignore_index=True)


def _order(df: pd.DataFrame, keys: dict[str, list]) -> pd.DataFrame:
    tmp = df.copy()
    for col, cats in keys.items():
        tmp[col] = pd.Categorical(tmp[col], categories=cats, ordered=True)
    tmp = tmp.sort_values(list(keys), kind="stable")
    for col in keys:
        tmp[col] = tmp[col].astype(str)
    return tmp.reset_index(drop=True)


def holdings(
    study: Study,
    by: str | None = "region",
    category: str | None = None,
    period: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """The paper's Table 6: households holding each item in each survey year.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    by : str or None, default "region"
        A household column to group by; ``None`` gives only the row for all households.
    category : str, optional
        Restrict to one movement category (for example ``"escaped"``) over `period`.
    period : (int, int), optional
        The period of `category`; by default the first to the last year of the livestock survey
        (else the study's first period).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``group, item, species, breed, year, households, base, percent`` (percent of the
        surveyed households).
    """
    lv = livestock_long(study)
    surveyed = _surveyed(study, lv["household_id"], by, category, period)
    years = settings(study)["years"]
    lv = lv[lv["year"].isin(years)]
    order = item_order(study, lv)
    items = lv.drop_duplicates("item").set_index("item").loc[order, ["species", "breed"]].reset_index()
    held = lv[(lv["head"] > 0) & lv["household_id"].isin(surveyed.index)]
    held = held.drop_duplicates(["household_id", "item", "year"])
    held = held.join(surveyed, on="household_id")
    counts = _with_all(held, by).groupby(["group", "item", "year"]).size()
    base = _with_all(surveyed.reset_index(), by).groupby("group").size()
    groups = _groups(study, by)
    grid = pd.MultiIndex.from_product([groups, items["item"], years], names=["group", "item", "year"])
    out = counts.reindex(grid, fill_value=0).rename("households").reset_index()
    out = out.merge(items, on="item", how="left")
    out["base"] = out["group"].map(base).fillna(0).astype(int)
    out["households"] = out["households"].astype(int)
    out["percent"] = 100.0 * out["households"] / out["base"].where(out["base"] > 0)
    out = out[["group", "item", "species", "breed", "year", "households", "base", "percent"]]
    return _order(out, {"group": groups, "item": order})


def item_order(study: Study, lv: pd.DataFrame) -> list[str]:
    """Livestock items in study.yml's ``livestock: items`` order, then in order of appearance.

    Parameters
    ----------
    study : Study
        A loaded study.
    lv : pandas.DataFrame
        `livestock_long` of the study.

    Returns
    -------
    list of str
        Each item label of `lv` once.
    """
    return _ordered(list(pd.unique(lv["item"])), [_item_key(e) for e in settings(study).get("items") or []])


def product_order(study: Study, pr: pd.DataFrame) -> list[str]:
    """Product labels in study.yml's ``livestock: products`` order, then in order of appearance.

    Parameters
    ----------
    study : Study
        A loaded study.
    pr : pandas.DataFrame
        `production_long` of the study.

    Returns
    -------
    list of str
        Each label of `pr` once.
    """
    pref = settings(study).get("products") or []
    codes = list(pref) if not isinstance(pref, dict) else list(pref.keys())
    found = list(pd.unique(pr["label"]))
    by_code = pr.drop_duplicates("label").groupby("product", sort=False)["label"].agg(list)
    wanted = [lab for c in codes for lab in by_code.get(str(c), [])]
    return _ordered(found, wanted)


def _default_period(study: Study, years: list[int]) -> tuple[int, int]:
    if len(years) >= 2 and years[0] in study.time_points and years[-1] in study.time_points:
        return years[0], years[-1]
    return study.periods()[0]


def herd_sizes(
    study: Study,
    category: str | None = "escaped",
    period: tuple[int, int] | None = None,
    by: str | None = "region",
) -> pd.DataFrame:
    """The paper's Table 8: mean head per item and year among the holding households.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    category : str or None, default "escaped"
        The movement category; ``None`` takes every surveyed household.
    period : (int, int), optional
        The period of `category`; by default the first to the last year of the livestock survey
        (else the study's first period).
    by : str or None, default "region"
        A household column to group by; ``None`` gives only the row for all households.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``group, item, year, mean, valid_n`` (households holding the item that year),
        ``n`` (surveyed households of the category).
    """
    lv = livestock_long(study)
    years = settings(study)["years"]
    lv = lv[lv["year"].isin(years)]
    surveyed = _surveyed(study, lv["household_id"], by, category, period)
    items = item_order(study, lv)
    held = lv[(lv["head"] > 0) & lv["household_id"].isin(surveyed.index)]
    held = held.groupby(["household_id", "item", "year"], as_index=False)["head"].sum()
    held = held.join(surveyed, on="household_id")
    g = _with_all(held, by).groupby(["group", "item", "year"])["head"]
    stats = pd.DataFrame({"mean": g.mean(), "valid_n": g.size()})
    groups = _groups(study, by)
    grid = pd.MultiIndex.from_product([groups, items, years], names=["group", "item", "year"])
    out = stats.reindex(grid).reset_index()
    out["valid_n"] = out["valid_n"].fillna(0).astype(int)
    n = _with_all(surveyed.reset_index(), by).groupby("group").size()
    out["n"] = out["group"].map(n).fillna(0).astype(int)
    out.insert(1, "category", category or "all")
    return _order(out, {"group": groups, "item": items})


def new_activities(study: Study, by: str | None = "region") -> pd.DataFrame:
    """The paper's Table 9: households producing something now that they did not produce at first.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    by : str or None, default "region"
        A household column to group by; ``None`` gives only the row for all households.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``group, product, unit, label, households`` (new producers), ``valid_n``
        (producing now), ``percent`` (of ``valid_n``).
    """
    pr = production_long(study)
    years = settings(study)["years"]
    if len(years) < 2:
        raise ValueError("study.yml `livestock: years` needs two years (then and now) to find new activities.")
    then, now = years[0], years[-1]
    pr = pr[pr["year"].isin([then, now])]
    surveyed = _surveyed(study, pr["household_id"], by)
    pr = pr[pr["household_id"].isin(surveyed.index)]
    q = pr.pivot_table(index=["household_id", "label"], columns="year", values="quantity", aggfunc="sum")
    q = q.reindex(columns=[then, now])
    producing_now = q[now].fillna(0) > 0
    new = producing_now & ~(q[then].fillna(0) > 0)
    flags = pd.DataFrame({"valid_n": producing_now.astype(int), "households": new.astype(int)}).reset_index()
    flags = flags.join(surveyed, on="household_id")
    sums = _with_all(flags, by).groupby(["group", "label"])[["households", "valid_n"]].sum()
    order = product_order(study, pr)
    products = pr.drop_duplicates("label").set_index("label").loc[order, ["product", "unit"]].reset_index()
    groups = _groups(study, by)
    grid = pd.MultiIndex.from_product([groups, products["label"]], names=["group", "label"])
    out = sums.reindex(grid, fill_value=0).reset_index().merge(products, on="label", how="left")
    out["percent"] = 100.0 * out["households"] / out["valid_n"].where(out["valid_n"] > 0)
    out = out[["group", "product", "unit", "label", "households", "valid_n", "percent"]]
    return _order(out, {"group": groups, "label": order})


def production_shares(
    study: Study,
    by: str | None = "region",
    category: str | None = None,
    period: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Households producing each product in each survey year, and the total quantity.

    Parameters
    ----------
    study : Study
        A loaded study (`stagesofprogress.study.load_study`).
    by : str or None, default "region"
        A household column to group by; ``None`` gives only the row for all households.
    category : str, optional
        Restrict to one movement category (for example ``"escaped"``) over `period`.
    period : (int, int), optional
        The period of `category`; by default the first to the last year of the livestock survey
        (else the study's first period).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``group, product, unit, label, year, households`` (quantity above 0), ``base``,
        ``percent`` (of the surveyed households), ``quantity``.
    """
    pr = production_long(study)
    years = settings(study)["years"]
    pr = pr[pr["year"].isin(years)]
    surveyed = _surveyed(study, pr["household_id"], by, category, period)
    pr = pr[pr["household_id"].isin(surveyed.index)]
    per = pr.groupby(["household_id", "label", "year"], as_index=False)["quantity"].sum()
    per["producing"] = (per["quantity"] > 0).astype(int)
    per = per.join(surveyed, on="household_id")
    sums = _with_all(per, by).groupby(["group", "label", "year"])[["producing", "quantity"]].sum()
    order = product_order(study, pr) if len(pr) else []
    groups = _groups(study, by)
    grid = pd.MultiIndex.from_product([groups, order, years], names=["group", "label", "year"])
    out = sums.reindex(grid, fill_value=0).reset_index().rename(columns={"producing": "households"})
    products = pr.drop_duplicates("label").set_index("label")[["product", "unit"]]
    out = out.join(products, on="label")
    base = _with_all(surveyed.reset_index(), by).groupby("group").size()
    out["base"] = out["group"].map(base).fillna(0).astype(int)
    out["households"] = out["households"].astype(int)
    out["percent"] = 100.0 * out["households"] / out["base"].where(out["base"] > 0)
    out = out[["group", "product", "unit", "label", "year", "households", "base", "percent", "quantity"]]
    return _order(out, {"group": groups, "label": order})


@outputs.producer("livestock")
def _produce(study: Study) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    if study.has("livestock"):
        out["livestock_holdings.csv"] = holdings(study)
        out["herd_sizes.csv"] = herd_sizes(study)
    if study.has("production"):
        out["new_activities.csv"] = new_activities(study)
    return out
