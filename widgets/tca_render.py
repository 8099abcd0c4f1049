"""Rendering a TCA report's charts and PDF with Qt, offscreen: no window, no display needed.

Charts are pyqtgraph `PlotItem`s in their own `QGraphicsScene`, given a fixed geometry and exported with
pyqtgraph's `ImageExporter` to PNG (a widget never shown would not lay out). The PDF is Qt's own: the same
HTML the HTML export writes, in a `QTextDocument` (tables, headings, the chart images as resources), printed
by `QPdfWriter` on A4 with page breaks between orders. No QtCharts (not in PySide6-Essentials) and no other
PDF library: Qt already ships with the GUI, and one HTML source keeps the CSV, HTML and PDF figures identical.

Takes any objects with the attributes of `engine.tca.model` (widgets never import the engine).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

CHART_WIDTH = 900
CHART_HEIGHT = 360
_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")


class SeriesLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def xs(self) -> Sequence[float]: ...
    @property
    def ys(self) -> Sequence[float]: ...
    @property
    def style(self) -> str: ...


class ChartLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def x_label(self) -> str: ...
    @property
    def y_label(self) -> str: ...
    @property
    def series(self) -> Sequence[SeriesLike]: ...
    @property
    def categories(self) -> Sequence[str]: ...


def chart_image(chart: ChartLike, width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> QImage:
    """One chart drawn offscreen into an image (white background)."""
    view = pg.GraphicsView(background="w")  # never shown: the exporter reads the scene's view
    scene = view.scene()
    timed = chart.x_label.startswith("time")  # x in seconds of the day: shown as a clock
    plot = pg.PlotItem(title=chart.title, axisItems={"bottom": pg.DateAxisItem(utcOffset=0)} if timed else None)
    scene.addItem(plot)
    plot.setTitle(chart.title, color="k")
    for name, label in (("bottom", chart.x_label), ("left", chart.y_label)):
        axis = plot.getAxis(name)
        axis.setPen("k")
        axis.setTextPen("k")
        axis.setLabel(label, color="k")
    left = plot.getAxis("left")  # room for prices: an offscreen item never re-measures its axes' text
    left.setStyle(tickTextWidth=64, autoExpandTextSpace=False)
    left.setWidth(84)
    plot.showGrid(x=True, y=True, alpha=0.2)
    legend = plot.addLegend(offset=(10, 10), labelTextColor="k") if len(chart.series) > 1 else None
    for i, series in enumerate(chart.series):
        colour = _COLOURS[i % len(_COLOURS)]
        xs, ys = np.asarray(series.xs, dtype=float), np.asarray(series.ys, dtype=float)
        if series.style == "bars":
            width_each = float(np.min(np.diff(xs))) * 0.8 if len(xs) > 1 else 0.8
            plot.addItem(pg.BarGraphItem(x=xs, height=ys, width=width_each, brush=colour, name=series.name))
        elif series.style == "points":
            plot.plot(xs, ys, pen=None, symbol="o", symbolSize=7, symbolBrush=colour, name=series.name)
        else:
            if series.style == "step" and len(xs) > 1:  # level until the next x, then the jump
                xs, ys = np.repeat(xs, 2)[1:], np.repeat(ys, 2)[:-1]
            plot.plot(xs, ys, pen=pg.mkPen(colour, width=2), name=series.name)
    if chart.categories and chart.series:
        ticks = [(float(x), label) for x, label in zip(chart.series[0].xs, chart.categories, strict=False)]
        plot.getAxis("bottom").setTicks([ticks])
    if legend is not None:
        legend.setBrush(pg.mkBrush(255, 255, 255, 200))
    plot.setGeometry(QRectF(0, 0, width, height))
    plot.layout.activate()  # lay the axes out now: no event loop will
    exporter = ImageExporter(plot)
    exporter.parameters()["width"] = width
    exporter.parameters()["background"] = pg.mkColor("w")
    image = exporter.export(toBytes=True)
    scene.removeItem(plot)
    view.deleteLater()
    assert isinstance(image, QImage)
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stub says bytes; PySide6 takes str
    buffer.close()
    return bytes(data.data())


def data_uri(image: QImage) -> str:
    """A chart as a data: URI (a single-file HTML report)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


def resource_name(chart: ChartLike) -> str:
    return f"chart-{chart.key}.png"


def pdf_document(html: str, images: dict[str, QImage]) -> QTextDocument:
    """The HTML (charts referenced by `resource_name`) as a document Qt can print."""
    document = QTextDocument()
    font = document.defaultFont()
    font.setPointSizeF(7.5)
    document.setDefaultFont(font)
    for name, image in images.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    document.setHtml(html)
    return document


def write_pdf(document: QTextDocument, path: str | Path, title: str) -> int:
    """Print `document` to a PDF file on A4 landscape (the tables are wide); returns the page count."""
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("ems tca")
    writer.setResolution(96)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape,
                                     QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter))
    rect = writer.pageLayout().paintRectPixels(writer.resolution())
    document.setPageSize(QSizeF(rect.width(), rect.height()))
    document.print_(writer)
    return document.pageCount()


def render_charts(charts: Sequence[ChartLike], progress: Callable[[int, int], None] | None = None) -> dict[str, QImage]:
    """Every chart as an image, by its key (progress after each)."""
    images: dict[str, QImage] = {}
    for done, chart in enumerate(charts, start=1):
        images[chart.key] = chart_image(chart)
        if progress is not None:
            progress(done, len(charts))
    return images
