"""Excel / CSV import and export: the template, all-or-nothing uploads that name every bad row,
scoping (another commune's values can be neither read nor written), and the background path —
inline with the task's function, and with the real ``db_worker`` on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation
from openpyxl import Workbook, load_workbook

from dxnet.indicators import tasks, transfer
from dxnet.indicators.models import Aggregation, DataValue, FormAssignment, FormIndicator, ReportForm, TransferJob
from dxnet.indicators.periods import Period, PeriodType
from dxnet.network.models import Unit

from .factories import indicator

# After 1 July 2025, when the current communes came into force (the template lists units in force).
JAN = Period.of(PeriodType.MONTH, 2025, 8)
FEB = Period.of(PeriodType.MONTH, 2025, 9)
HEADERS = ["Mã đơn vị", "Tên đơn vị", "Kỳ báo cáo", "Số hồ sơ (T-DOS)", "Tỷ lệ (T-PCT)",
           "Hồ sơ trực tuyến (T-RAT) – tử số", "Hồ sơ trực tuyến (T-RAT) – mẫu số", "Có đầu mối (T-YES)"]


def make_form(code: str = "T-FORM") -> ReportForm:
    dos = indicator("T-DOS", Aggregation.SUM, min_value=0, max_value=100000)
    pct = indicator("T-PCT", Aggregation.AVERAGE, value_type="percentage")
    rat = indicator("T-RAT", Aggregation.RATIO_OF_SUMS)
    yes = indicator("T-YES", Aggregation.COUNT_YES)
    for ind, name in ((dos, "Số hồ sơ"), (pct, "Tỷ lệ"), (rat, "Hồ sơ trực tuyến"), (yes, "Có đầu mối")):
        ind.versions.update(name=name)
    form = ReportForm.objects.create(code=code, name="Biểu mẫu thử", period_type="month",
                                     owner=Unit.objects.get(code="VN"))
    for order, ind in enumerate((dos, pct, rat, yes)):
        FormIndicator.objects.create(form=form, indicator=ind, order=order)
    FormAssignment.objects.create(form=form, unit=Unit.objects.get(code="66"), unit_type="commune",
                                  valid_from=dt.date(2020, 1, 1))
    return form


@pytest.fixture
def form(db: Any, settings: Any, tmp_path: Path) -> ReportForm:
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_form()


def xlsx(rows: list[list[object]], headers: list[str] = HEADERS, sheet: str = "Dữ liệu") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client: Any, name: str, content: bytes, unit: str, form: str = "T-FORM") -> Any:
    return client.post("/reporting/transfer/", {
        "i-form": form, "i-unit": unit, "i-file": SimpleUploadedFile(name, content)}, HTTP_ACCEPT_LANGUAGE="en")


def english(client: Any) -> Any:
    client.cookies["dxnet_language"] = "en"
    return client


def stored(unit: str = "", code: str = "") -> dict[tuple[str, str, str], tuple[Any, ...]]:
    qs = DataValue.objects.filter(indicator__code__startswith="T-")
    if unit:
        qs = qs.filter(unit__code=unit)
    if code:
        qs = qs.filter(indicator__code=code)
    return {(v.indicator.code, v.unit.code, v.period.strftime("%Y%m")): (v.value, v.numerator, v.denominator)
            for v in qs.select_related("indicator", "unit")}


# --- the template -------------------------------------------------------------------------------


def test_template_has_vietnamese_headers_one_row_per_writable_unit_and_stored_values(cast: Any,
                                                                                    form: ReportForm) -> None:
    from dxnet.indicators import services

    services.values_write(actor=None, rows=[services.ValueInput("T-DOS", "24373", JAN, value=42)])
    client = cast.client("xa.eakar")
    response = client.get("/reporting/transfer/template/T-FORM/?unit=24373&period=202508")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Dữ liệu", "Hướng dẫn"]
    data = [list(r) for r in wb["Dữ liệu"].iter_rows(values_only=True)]
    assert data[0] == HEADERS
    assert data[1:] == [["24373", "Xã Ea Kar", "202508", 42, None, None, None, None]]
    assert wb["Hướng dẫn"].protection.sheet is True
    help_text = " ".join(str(c) for row in wb["Hướng dẫn"].iter_rows(values_only=True) for c in row if c)
    assert "T-RAT" in help_text and "0 – 100" in help_text  # definitions and allowed ranges

    # The province supervisor gets every commune of Đắk Lắk the form expects.
    response = cast.client("snv.daklak").get("/reporting/transfer/template/T-FORM/?unit=66&period=202508")
    codes = [r[0] for r in load_workbook(io.BytesIO(response.content))["Dữ liệu"].iter_rows(min_row=2,
                                                                                             values_only=True)]
    assert len(codes) == Unit.objects.current().subtree_of(Unit.objects.get(code="66")).filter(
        unit_type="commune").count()
    assert {"24133", "24373"} <= set(codes) and "00070" not in codes


def test_template_of_a_unit_out_of_scope_is_404(cast: Any, form: ReportForm) -> None:
    client = cast.client("xa.eakar")
    assert client.get("/reporting/transfer/template/T-FORM/?unit=24133&period=202508").status_code == 404
    assert client.get("/reporting/transfer/template/T-FORM/?unit=66&period=202508").status_code == 404
    assert client.get("/reporting/transfer/template/NOPE/?unit=24373&period=202508").status_code == 404
    # The page's GET form redirects to the template's address.
    r = client.get("/reporting/transfer/template/", {"t-form": "T-FORM", "t-unit": "24373", "t-period": "202508"})
    assert r.status_code == 302 and r["Location"].startswith("/reporting/transfer/template/T-FORM/?unit=24373")


# --- uploads ------------------------------------------------------------------------------------


def test_filled_template_is_imported(cast: Any, form: ReportForm) -> None:
    client = english(cast.client("xa.eakar"))
    template = client.get("/reporting/transfer/template/T-FORM/?unit=24373&period=202508").content
    wb = load_workbook(io.BytesIO(template))
    ws = wb["Dữ liệu"]
    for col, value in zip("DEFGH", (120, "87,5", 30, 40, "có"), strict=True):
        ws[f"{col}2"] = value
    out = io.BytesIO()
    wb.save(out)
    response = upload(client, "mau.xlsx", out.getvalue(), "24373")
    assert response.status_code == 200, response.content.decode()[:3000]
    assert b'data-testid="import-ok"' in response.content
    assert stored() == {
        ("T-DOS", "24373", "202508"): (120.0, None, None),
        ("T-PCT", "24373", "202508"): (87.5, None, None),
        ("T-RAT", "24373", "202508"): (75.0, 30.0, 40.0),
        ("T-YES", "24373", "202508"): (1.0, None, None),
    }


def test_bad_excel_file_stores_nothing_and_names_every_bad_row(cast: Any, form: ReportForm) -> None:
    """The issue's case: a wrong header, text in a number cell, an unknown unit code, duplicate
    rows — plus a value out of range and another commune's row (unknown unit for this user)."""
    from dxnet.indicators import services

    services.values_write(actor=None, rows=[services.ValueInput("T-DOS", "24373", JAN, value=7)])
    before = stored()
    headers = HEADERS[:4] + ["Tỷ lệ sai (NOT-AN-INDICATOR)"] + HEADERS[5:]
    content = xlsx([
        ["24373", "Xã Ea Kar", "202508", 10, 50, 1, 2, "có"],       # row 2: good
        ["24373", "Xã Ea Kar", "202509", "mười", None, None, None, None],  # row 3: text in a number cell
        ["99999", "?", "202508", 5, None, None, None, None],        # row 4: unknown unit code
        ["24373", "Xã Ea Kar", "202508", 11, None, None, None, None],  # row 5: duplicate of row 2
        ["24373", "Xã Ea Kar", "202510", 100001, None, 5, 4, "maybe"],  # row 6: out of range, num > den, not yes/no
        ["24133", "Phường Buôn Ma Thuột", "202508", 3, None, None, None, None],  # row 7: not this user's commune
    ], headers=headers)
    client = english(cast.client("xa.eakar"))
    response = upload(client, "sai.xlsx", content, "24373")
    assert response.status_code == 422
    assert stored() == before  # nothing stored, the earlier value kept
    problems = response.context["outcome"].problems
    by_where = {}
    for p in problems:
        by_where.setdefault(p.where, []).append((p.column, p.message))
    sheet = "Sheet “Dữ liệu”, row %d"
    assert by_where[sheet % 1] == [("E", by_where[sheet % 1][0][1])]
    assert "Tỷ lệ sai (NOT-AN-INDICATOR)" in by_where[sheet % 1][0][1]
    assert by_where[sheet % 3] == [("Số hồ sơ (T-DOS)", "“mười” is not a number")]
    assert by_where[sheet % 4] == [("Mã đơn vị", "unknown unit “99999”")]  # once, not once per cell
    assert by_where[sheet % 5] == [("", "duplicate of Sheet “Dữ liệu”, row 2 (same unit and period)")]
    row6 = dict(by_where[sheet % 6])
    assert row6["Số hồ sơ (T-DOS)"] == "100001 is above the maximum 100000"
    assert "greater than the denominator" in row6["Hồ sơ trực tuyến (T-RAT)"]
    assert "is not yes or no" in row6["Có đầu mối (T-YES)"]
    assert by_where[sheet % 7] == [("Mã đơn vị", "unknown unit “24133”")]
    assert sheet % 2 not in by_where
    assert [p.where for p in problems] == sorted((p.where for p in problems), key=lambda w: int(w.rsplit(" ", 1)[1]))
    html = response.content.decode()
    for n in (1, 3, 4, 5, 6, 7):
        assert f"Sheet “Dữ liệu”, row {n}" in html
    assert "Nothing was stored" in html


