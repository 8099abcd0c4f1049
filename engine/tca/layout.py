"""How a TCA report lays out: the summary row of each order, and each order's section (tables, chart series)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from engine.tca.metrics import OrderTca, breakdown, child_benchmark, signed_bps
from engine.tca.model import Chart, Section, Series, Table
from engine.tca.orders import seconds_of_day
from engine.tca.tape import Tape

_CENT = Decimal("0.01")
SHORTFALL_COLUMNS = (
    "Order", "Kind", "Symbol", "Side", "Qty", "Filled", "Avg px", "Arrival mid", "IS", "Delay", "Execution",
    "Opportunity", "Fees",
)
BENCHMARK_COLUMNS = (
    "Order", "vs interval VWAP", "vs day VWAP", "vs close", "Participation %", "Spread capture", "Markout 1s",
    "Markout 5s", "Markout 60s", "Schedule", "Execution vs schedule",
)


def bps(value: float | None) -> str:
    return "" if value is None else f"{round(value, 2) + 0.0:+.2f}"  # + 0.0: no "-0.00"


def price(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.4f}"


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value.quantize(_CENT, ROUND_HALF_UP) + 0:,.2f}"  # + 0: no "-0.00"


def pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f}"


def clock(ts_ns: int) -> str:
    secs = seconds_of_day(ts_ns)
    whole = int(secs)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}.{int((secs - whole) * 1000):03d}"


def shortfall_row(tca: OrderTca) -> tuple[str, ...]:
    order, sf = tca.order, tca.shortfall
    return (
        order.order_id, order.kind, order.symbol, order.side.name, f"{order.quantity:,}", f"{tca.filled:,}",
        price(tca.avg_price), price(tca.benchmarks.arrival_mid),
        bps(sf.bps(sf.total) if sf else None), bps(sf.bps(sf.delay) if sf else None),
        bps(sf.bps(sf.execution) if sf else None), bps(sf.bps(sf.opportunity) if sf else None),
        bps(sf.bps(sf.fees) if sf else None),
    )


def benchmark_row(tca: OrderTca) -> tuple[str, ...]:
    b = tca.benchmarks
    markouts = {s: v for s, v, _ in tca.markouts_bps}
    return (
        tca.order.order_id, bps(tca.vs(b.interval_vwap)), bps(tca.vs(b.day_vwap)), bps(tca.vs(b.close)),
        pct(tca.participation), bps(tca.spread_capture_bps), bps(markouts.get(1)), bps(markouts.get(5)),
        bps(markouts.get(60)), bps(tca.schedule.schedule_bps if tca.schedule else None),
        bps(tca.schedule.execution_bps if tca.schedule else None),
    )


def summary_tables(results: Sequence[OrderTca]) -> tuple[Table, Table]:
    """Two summary tables, one row per order: the shortfall against arrival, and the other benchmarks."""
    return (Table("summary-shortfall", "Summary: implementation shortfall vs arrival, bps (positive = better)",
                  SHORTFALL_COLUMNS, tuple(shortfall_row(r) for r in results)),
            Table("summary-benchmarks", "Summary: other benchmarks, bps (positive = better; participation in %)",
                  BENCHMARK_COLUMNS,
                  tuple(benchmark_row(r) for r in results)))


def section(tca: OrderTca, tape: Tape | None) -> Section:
    order = tca.order
    key = order.order_id
    tables = [_shortfall(tca), _benchmarks(tca)]
    for name, keyfn in (("venues", lambda e: e.venue), ("order types", lambda e: e.order_type)):
        rows = tuple((g.name, str(g.executions), f"{g.quantity:,}", pct(g.share), price(g.avg_price),
                      bps(g.vs_arrival_bps), bps(g.vs_interval_vwap_bps), money(g.fees), bps(g.spread_capture_bps))
                     for g in breakdown(tca, tape, keyfn))
        tables.append(Table(f"{key}-{name.replace(' ', '_')}", f"{key}: by {name[:-1]}",
                            (name[:-1].capitalize(), "Executions", "Qty", "Share %", "Avg px", "vs arrival bps",
                             "vs interval VWAP bps", "Fees", "Spread capture bps"), rows))
    if order.children:
        tables.append(_children(tca, tape))
    else:
        tables.append(Table(f"{key}-executions", f"{key}: executions",
                            ("Time", "Venue", "Type", "Qty", "Price", "Fee", "vs arrival bps"),
                            tuple((clock(e.ts_ns), e.venue, e.order_type, f"{e.quantity:,}", price(e.price),
                                   money(e.fee), bps(signed_bps(order.side, order.arrival_mid, e.price)))
                                  for e in order.executions)))
    title = (f"{order.kind.capitalize()} {key}: {order.side.name} {order.quantity:,} {order.symbol}, "
             f"filled {tca.filled:,}")
    return Section(key, title, _notes(tca), tuple(tables), _charts(tca, tape))


def _notes(tca: OrderTca) -> tuple[str, ...]:
    notes = [f"Window {clock(tca.order.start_ns)} to {clock(tca.order.done_ns)}."]
    if tca.shortfall is not None:
        notes.append(f"Delay measured from {tca.shortfall.release_mid_source}.")
    b = tca.benchmarks
    if b.close_ns is not None:
        notes.append(f"Close: the last trade on the tape that day, at {clock(b.close_ns)}.")
    measured = ", ".join(f"+{s}s: {n} of {len(tca.order.executions)}" for s, _, n in tca.markouts_bps)
    notes.append(f"Markouts measured (the tape must reach the horizon): {measured}.")
    return tuple(notes)


def _shortfall(tca: OrderTca) -> Table:
    sf = tca.shortfall
    rows: list[tuple[str, ...]] = []
    if sf is not None:
        for name, value in (("Delay", sf.delay), ("Execution (impact + timing)", sf.execution),
                            ("Opportunity (unfilled)", sf.opportunity), ("Fees", sf.fees), ("Total", sf.total)):
            rows.append((name, money(value), bps(sf.bps(value))))
    return Table(f"{tca.order.order_id}-shortfall", f"{tca.order.order_id}: implementation shortfall vs arrival",
                 ("Component", "Money", "bps"), tuple(rows))


def _benchmarks(tca: OrderTca) -> Table:
    b = tca.benchmarks
    rows = [("Arrival mid", price(b.arrival_mid), bps(tca.vs(b.arrival_mid))),
            ("Interval VWAP", price(b.interval_vwap), bps(tca.vs(b.interval_vwap))),
            ("Day VWAP", price(b.day_vwap), bps(tca.vs(b.day_vwap))),
            ("Close", price(b.close), bps(tca.vs(b.close)))]
    if tca.schedule is not None:
        rows.append(("Schedule (perfect execution)", price(tca.schedule.schedule_price),
                     bps(tca.vs(tca.schedule.schedule_price))))
    rows.append(("Average price", price(tca.avg_price), ""))
    rows.append(("Market volume in window", "" if b.market_volume is None else f"{b.market_volume:,}", ""))
    return Table(f"{tca.order.order_id}-benchmarks", f"{tca.order.order_id}: benchmarks",
                 ("Benchmark", "Price", "bps"), tuple(rows))


def _children(tca: OrderTca, tape: Tape | None) -> Table:
    side = tca.order.side
    rows = []
    for child in tca.order.children:
        filled = sum(e.quantity for e in child.executions)
        avg = (sum((e.price * e.quantity for e in child.executions), Decimal(0)) / filled) if filled else None
        bench, kind = child_benchmark(child, tape)
        rows.append((child.child_id, clock(child.ts_ns), child.venue, child.order_type, f"{child.quantity:,}",
                     price(child.price) or "MKT", child.reason, f"{filled:,}", price(avg), kind, price(bench),
                     bps(signed_bps(side, bench, avg))))
    return Table(f"{tca.order.order_id}-children", f"{tca.order.order_id}: child orders",
                 ("Child", "Time", "Venue", "Type", "Qty", "Price", "Reason", "Filled", "Avg px", "Benchmark",
                  "Bench px", "bps"), tuple(rows))


def _charts(tca: OrderTca, tape: Tape | None) -> tuple[Chart, ...]:
    order = tca.order
    key = order.order_id
    executions = order.executions
    charts = []
    filled = 0
    xs, ys = [seconds_of_day(order.start_ns)], [0.0]
    for e in executions:
        filled += e.quantity
        xs.append(seconds_of_day(e.ts_ns))
        ys.append(float(filled))
    series = [Series("executed", tuple(xs), tuple(ys), "step")]
    if order.schedule:
        points = [(order.start_ns, 0), *order.schedule]
        series.append(Series("schedule", tuple(seconds_of_day(t) for t, _ in points),
                             tuple(float(q) for _, q in points), "line"))
    charts.append(Chart(f"{key}-schedule", f"{key}: execution vs schedule", "time", "shares",
                        tuple(series)))
    price_series = []
    if tape:
        start, end = order.start_ns, order.done_ns
        mids = [(p.ts_ns, p.mid) for p in tape.points if start <= p.ts_ns <= end and p.mid is not None]
        price_series.append(Series("mid", tuple(seconds_of_day(t) for t, _ in mids),
                                   tuple(float(m) for _, m in mids if m is not None), "line"))
        vwap_xs, vwap_ys = [], []
        for t, _ in mids:
            vwap = tape.vwap(start, t)
            if vwap is not None:
                vwap_xs.append(seconds_of_day(t))
                vwap_ys.append(float(vwap))
        price_series.append(Series("market VWAP since start", tuple(vwap_xs), tuple(vwap_ys), "line"))
    price_series.append(Series("fills", tuple(seconds_of_day(e.ts_ns) for e in executions),
                               tuple(float(e.price) for e in executions), "points"))
    charts.append(Chart(f"{key}-price", f"{key}: price, fills and VWAP", "time", "price",
                        tuple(price_series)))
    slips = [signed_bps(order.side, order.arrival_mid, e.price) for e in executions]
    known = [s for s in slips if s is not None]
    charts.append(_histogram(f"{key}-slippage", f"{key}: slippage of each execution vs arrival (bps, + = better)",
                             known))
    groups = breakdown(tca, tape, lambda e: e.venue)
    charts.append(Chart(f"{key}-venues", f"{key}: quantity by venue", "venue", "shares",
                        (Series("quantity", tuple(float(i) for i in range(len(groups))),
                                tuple(float(g.quantity) for g in groups), "bars"),),
                        tuple(g.name for g in groups)))
    return tuple(charts)


def _histogram(key: str, title: str, values: Sequence[float], bins: int = 12) -> Chart:
    if not values:
        return Chart(key, title, "bps", "executions", (Series("executions", (), (), "bars"),))
    low, high = min(values), max(values)
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / width))] += 1
    centres = tuple(low + width * (i + 0.5) for i in range(bins))
    return Chart(key, title, "bps", "executions", (Series("executions", centres, tuple(map(float, counts)), "bars"),),
                 tuple(f"{c:+.1f}" for c in centres))

