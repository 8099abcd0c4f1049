"""Transaction cost analysis: pure functions over the journal's records and the recorded market tape.

`tape_recorder` writes the market the engine saw (sampled top of book and traded volume) into the journal's
database and `tape` reads it back; `journal_read` loads the orders to analyse from a journal file
(read-only); `orders` turns them into what `metrics` analyses (benchmarks, the implementation-shortfall
decomposition, markouts, spread capture, the schedule split); `layout` formats tables and chart series
(`model`), `report` builds the whole report and `export` writes CSV and HTML (the PDF and chart images are
drawn with Qt in widgets/tca_render.py). Money is Decimal, statistics (bps, shares of volume) are floats.
Sign convention everywhere: positive = better than the benchmark.
"""