def test_missing_key_columns_and_bad_periods_are_named(db: Any, form: ReportForm) -> None:
    specs = transfer.form_specs(form, 2025)
    with translation.override("en"):
        reading = transfer.read_excel(xlsx([["24373", "x", "2025Q3", 1]], headers=["Mã đơn vị", "Tên đơn vị",
                                                                                   "Kỳ báo cáo", HEADERS[3]]), specs)
        assert [(p.column, p.message) for p in reading.problems] == [
            ("Kỳ báo cáo", "2025Q3 is not a month period")]
        reading = transfer.read_excel(xlsx([["24373", 1]], headers=["Mã đơn vị", HEADERS[3]]), specs)
        assert [p.message for p in reading.problems] == ["the column “Kỳ báo cáo” is missing"]
        reading = transfer.read_excel(b"not a workbook", specs)
        assert "not an Excel workbook" in reading.problems[0].message
        other = transfer.write_xlsx(specs=specs, rows=[], form_code="OTHER", form_name="x", period_text="",
                                    unit_text="", template=True)
        reading = transfer.read_excel(other, specs, form_code="T-FORM")
        assert "template of form OTHER" in reading.problems[0].message


def test_blank_cells_never_delete_stored_values(cast: Any, form: ReportForm) -> None:
    from dxnet.indicators import services

    services.values_write(actor=None, rows=[services.ValueInput("T-DOS", "24373", JAN, value=7),
                                            services.ValueInput("T-PCT", "24373", JAN, value=50)])
    response = upload(english(cast.client("xa.eakar")), "a.xlsx",
                      xlsx([["24373", "", "202508", 8, None, None, None, None]]), "24373")
    assert response.status_code == 200
    assert stored(code="T-PCT")[("T-PCT", "24373", "202508")][0] == 50.0
    assert stored(code="T-DOS")[("T-DOS", "24373", "202508")][0] == 8.0


