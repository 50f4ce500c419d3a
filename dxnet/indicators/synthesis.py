"""The synthesis report (tổng hợp báo cáo) a supervisor sends upward: the period's completeness
and timeliness, the indicators of a form against their targets, the figures by child unit and
the units that did not report, as a DOCX in the Vietnamese administrative layout (Decree
30/2020/NĐ-CP) and an XLSX with the same tables.

Built on the worker (``build_synthesis``), from bulk reads only: one ``rollup.sums_for`` for the
subtree, one for the child units, one target query and the completeness state table — whatever
the size of the subtree (the whole country is ~3,400 units).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from dxnet.core import access, audit
from dxnet.network.models import Unit, UnitType

from . import rollup, selectors
from .completeness import Counts, OwingUnit, StateTable, late_units, state_table
from .models import FormIndicator, Indicator, IndicatorVersion, ReportForm, Synthesis
from .periods import MONTHS_IN, Period, PeriodType, span
from .selectors import achievement

logger = logging.getLogger(__name__)

MAIN_INDICATORS = 5  # columns of section III in the DOCX (the XLSX has every indicator)
DOCX_LIST_LIMIT = 300  # units listed in section IV of the DOCX (the XLSX lists them all)


class SynthesisRejected(ValueError):
    """The request cannot be made; the message says why, for the person asking."""


# --- requesting -----------------------------------------------------------------------------------


def synthesis_request(*, actor: Any, unit: Unit, form: ReportForm, period: Period, notes: str = "",
                      enqueue: bool = True) -> Synthesis:
    """A supervisor asks for the synthesis of ``form`` for ``period`` over ``unit``'s subtree. It is
    built on the worker; the row shows its progress and, when done, the DOCX and XLSX.
    ``enqueue=False``: the caller builds it itself (``manage.py synthesis_build``)."""
    if actor is not None:  # None: the system itself (command line, benchmarks)
        access.check(actor, "create", unit, Synthesis)
    if period.type != form.ptype:
        raise SynthesisRejected(_("%(period)s is not a period of this form (it is reported by %(type)s).")
                                % {"period": period.dhis2, "type": form.get_period_type_display().lower()})
    with transaction.atomic():
        synthesis = Synthesis.objects.create(unit=unit, form=form, period=period.start, notes=notes.strip(),
                                             created_by=actor if getattr(actor, "pk", None) else None)
        audit.record(actor=actor, action="synthesis.request", obj=synthesis, unit=unit,
                     after={"form": form.code, "period": period.dhis2, "notes": synthesis.notes})
        if enqueue:
            # Enqueued once the row is committed, so that the worker finds it.
            transaction.on_commit(lambda: build_synthesis.enqueue(synthesis.pk))
    return synthesis


def synthesis_list(*, actor: Any, unit: Unit) -> Any:
    access.check(actor, "view", unit, Synthesis)
    return access.visible(actor, Synthesis.objects.filter(unit=unit)).select_related("form", "created_by")


def access_synthesis(*, actor: Any, unit: Unit, synthesis_id: int) -> Synthesis:
    """One synthesis of ``unit`` the actor may read; 404 otherwise."""
    return access.get_or_404(actor, Synthesis.objects.select_related("unit", "form", "created_by"), "view",
                             pk=synthesis_id, unit=unit)


# --- the task -------------------------------------------------------------------------------------


@task()
def build_synthesis(synthesis_id: int) -> str:
    """Build the DOCX and XLSX of a requested synthesis and store them in its row."""
    synthesis = Synthesis.objects.select_related("unit", "form", "created_by").get(pk=synthesis_id)
    started = time.perf_counter()
    _progress(synthesis, Synthesis.Status.RUNNING, 5)
    try:
        data = collect(synthesis, progress=lambda n: _progress(synthesis, Synthesis.Status.RUNNING, n))
        _progress(synthesis, Synthesis.Status.RUNNING, 60)
        docx_bytes = render_docx(data)
        _progress(synthesis, Synthesis.Status.RUNNING, 80)
        xlsx_bytes = render_xlsx(data)
        _progress(synthesis, Synthesis.Status.RUNNING, 95)
        base = f"tong-hop-{synthesis.form.code}-{synthesis.unit.code}-{data.period.dhis2}-{synthesis.pk}".lower()
        with transaction.atomic():
            synthesis.docx.save(f"{base}.docx", ContentFile(docx_bytes), save=False)
            synthesis.xlsx.save(f"{base}.xlsx", ContentFile(xlsx_bytes), save=False)
            synthesis.status, synthesis.progress, synthesis.error = Synthesis.Status.DONE, 100, ""
            synthesis.finished_at = timezone.now()
            synthesis.save(update_fields=["docx", "xlsx", "status", "progress", "error", "finished_at"])
            audit.record(actor=None, action="synthesis.done", obj=synthesis, unit=synthesis.unit,
                         after={"docx": synthesis.docx.name, "xlsx": synthesis.xlsx.name,
                                "seconds": round(time.perf_counter() - started, 2),
                                "expected": data.total.expected, "submitted": data.total.submitted})
    except Exception as exc:
        logger.exception("synthesis %s failed", synthesis_id)
        with transaction.atomic():
            Synthesis.objects.filter(pk=synthesis.pk).update(status=Synthesis.Status.FAILED, error=str(exc)[:2000],
                                                             finished_at=timezone.now())
            audit.record(actor=None, action="synthesis.fail", obj=synthesis, unit=synthesis.unit,
                         after={"error": str(exc)[:500]})
        raise
    return synthesis.status


def _progress(synthesis: Synthesis, status: str, percent: int) -> None:
    Synthesis.objects.filter(pk=synthesis.pk).update(status=status, progress=percent)


# --- the figures ----------------------------------------------------------------------------------


@dataclass
class Figure:
    """One indicator of the subtree for the period."""

    indicator: Indicator
    version: IndicatorVersion
    value: float | None
    previous: float | None
    target: float | None
    target_is_annual: bool = False
    year_to_date: float | None = None  # from January to the period's end, by the rule over time

    @property
    def achievement(self) -> float | None:
        """Against the period's own target; against an annual target, the year to date counts
        (flows add up over the months, stocks take the latest)."""
        value = self.year_to_date if self.target_is_annual else self.value
        return achievement(value, self.target, self.version.direction)

    @property
    def change(self) -> float | None:
        return None if self.value is None or self.previous is None else self.value - self.previous

    @property
    def change_pct(self) -> float | None:
        if self.change is None or not self.previous:
            return None
        return 100.0 * self.change / abs(self.previous)


@dataclass
class Heading:
    issuer_top: str  # e.g. UBND TỈNH ĐẮK LẮK
    issuer: str  # e.g. SỞ NỘI VỤ
    abbreviation: str  # e.g. SNV, for the number line "Số: …/BC-SNV"
    place: str  # e.g. Đắk Lắk
    signer_title: str
    signer_name: str
    recipient: str  # whom the report goes to, e.g. UBND tỉnh Đắk Lắk
    body_name: str = ""  # the issuing body as written in a sentence, e.g. Sở Nội vụ tỉnh Đắk Lắk


@dataclass
class SynthesisData:
    synthesis: Synthesis
    unit: Unit
    form: ReportForm
    period: Period
    previous: Period
    due: dt.date
    issued_on: dt.date
    heading: Heading
    total: Counts
    by_child: list[tuple[Unit, Counts]]
    figures: list[Figure]
    children: list[Unit]
    child_values: dict[tuple[int, int], float | None]  # (indicator id, child id) → value
    owing: list[OwingUnit]
    holder: dict[str, str] = field(default_factory=dict)  # unit code → name of the child holding it

    @property
    def main(self) -> list[Figure]:
        return self.figures[:MAIN_INDICATORS]


def indicator_periods(indicator: Indicator, period: Period) -> list[Period]:
    """The periods of ``indicator``'s own type that make up ``period`` (its months, for a
    quarterly form), or the one that contains it when the indicator's periods are longer."""
    ptype = PeriodType(indicator.period_type)
    if MONTHS_IN[ptype] >= MONTHS_IN[period.type]:
        return [Period.containing(ptype, period.start)]
    return span(Period.containing(ptype, period.start), Period.containing(ptype, period.end))


