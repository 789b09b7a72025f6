"""Chart geometry shared by the page (SVG drawn by the template) and the pdf/docx (a reportlab drawing).

A horizontal bar chart: one bar per row, the row's label at the left and its figure at the end of the bar.
The page shows the data table beside the chart, so the chart is a picture of the table, never the only copy.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BARS = 30
LABEL_WIDTH = 190
BAR_AREA = 360
ROW_HEIGHT = 22
TOP = 8


@dataclass
class Bar:
    label: str
    value: float
    text: str
    y: int
    width: int


@dataclass
class Chart:
    title: str
    description: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    truncated: int = 0  # rows left out of the picture (still in the table)

    @property
    def text_y_offset(self) -> int:
        return ROW_HEIGHT // 2 + 4


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", "\u202f")
    return str(value)


def build_chart(result, title: str = "") -> Chart | None:
    """The chart of a report result, or None when there is nothing to draw."""
    from django.utils.translation import gettext as _

    column = result.chart
    rows = [r for r in result.rows if isinstance(r.get(column), int | float)]
    if not rows:
        return None
    shown = rows[:MAX_BARS]
    top = max(float(r[column]) for r in shown) or 1.0
    label_col = next((c for c in result.columns if c.key == column), None)
    bars = []
    for i, row in enumerate(shown):
        label = str(row.get("label", ""))
        if "period" in row:
            label = f"{row['period'].isoformat()} · {label}"
        value = float(row[column])
        bars.append(
            Bar(
                label=label[:32],
                value=value,
                text=_text(row[column]),
                y=TOP + i * ROW_HEIGHT,
                width=max(1, int(BAR_AREA * value / top)) if value > 0 else 0,
            )
        )
    best = max(shown, key=lambda r: r[column])
    description = _("%(measure)s for %(count)s rows; the highest is %(label)s with %(value)s.") % {
        "measure": label_col.label if label_col else column,
        "count": len(rows),
        "label": best.get("label", ""),
        "value": _text(best[column]),
    }
    return Chart(
        title=title or result.title,
        description=description,
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA + 80,
        height=TOP * 2 + len(bars) * ROW_HEIGHT,
        truncated=len(rows) - len(shown),
    )


def reportlab_drawing(chart: Chart, *, scale: float = 0.8):
    """The same chart as a reportlab ``Drawing`` (pdf flowable; rendered to PNG for docx)."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors

    width, height = chart.width * scale, chart.height * scale
    drawing = Drawing(width, height)
    for bar in chart.bars:
        y = height - (bar.y + ROW_HEIGHT) * scale
        drawing.add(String(2, y + 6 * scale, bar.label, fontName="Helvetica", fontSize=8))
        if bar.width:
            drawing.add(
                Rect(
                    chart.label_width * scale,
                    y + 3 * scale,
                    bar.width * scale,
                    (ROW_HEIGHT - 6) * scale,
                    fillColor=colors.HexColor("#1f5f8b"),
                    strokeColor=None,
                )
            )
        drawing.add(
            String(
                (chart.label_width + bar.width + 4) * scale,
                y + 6 * scale,
                bar.text,
                fontName="Helvetica",
                fontSize=8,
            )
        )
    return drawing


def png_bytes(chart: Chart, *, scale: int = 2) -> bytes:
    """The chart as a PNG (for docx, which takes raster pictures), drawn with Pillow (a reportlab dependency)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (chart.width * scale, chart.height * scale), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=11 * scale)
    for bar in chart.bars:
        y = bar.y * scale
        draw.text((2 * scale, y + 5 * scale), bar.label, fill="#333333", font=font)
        if bar.width:
            draw.rectangle(
                (
                    chart.label_width * scale,
                    y + 3 * scale,
                    (chart.label_width + bar.width) * scale,
                    y + 19 * scale,
                ),
                fill="#284162",
            )
        draw.text(
            ((chart.label_width + bar.width + 4) * scale, y + 5 * scale), bar.text, fill="#333333", font=font
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