def test_csv_with_bom_semicolons_and_decimal_commas(cast: Any, form: ReportForm) -> None:
    text = ";".join(HEADERS) + "\r\n" + "24373;Xã Ea Kar;202508;1.234,5;12,5;3;4;không\r\n"
    response = upload(english(cast.client("xa.eakar")), "so-lieu.csv", ("\ufeff" + text).encode(), "24373")
    assert response.status_code == 200, response.context["outcome"].problems
    assert stored() == {
        ("T-DOS", "24373", "202508"): (1234.5, None, None),
        ("T-PCT", "24373", "202508"): (12.5, None, None),
        ("T-RAT", "24373", "202508"): (75.0, 3.0, 4.0),
        ("T-YES", "24373", "202508"): (0.0, None, None),
    }
    # Not UTF-8: said so, nothing stored.
    response = upload(english(cast.client("xa.eakar")), "x.csv", text.replace("1.234,5", "9").encode("utf-16"), "24373")
    assert response.status_code == 422
    assert "not UTF-8" in response.context["outcome"].problems[0].message


def test_dhis2_json_file_on_the_upload_page(cast: Any, form: ReportForm) -> None:
    body = b'{"dataValues": [{"dataElement": "T-DOS", "period": "202509", "orgUnit": "24373", "value": "9"}]}'
    response = upload(english(cast.client("xa.eakar")), "dhis2.json", body, "24373")
    assert response.status_code == 200
    assert stored() == {("T-DOS", "24373", "202509"): (9.0, None, None)}