def _value(version: IndicatorVersion, sums: dict[tuple[int, int, dt.date], rollup.Sums], indicator_id: int,
           unit_id: int, periods: list[Period]) -> float | None:
    by_period = {p.start: sums.get((indicator_id, unit_id, p.start), rollup.Sums()) for p in periods}
    return rollup.compute(version.aggregation, rollup.over_time(version.aggregation, by_period))


def collect(synthesis: Synthesis, *, progress: Any = None, today: dt.date | None = None) -> SynthesisData:
    """Every figure the synthesis shows, from bulk reads."""
    unit, form = synthesis.unit, synthesis.form
    period = Period.containing(form.ptype, synthesis.period)
    previous = period.previous()
    table: StateTable = state_table(form=form, periods=[period], within=unit, today=today, with_times=True)
    if progress:
        progress(25)
    by_child_counts = table.counts_by_child(period)
    child_ids = [k for k in by_child_counts if k is not None]
    children_by_id = {u.pk: u for u in Unit.objects.filter(pk__in=child_ids)}
    by_child = [(unit, by_child_counts[None])] if None in by_child_counts else []
    by_child += [(children_by_id[k], by_child_counts[k])
                 for k in sorted(child_ids, key=lambda k: children_by_id[k].path)]
    total = table.counts(period)

    form_indicators = list(FormIndicator.objects.filter(form=form).select_related("indicator")
                           .prefetch_related("indicator__versions").order_by("order", "id"))
    indicators = [fi.indicator for fi in form_indicators]
    periods_of = {i.pk: indicator_periods(i, period) for i in indicators}
    previous_of = {i.pk: indicator_periods(i, previous) for i in indicators}
    ytd_of = {i.pk: [p for p in span(Period.containing(i.ptype, dt.date(period.start.year, 1, 1)), periods_of[i.pk][-1])
                     if p.start.year == period.start.year] for i in indicators}
    starts = sorted({p.start for i in indicators for p in periods_of[i.pk] + previous_of[i.pk] + ytd_of[i.pk]})
    ids = [i.pk for i in indicators]
    sums = rollup.sums_for(ids, [unit.pk], starts)

    children = [u for u, _counts in by_child if u.pk != unit.pk]
    if not children:
        # Nobody below is expected to report this form: show the children that hold values.
        candidates = list(Unit.objects.current(period.end).filter(parent=unit).order_by("path"))
        child_sums = rollup.sums_for(ids, [c.pk for c in candidates], [p.start for i in indicators
                                                                       for p in periods_of[i.pk]])
        holding = {k[1] for k, s in child_sums.items() if s.n}
        children = [c for c in candidates if c.pk in holding]
    else:
        child_sums = rollup.sums_for(ids, [c.pk for c in children],
                                     sorted({p.start for i in indicators for p in periods_of[i.pk]}))
    if progress:
        progress(45)
    targets = _targets(indicators, [unit], period)
    figures, child_values = [], {}
    for i in indicators:
        version = i.version_for(period.start.year)
        if version is None:
            continue
        previous_version = i.version_for(previous.start.year) or version
        target, annual = targets.get((i.pk, unit.pk), (None, False))
        figures.append(Figure(i, version, _value(version, sums, i.pk, unit.pk, periods_of[i.pk]),
                              _value(previous_version, sums, i.pk, unit.pk, previous_of[i.pk]), target, annual,
                              _value(version, sums, i.pk, unit.pk, ytd_of[i.pk])))
        for c in children:
            child_values[(i.pk, c.pk)] = _value(version, child_sums, i.pk, c.pk, periods_of[i.pk])
    # Those still owing the report first, then those who sent it late; in tree order within each.
    order = {"missing": 0, "returned": 1, "pending": 2, "late": 3}
    owing = sorted(late_units(form=form, period=period, within=unit, include_late=True, table=table),
                   key=lambda o: (order.get(o.state, 9), o.unit.path))
    holder = {}
    for o in owing:
        child = table.child_of(o.unit.pk)
        holder[o.unit.code] = children_by_id[child].name if child in children_by_id else ""
    issued_on = today or timezone.localdate()
    return SynthesisData(synthesis, unit, form, period, previous, form.due_date(period), issued_on,
                         heading_for(synthesis), total, by_child, figures, children, child_values, owing, holder)