def test_import_page_refuses_a_unit_out_of_write_scope(cast: Any, form: ReportForm) -> None:
    response = upload(english(cast.client("xa.eakar")), "a.xlsx", xlsx([]), "24133")
    assert response.status_code == 200  # the form says the choice is not valid; nothing happens
    assert "i-unit" in response.context["import_form"].errors or response.context["import_form"].errors
    assert not TransferJob.objects.exists() and not stored()


# --- exports ------------------------------------------------------------------------------------


def _seed() -> None:
    from dxnet.indicators import services

    services.values_write(actor=None, rows=[
        services.ValueInput("T-DOS", "24373", JAN, value=10), services.ValueInput("T-DOS", "24373", FEB, value=12),
        services.ValueInput("T-RAT", "24373", JAN, numerator=1, denominator=4),
        services.ValueInput("T-YES", "24373", JAN, value="có"),
        services.ValueInput("T-DOS", "24133", JAN, value=99),
        services.ValueInput("T-DOS", "00070", JAN, value=5),
    ])


def test_export_xlsx_and_csv_scoped_and_importable_again(cast: Any, form: ReportForm) -> None:
    _seed()
    supervisor = cast.client("snv.daklak")
    response = supervisor.get("/reporting/transfer/export/T-FORM/?unit=66&from=202508&to=202509&format=xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content))["Dữ liệu"].iter_rows(values_only=True))
    assert rows[0] == tuple(HEADERS)
    assert {r[:4] for r in rows[1:]} == {("24133", "Phường Buôn Ma Thuột", "202508", 99),
                                         ("24373", "Xã Ea Kar", "202508", 10), ("24373", "Xã Ea Kar", "202509", 12)}
    assert ("24373", "Xã Ea Kar", "202508", 10, None, 1, 4, "có") in rows
    # Hà Nội's value is outside the province: not exported.
    assert all(r[0] != "00070" for r in rows)

    csv_response = supervisor.get("/reporting/transfer/export/T-FORM/?unit=66&from=202508&to=202509&format=csv")
    assert csv_response.content.startswith("\ufeff".encode())
    before = stored()
    again = upload(english(supervisor), "export.csv", csv_response.content, "66")
    assert again.status_code == 200
    outcome = again.context["outcome"]
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 5)
    assert stored() == before

    # The commune reporter: only its own commune; another commune or the province is a 404.
    reporter = cast.client("xa.eakar")
    mine = reporter.get("/reporting/transfer/export/T-FORM/?unit=24373&from=202508&to=202509&format=csv")
    assert mine.status_code == 200 and b"24133" not in mine.content and b"24373" in mine.content
    for unit in ("24133", "66"):
        assert reporter.get(f"/reporting/transfer/export/T-FORM/?unit={unit}&from=202508&format=xlsx"
                            ).status_code == 404
    assert cast.client(None).get("/reporting/transfer/export/T-FORM/?unit=24373").status_code == 302


def test_page_lists_forms_and_empty_states(cast: Any, form: ReportForm) -> None:
    response = english(cast.client("xa.eakar")).get("/reporting/transfer/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "T-FORM" in html and "No background import yet" in html
    observer = english(cast.client("mttq.daklak")).get("/reporting/transfer/")
    assert "cannot import values" in observer.content.decode()


# --- the background path ------------------------------------------------------------------------


def _big_csv(units: list[str], periods: list[Period]) -> bytes:
    lines = [";".join(HEADERS)]
    for i, code in enumerate(units):
        for p in periods:
            lines.append(f"{code};;{p.dhis2};{i};{i % 100};1;2;có")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def test_large_file_runs_on_the_worker_with_progress(cast: Any, form: ReportForm,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    communes = list(Unit.objects.current().subtree_of(Unit.objects.get(code="66")).filter(unit_type="commune")
                    .values_list("code", flat=True))
    periods = [JAN.next(i) for i in range(6)]
    client = english(cast.client("snv.daklak"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reporting/transfer/", {
            "i-form": "T-FORM", "i-unit": "66", "i-file": SimpleUploadedFile("big.csv", _big_csv(communes, periods))})
    assert response.status_code == 302
    job = TransferJob.objects.get()
    assert response["Location"] == f"/reporting/transfer/jobs/{job.pk}/"
    queued = DBTaskResult.objects.get()  # enqueued once the upload's transaction committed
    assert queued.task_path == "dxnet.indicators.tasks.run_import" and queued.args_kwargs["args"] == [job.pk]
    assert job.status == TransferJob.Status.QUEUED and job.total > tasks.BACKGROUND_ABOVE
    assert not stored()  # nothing yet: the worker does it
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in partial.content

    result = tasks.run_import.call(job.pk)
    job.refresh_from_db()
    assert job.status == TransferJob.Status.DONE, job.errors
    assert result["created"] == len(communes) * len(periods) * 4 == job.summary["created"]
    assert len(stored()) == len(communes) * len(periods) * 4
    assert job.done == job.total and job.finished_at is not None
    finished = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert b"hx-trigger" not in finished.content and b"import-ok" in finished.content


def test_large_bad_file_on_the_worker_stores_nothing(cast: Any, form: ReportForm) -> None:
    communes = list(Unit.objects.current().subtree_of(Unit.objects.get(code="66")).filter(unit_type="commune")
                    .values_list("code", flat=True))
    content = _big_csv(communes + ["00070"], [JAN.next(i) for i in range(6)])
    job = tasks.job_create(actor=cast.user("snv.daklak"), kind="csv", form=form, unit=Unit.objects.get(code="66"),
                           filename="big.csv", content=content, total=5000, language="en")
    tasks.run_import.call(job.pk)
    job.refresh_from_db()
    assert job.status == TransferJob.Status.FAILED
    assert not stored()
    assert {e["message"] for e in job.errors} == {"unknown unit “00070”"}
    assert len(job.errors) == 6  # one per row of the other province's commune, not one per cell
    page = english(cast.client("snv.daklak")).get(f"/reporting/transfer/jobs/{job.pk}/")
    assert b"Nothing was stored" in page.content
    # Another commune's reporter cannot see the job.
    assert cast.client("xa.eakar").get(f"/reporting/transfer/jobs/{job.pk}/").status_code == 404


# The real worker reads the test database from another process: the data must be committed
# (a transactional test, which flushes the database afterwards, so it runs last).
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_db_worker_runs_a_queued_import(cast: Any, settings: Any, tmp_path: Path) -> None:
    from conftest import load_fixtures

    load_fixtures(legacy=False)  # an earlier flushing test may have emptied the database
    settings.MEDIA_ROOT = tmp_path / "media"
    form = make_form("T-WORKER")
    communes = list(Unit.objects.current().subtree_of(Unit.objects.get(code="66")).filter(unit_type="commune")
                    .values_list("code", flat=True))
    content = _big_csv(communes, [JAN.next(i) for i in range(6)])
    job = tasks.job_create(actor=cast.user("snv.daklak"), kind="csv", form=form, unit=Unit.objects.get(code="66"),
                           filename="big.csv", content=content, total=len(communes) * 6 * 5, language="en")
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
               f"/{db['NAME']}")
    env = {**os.environ, "DXNET_DATABASE_URL": url, "DXNET_TESTING": "1", "DXNET_VAR_DIR": str(tmp_path)}
    root = Path(__file__).resolve().parents[3]
    run = subprocess.run([sys.executable, "manage.py", "db_worker", "--batch", "--queue-name", "*"], cwd=root,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    job.refresh_from_db()
    assert job.status == TransferJob.Status.DONE, (job.errors, run.stderr[-3000:])
    assert DataValue.objects.filter(indicator__code="T-DOS", period=JAN.start).count() == len(communes)
    assert job.summary["created"] == len(communes) * 6 * 4