def _targets(indicators: list[Indicator], units: list[Unit],
             period: Period) -> dict[tuple[int, int], tuple[float, bool]]:
    """The target of the exact period, else the annual target of its year: (value, is annual)."""
    found = selectors.targets_for(units=units, wanted=[(i, period) for i in indicators])
    return {(i, u): v for (i, u, _start), v in found.items()}


# --- the heading block ---------------------------------------------------------------------------


def _strip_prefix(name: str) -> str:
    for prefix in ("Thành phố ", "Tỉnh ", "Xã ", "Phường ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _initials(text: str) -> str:
    words = [w for w in text.split() if w not in {"VÀ", "CỦA"}]
    return "".join(w[0] for w in words if w[:1].isalpha())


def heading_for(synthesis: Synthesis) -> Heading:
    """Issuing body from the requester's own unit (the Department of Home Affairs for its
    supervisor), the place from the province it sits in."""
    requester = synthesis.created_by
    profile = getattr(requester, "profile", None) if requester is not None else None
    body: Unit = profile.unit if profile is not None else synthesis.unit
    parent = body.parent
    name = body.name
    if body.unit_type in {UnitType.PROVINCE, UnitType.COMMUNE, UnitType.DISTRICT}:
        top, issuer, abbreviation = "ỦY BAN NHÂN DÂN", name.upper(), "UBND"
        recipient = parent.name if parent is not None and parent.unit_type != UnitType.NATIONAL else ""
    elif parent is not None and parent.unit_type in {UnitType.PROVINCE, UnitType.COMMUNE, UnitType.DISTRICT}:
        if name.lower().endswith(" " + parent.name.lower()):
            name = name[: -len(parent.name) - 1]
        top, issuer = f"UBND {parent.name.upper()}", name.upper()
        abbreviation = _initials(issuer)
        recipient = f"UBND {parent.name[0].lower()}{parent.name[1:]}"
    else:
        top, issuer = "", name.upper()
        abbreviation = _initials(issuer)
        recipient = parent.name if parent is not None and parent.unit_type != UnitType.NATIONAL else "Chính phủ"
    ancestors = {u.pk: u for u in Unit.objects.filter(pk__in=body.ancestor_ids + synthesis.unit.ancestor_ids)}
    province = next((ancestors[pk] for pk in reversed(body.ancestor_ids + synthesis.unit.ancestor_ids)
                     if pk in ancestors and ancestors[pk].unit_type == UnitType.PROVINCE), None)
    place = _strip_prefix(province.name) if province is not None else "Hà Nội"
    signer_name = (requester.get_full_name() or requester.get_username()) if requester is not None else ""
    position = profile.position if profile is not None else ""
    return Heading(top, issuer, abbreviation or "BC", place,
                   position.upper() if position else "NGƯỜI TỔNG HỢP", signer_name, recipient, body.name)


# --- formatting -----------------------------------------------------------------------------------


def vn_number(value: float | None, decimals: int = 1) -> str:
    """Vietnamese notation: 12.345,6 (dot for thousands, comma for decimals); "–" when missing."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def vn_percent(value: float | None) -> str:
    return "–" if value is None else vn_number(value, 1) + "%"


def vn_date_line(place: str, day: dt.date) -> str:
    """"Đắk Lắk, ngày 05 tháng 02 năm 2026" (a leading zero for days below 10 and January, February)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _state_label(state: str) -> str:
    return {"missing": "Chưa nộp (quá hạn)", "pending": "Chưa nộp (chưa đến hạn)",
            "returned": "Bị trả lại, chưa nộp lại",
            "late": "Nộp trễ hạn"}.get(state, state)


def _rows_completeness(data: SynthesisData) -> list[list[Any]]:
    rows = []
    for i, (u, c) in enumerate(data.by_child, start=1):
        rows.append([i, u.name, c.expected, c.submitted, c.on_time, c.late, c.approved, c.not_submitted,
                     c.submitted_rate, c.on_time_rate])
    t = data.total
    rows.append(["", "Tổng cộng", t.expected, t.submitted, t.on_time, t.late, t.approved, t.not_submitted,
                 t.submitted_rate, t.on_time_rate])
    return rows


COMPLETENESS_HEADERS = ["STT", "Đơn vị", "Phải báo cáo", "Đã nộp", "Đúng hạn", "Trễ hạn", "Đã duyệt", "Chưa nộp",
                        "Tỷ lệ nộp (%)", "Tỷ lệ đúng hạn (%)"]
FIGURE_HEADERS = ["STT", "Chỉ số", "Đơn vị tính", "Kết quả kỳ này", "Lũy kế từ đầu năm", "Chỉ tiêu",
                  "Tỷ lệ đạt chỉ tiêu (%)", "Kỳ trước", "Tăng/giảm so với kỳ trước (%)"]
OWING_HEADERS = ["STT", "Đơn vị", "Mã", "Thuộc", "Tình trạng", "Số ngày quá hạn"]


# --- DOCX -----------------------------------------------------------------------------------------


def render_docx(data: SynthesisData) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    # Decree 30/2020/NĐ-CP, Annex I: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)

    def set_font(style: Any, size: float) -> None:
        style.font.name = "Times New Roman"
        style.font.size = Pt(size)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), "Times New Roman")

    normal = doc.styles["Normal"]
    set_font(normal, 14)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    grid = doc.styles["Table Grid"]
    set_font(grid, 12)

    def para(text: str = "", *, bold: bool = False, italic: bool = False, size: float | None = None,
             align: Any = None, indent: bool = False, after: float | None = None, underline: bool = False) -> Any:
        p = doc.add_paragraph()
        if text:
            run = p.add_run(text)
            run.bold, run.italic, run.underline = bold, italic, underline
            if size:
                run.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        else:
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if indent:
            p.paragraph_format.first_line_indent = Mm(10)
        if after is not None:
            p.paragraph_format.space_after = Pt(after)
        return p

    def cell_text(cell: Any, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
                  align: Any = WD_ALIGN_PARAGRAPH.CENTER, underline: bool = False) -> None:
        p = cell.paragraphs[0]
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
        p.alignment = align
        p.paragraph_format.space_after = Pt(0)

    def table(headers: list[str], rows: list[list[str]], widths: list[float], numeric_from: int = 2) -> Any:
        t = doc.add_table(rows=len(rows) + 1, cols=len(headers))
        t.style = grid
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        all_rows = t.rows
        for c, h in zip(all_rows[0].cells, headers, strict=True):
            cell_text(c, h, bold=True)
        header = all_rows[0]._tr.get_or_add_trPr()
        header.append(header.makeelement(qn("w:tblHeader"), {}))  # repeat on every page
        for tr, values in zip(all_rows[1:], rows, strict=True):
            for j, (c, v) in enumerate(zip(tr.cells, values, strict=True)):
                p = c.paragraphs[0]
                p.text = v
                p.paragraph_format.space_after = Pt(0)
                if j >= numeric_from or j == 0:
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if j >= numeric_from else WD_ALIGN_PARAGRAPH.CENTER
        for row in all_rows:
            for c, w in zip(row.cells, widths, strict=True):
                c.width = Mm(w)
        return t

    h = data.heading
    # Heading block: issuing body on the left, national motto on the right (no borders).
    head = doc.add_table(rows=2, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    left.width, right.width = Mm(70), Mm(95)
    if h.issuer_top:
        cell_text(left, h.issuer_top, size=13)
        left.add_paragraph()
        cell_text_p = left.paragraphs[-1]
        run = cell_text_p.add_run(h.issuer)
        run.bold, run.font.size = True, Pt(13)
        cell_text_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell_text_p.paragraph_format.space_after = Pt(0)
    else:
        cell_text(left, h.issuer, bold=True, size=13)
    extra = left.add_paragraph("―――――")
    extra.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=13)
    motto = right.add_paragraph()
    run = motto.add_run("Độc lập - Tự do - Hạnh phúc")
    run.bold, run.font.size = True, Pt(14)
    motto.alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto.paragraph_format.space_after = Pt(0)
    rule = right.add_paragraph("―――――――――――")
    rule.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number, date_cell = head.rows[1].cells
    number.width, date_cell.width = Mm(70), Mm(95)
    cell_text(number, f"Số:        /BC-{h.abbreviation}", size=13)
    cell_text(date_cell, vn_date_line(h.place, data.issued_on), italic=True, size=14)

    para()
    para("BÁO CÁO TỔNG HỢP", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    subject = f"Kết quả thực hiện {data.form.name} {_period_phrase(data.period)} trên {_area(data.unit)}"
    para(subject, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    para("―――――", align=WD_ALIGN_PARAGRAPH.CENTER)

    t = data.total
    intro = (f"Thực hiện chế độ báo cáo định kỳ theo biểu mẫu “{data.form.name}” (mã {data.form.code}), "
             f"{h.body_name} tổng hợp kết quả {_period_phrase(data.period)} trên {_area(data.unit)} như sau:")
    para(intro, indent=True)

    para("I. TÌNH HÌNH BÁO CÁO", bold=True)
    if t.expected:
        para(f"Hạn nộp báo cáo: ngày {data.due:%d/%m/%Y}. Có {t.expected} đơn vị phải báo cáo; đã nộp "
             f"{t.submitted} đơn vị (đạt {vn_percent(t.submitted_rate)}), trong đó đúng hạn {t.on_time} đơn vị "
             f"({vn_percent(t.on_time_rate)}), trễ hạn {t.late} đơn vị; đã duyệt {t.approved} đơn vị; "
             f"chưa nộp {t.not_submitted} đơn vị"
             + (f" (trong đó {t.returned} báo cáo bị trả lại chưa nộp lại)" if t.returned else "") + ".",
             indent=True)
        rows = [[_cell(v) for v in r[:8]] + [vn_percent(r[8]), vn_percent(r[9])] for r in _rows_completeness(data)]
        table(COMPLETENESS_HEADERS, rows, [10, 45, 15, 13, 13, 13, 13, 13, 15, 15])
        para()
    else:
        para("Trong kỳ không có đơn vị nào thuộc phạm vi tổng hợp phải báo cáo biểu mẫu này.", indent=True)

    para("II. KẾT QUẢ THỰC HIỆN CÁC CHỈ SỐ", bold=True)
    if data.figures:
        rows = []
        for n, f in enumerate(data.figures, start=1):
            d = f.version.decimals
            target = vn_number(f.target, d) + (" (năm)" if f.target is not None and f.target_is_annual else "")
            rows.append([str(n), f.version.name, f.version.unit_of_measure or "", vn_number(f.value, d),
                         vn_number(f.year_to_date, d), target, vn_percent(f.achievement), vn_number(f.previous, d),
                         _signed(f.change_pct, 1, "%")])
        table(FIGURE_HEADERS, rows, [9, 42, 14, 17, 17, 17, 15, 17, 17], numeric_from=3)
        para(f"Kỳ trước: {_period_phrase(data.previous)}. Chỉ tiêu “(năm)” là chỉ tiêu cả năm "
             f"{data.period.start.year}: tỷ lệ đạt được tính trên kết quả lũy kế từ đầu năm.", italic=True, size=12)
    else:
        para("Biểu mẫu chưa có chỉ số nào.", indent=True)

    para("III. KẾT QUẢ THEO ĐƠN VỊ", bold=True)
    if data.children and data.main:
        headers = ["STT", "Đơn vị"] + [f.version.name for f in data.main]
        rows = [[str(n), c.name] + [vn_number(data.child_values.get((f.indicator.pk, c.pk)), f.version.decimals)
                                    for f in data.main]
                for n, c in enumerate(data.children, start=1)]
        width = max(18.0, (165 - 55) / len(data.main))
        table(headers, rows, [10, 45] + [width] * len(data.main))
        if len(data.figures) > len(data.main):
            para(f"Bảng trên nêu {len(data.main)} chỉ số chính; số liệu đầy đủ {len(data.figures)} chỉ số theo "
                 "từng đơn vị có trong tệp Excel kèm theo.", italic=True, size=12)
    else:
        para("Không có đơn vị trực thuộc có số liệu trong kỳ.", indent=True)

    para("IV. ĐƠN VỊ CHƯA NỘP HOẶC NỘP TRỄ", bold=True)
    if data.owing:
        owing_now = sum(1 for o in data.owing if o.state != "late")
        para(f"Có {owing_now} đơn vị chưa nộp báo cáo và {len(data.owing) - owing_now} đơn vị nộp trễ hạn.",
             indent=True)
        shown = data.owing[:DOCX_LIST_LIMIT]
        rows = [[str(n), o.unit.name, o.unit.code, data.holder.get(o.unit.code, ""), _state_label(o.state),
                 str(o.days_overdue) if o.days_overdue else ""] for n, o in enumerate(shown, start=1)]
        table(OWING_HEADERS, rows, [10, 50, 18, 40, 32, 15], numeric_from=5)
        if len(data.owing) > len(shown):
            para(f"Danh sách nêu {len(shown)}/{len(data.owing)} đơn vị; danh sách đầy đủ có trong tệp Excel "
                 "kèm theo.", italic=True, size=12)
    else:
        para("Tất cả các đơn vị đã nộp báo cáo đúng hạn.", indent=True)

    para("V. GHI CHÚ, KIẾN NGHỊ", bold=True)
    notes = [line.strip() for line in data.synthesis.notes.splitlines() if line.strip()]
    for line in notes or ["Không có."]:
        para(line, indent=True)

    para()
    foot = doc.add_table(rows=1, cols=2)
    left, right = foot.rows[0].cells
    left.width, right.width = Mm(75), Mm(90)
    cell_text(left, "Nơi nhận:", bold=True, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in ([f"- {h.recipient} (để báo cáo);"] if h.recipient else []) + [
            "- Các đơn vị được tổng hợp;", f"- Lưu: VT, {h.abbreviation}."]:
        p = left.add_paragraph()
        r = p.add_run(line)
        r.font.size = Pt(11)
        p.paragraph_format.space_after = Pt(0)
    cell_text(right, h.signer_title, bold=True, size=14)
    for _i in range(3):
        right.add_paragraph()
    cell_text_p = right.add_paragraph()
    r = cell_text_p.add_run(h.signer_name)
    r.bold = True
    cell_text_p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    out = io.BytesIO()
    doc.core_properties.title = f"Báo cáo tổng hợp {data.form.code} {data.period.dhis2} {data.unit.name}"
    doc.core_properties.author = h.signer_name or "dxnet"
    doc.save(out)
    return out.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _signed(value: float | None, decimals: int, suffix: str = "") -> str:
    if value is None:
        return "–"
    text = vn_number(abs(value), decimals) + suffix
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def _area(unit: Unit) -> str:
    """The synthesised area as written mid-sentence: "phạm vi cả nước", "địa bàn tỉnh Đắk Lắk"."""
    if unit.unit_type == UnitType.NATIONAL:
        return "phạm vi cả nước"
    if unit.unit_type in {UnitType.PROVINCE, UnitType.COMMUNE, UnitType.DISTRICT}:
        return "địa bàn " + unit.name[:1].lower() + unit.name[1:]
    return "phạm vi " + unit.name


def _period_phrase(period: Period) -> str:
    match period.type:
        case PeriodType.MONTH:
            return f"tháng {period.start.month:02d}/{period.start.year}"
        case PeriodType.QUARTER | PeriodType.HALF_YEAR:
            label = period.label()
            return label[0].lower() + label[1:]
        case _:
            return f"năm {period.start.year}"


# --- XLSX -----------------------------------------------------------------------------------------


def render_xlsx(data: SynthesisData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F3")
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")

    def sheet(ws: Any, headers: list[str], rows: list[list[Any]], widths: list[int],
              formats: dict[int, str] | None = None) -> None:
        ws.append(headers)
        for cell in ws[ws.max_row]:
            cell.font, cell.fill, cell.alignment = bold, fill, wrap
        header_row = ws.max_row
        for r in rows:
            ws.append(r)
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = w
        for j, fmt in (formats or {}).items():
            for (cell,) in ws.iter_rows(min_row=header_row + 1, min_col=j, max_col=j):
                cell.number_format = fmt
        ws.freeze_panes = ws.cell(row=header_row + 1, column=3)

    info = wb.active
    info.title = "Thông tin"
    h = data.heading
    for label, value in [
        ("Báo cáo", "BÁO CÁO TỔNG HỢP"),
        ("Biểu mẫu", f"{data.form.name} ({data.form.code})"),
        ("Kỳ báo cáo", data.period.label()),
        ("Đơn vị tổng hợp", data.unit.name),
        ("Cơ quan lập", f"{h.issuer_top} – {h.issuer}".strip(" –")),
        ("Người lập", h.signer_name),
        ("Hạn nộp", data.due),
        ("Ngày lập", data.issued_on),
        ("Ghi chú, kiến nghị", data.synthesis.notes),
    ]:
        info.append([label, value])
        info.cell(row=info.max_row, column=1).font = bold
    for row in info.iter_rows(min_row=7, max_row=8, min_col=2, max_col=2):
        row[0].number_format = "DD/MM/YYYY"
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 22, 80

    pct = "0.0"
    ws = wb.create_sheet("Tình hình báo cáo")
    sheet(ws, COMPLETENESS_HEADERS, [[r[0] or None, *r[1:8], _round(r[8]), _round(r[9])]
                                     for r in _rows_completeness(data)],
          [6, 40, 12, 10, 10, 10, 10, 10, 12, 14], {9: pct, 10: pct})
    ws.cell(row=ws.max_row, column=2).font = bold

    ws = wb.create_sheet("Chỉ số")
    rows = [[n, f.version.name, f.version.unit_of_measure, f.value, f.year_to_date, f.target, _round(f.achievement),
             f.previous, _round(f.change_pct)] for n, f in enumerate(data.figures, start=1)]
    sheet(ws, FIGURE_HEADERS, rows, [6, 50, 12, 16, 16, 14, 14, 16, 14],
          {4: "#,##0.##", 5: "#,##0.##", 6: "#,##0.##", 7: pct, 8: "#,##0.##", 9: pct})

    ws = wb.create_sheet("Theo đơn vị")
    headers = ["STT", "Đơn vị", "Mã"] + [f.version.name for f in data.figures]
    rows = [[n, c.name, c.code] + [data.child_values.get((f.indicator.pk, c.pk)) for f in data.figures]
            for n, c in enumerate(data.children, start=1)]
    sheet(ws, headers, rows, [6, 40, 10] + [18] * len(data.figures),
          {j: "#,##0.##" for j in range(4, 4 + len(data.figures))})

    ws = wb.create_sheet("Chưa nộp, trễ hạn")
    rows = [[n, o.unit.name, o.unit.code, data.holder.get(o.unit.code, ""), _state_label(o.state),
             o.days_overdue] for n, o in enumerate(data.owing, start=1)]
    sheet(ws, OWING_HEADERS, rows, [6, 40, 10, 30, 26, 14])

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
