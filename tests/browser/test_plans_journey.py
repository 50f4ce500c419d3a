"""The plans journey of issue 4: a province supervisor imports a plan, assigns one of its tasks to
every commune, a commune reporter finishes its share with an evidence file, the overdue board shows
the late communes, the supervisor urges one of them with a formal notice, and that commune sees
the notice and acknowledges it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TASK_LATE = "Rà soát, ban hành kế hoạch chuyển đổi số chi tiết của cấp xã"
TASK_STAFF = "Bố trí công chức phụ trách chuyển đổi số ở mỗi đơn vị"
TASK_ONGOING = "Tổng hợp, báo cáo kết quả chuyển đổi số hằng quý"
TITLE = "Kế hoạch chuyển đổi số cấp xã"
NOTICE_NUMBER = "125/SNV-CĐS"
N_COMMUNES_DAKLAK = 102



def plan_csv(folder: Path, deadline: dt.date) -> Path:
    """A small plan as a province writes it: Vietnamese headers, the province as lead, one late
    deadline and one ongoing task."""
    due = deadline.strftime("%d/%m/%Y")
    path = folder / "ke-hoach-cds-cap-xa.csv"
    path.write_text(
        "STT,Nhiệm vụ,Cơ quan chủ trì,Cơ quan phối hợp,Sản phẩm,Thời hạn\n"
        f'1,"{TASK_LATE}",UBND tỉnh Đắk Lắk,Sở Nội vụ,Kế hoạch chi tiết của từng xã,{due}\n'
        f'2,"{TASK_STAFF}",Tỉnh Đắk Lắk,Sở Nội vụ,Quyết định phân công,{due}\n'
        f'3,"{TASK_ONGOING}",UBND tỉnh Đắk Lắk,,Báo cáo quý,Thường xuyên\n',
        encoding="utf-8")
    return path


def test_import_assign_update_urge_acknowledge(page: Page, live: Any, shot: Any, tmp_path: Path) -> None:
    base = live.url
    today = timezone.localdate()
    deadline = today - dt.timedelta(days=20)

    # 1. The province supervisor imports the plan, reviews the matches, imports it.
    sign_in(page, base, "snv.daklak")
    page.get_by_role("button", name="Kế hoạch", exact=True).click()
    page.get_by_role("link", name="Nhập kế hoạch").click()
    expect(page.get_by_role("heading", name="Nhập kế hoạch")).to_be_visible()
    page.get_by_label("Đơn vị ban hành").select_option("66")
    page.get_by_label("Tệp").set_input_files(str(plan_csv(tmp_path, deadline)))
    page.get_by_role("button", name="Đọc và kiểm tra").click()
    expect(page.get_by_test_id("plan-review-form")).to_be_visible()
    expect(page.get_by_test_id("unresolved")).to_have_count(0)
    expect(page.get_by_text("Mọi tên cơ quan đều đã khớp với đơn vị.")).to_be_visible()
    names = page.get_by_test_id("names-table")
    expect(names.get_by_role("row", name=re.compile("UBND tỉnh Đắk Lắk"))).to_contain_text("Tỉnh Đắk Lắk")
    expect(names.get_by_role("row", name=re.compile("Sở Nội vụ"))).to_contain_text("Sở Nội vụ")
    expect(page.get_by_test_id("rows-table").locator("tbody tr")).to_have_count(3)
    page.get_by_label("Tiêu đề").fill(TITLE)
    page.get_by_label("Số văn bản").fill("215/KH-UBND")
    page.get_by_label("Ngày văn bản").fill(f"{today - dt.timedelta(days=60):%d/%m/%Y}")
    page.get_by_label("Đơn vị ban hành").fill("UBND tỉnh Đắk Lắk")
    shot(page, "import-review")
    page.get_by_test_id("import-button").click()
    expect(page.get_by_test_id("import-done")).to_contain_text(TITLE)
    shot(page, "import-done")
    page.get_by_role("link", name="Mở kế hoạch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_test_id("legal-basis")).to_contain_text("215/KH-UBND")
    expect(page.get_by_test_id("tasks").locator("tbody tr")).to_have_count(3)
    expect(page.get_by_test_id("tasks").get_by_role("row", name=re.compile(TASK_ONGOING))).to_contain_text(
        "Thường xuyên")
    programme_url = page.url
    shot(page, "programme")

    # 2. One task goes to every commune of Đắk Lắk in one action.
    page.get_by_test_id("tasks").get_by_role("link", name=TASK_LATE).click()
    expect(page.get_by_test_id("lead")).to_have_text("Tỉnh Đắk Lắk")
    assign = page.get_by_test_id("assign-all")
    assign.get_by_label("Giao cho tất cả đơn vị loại").select_option("commune")
    assign.get_by_label("thuộc", exact=True).select_option("66")
    assign.get_by_role("button", name="Giao", exact=True).click()
    expect(page.get_by_text(f"Đã giao cho {N_COMMUNES_DAKLAK} đơn vị thuộc Tỉnh Đắk Lắk.")).to_be_visible()
    expect(page.get_by_test_id("coverage")).to_contain_text(f"trên {N_COMMUNES_DAKLAK}")
    children = page.get_by_test_id("children")
    expect(children.locator("tbody tr")).to_have_count(N_COMMUNES_DAKLAK)
    expect(children.get_by_role("link", name="Phường Buôn Ma Thuột", exact=True)).to_be_visible()
    expect(children.get_by_role("link", name="Xã Ea Kar", exact=True)).to_be_visible()
    shot(page, "assigned-to-communes")
    page.goto(programme_url)
    expect(page.get_by_test_id("tasks").get_by_role("row", name=re.compile(TASK_LATE))).to_contain_text(
        f"đã giao cho {N_COMMUNES_DAKLAK} đơn vị")

    # 3. The ward's reporter finishes its share, with an evidence file.
    sign_in(page, base, "px.buonmathuot")
    page.get_by_role("button", name="Kế hoạch", exact=True).click()
    page.get_by_role("link", name="Nhiệm vụ của tôi").click()
    mine = page.get_by_test_id("my-tasks")
    expect(mine.get_by_role("row", name=re.compile(TASK_LATE))).to_contain_text("Phường Buôn Ma Thuột")
    shot(page, "my-tasks")
    mine.get_by_role("link", name=TASK_LATE).click()
    expect(page.get_by_test_id("lead")).to_have_text("Phường Buôn Ma Thuột")
    evidence = tmp_path / "bien-ban-hop-ubnd-phuong.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% dxnet journey evidence\n%%EOF\n")
    form = page.get_by_test_id("update-form")
    # The only number field: its label "Progress (%)" is not translated yet (the template asks for
    # the msgid "Progress (%%)", which the catalogue lacks).
    form.get_by_role("spinbutton").fill("100")
    form.get_by_label("Tệp minh chứng").set_input_files(str(evidence))
    form.get_by_label("Nội dung đã thực hiện").fill("UBND phường đã ban hành kế hoạch chi tiết số 12/KH-UBND.")
    form.get_by_role("button", name="Gửi cập nhật").click()
    expect(page.get_by_text("Đã cập nhật tiến độ.")).to_be_visible()
    updates = page.get_by_test_id("updates")
    expect(updates).to_contain_text("100%")
    expect(updates).to_contain_text("số 12/KH-UBND")
    link = updates.get_by_role("link", name="bien-ban-hop-ubnd-phuong.pdf")
    expect(link).to_have_attribute("href", re.compile(r"^/plans/evidence/\d+/$"))
    expect(page.get_by_test_id("status").first).to_have_text("Hoàn thành trễ hạn")
    shot(page, "progress-update")

    # 4. The overdue board of Đắk Lắk: the communes still late, the ward no longer.
    sign_in(page, base, "snv.daklak")
    page.goto(f"{base}/plans/overdue/66/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhiệm vụ quá hạn — Tỉnh Đắk Lắk")
    # 3 tasks of the province + 102 commune tasks; late: the province's 2 dated ones and 101 communes.
    expect(page.get_by_test_id("totals")).to_contain_text(str(3 + N_COMMUNES_DAKLAK))
    expect(page.get_by_test_id("overdue-total")).to_have_text(str(2 + N_COMMUNES_DAKLAK - 1))
    ward = page.get_by_test_id("by-unit").get_by_role("row").filter(
        has=page.get_by_role("link", name="Phường Buôn Ma Thuột", exact=True))
    expect(ward.get_by_role("cell")).to_have_text(["Phường Buôn Ma Thuột", "1", "0", "0", "1", "0,0%"])
    late_units = page.get_by_test_id("late-units")
    ea_kar = late_units.get_by_role("listitem").filter(has_text=re.compile(r"^\s*Xã Ea Kar\s+\d"))
    expect(ea_kar).to_have_count(1)
    expect(late_units.get_by_role("listitem").filter(has_text=re.compile(r"^\s*Phường Buôn Ma Thuột\s+\d"))) \
        .to_have_count(0)
    # 101 communes late on the assigned task, and the province itself on its own two dated tasks.
    expect(late_units.get_by_role("listitem")).to_have_count((N_COMMUNES_DAKLAK - 1) + 1)
    expect(page.get_by_test_id("late-tasks").get_by_role("row", name=re.compile("Xã Ea Kar"))) \
        .to_contain_text(f"{deadline:%d/%m/%Y}")
    shot(page, "overdue-board")

    # 5. The supervisor urges Xã Ea Kar from the board.
    ea_kar.get_by_role("link", name="Đôn đốc").click()
    notice_form = page.get_by_test_id("notice-form")
    expect(notice_form.get_by_label(re.compile(r"^Xã Ea Kar"))).to_be_checked()
    expect(notice_form.get_by_label(re.compile(r"^Phường Buôn Ma Thuột"))).to_have_count(0)
    notice_form.get_by_label("Số", exact=True).fill(NOTICE_NUMBER)
    notice_form.get_by_label("Ngày", exact=True).fill(f"{today:%d/%m/%Y}")
    notice_form.get_by_label("Nội dung").fill(
        "Đề nghị UBND xã Ea Kar khẩn trương ban hành kế hoạch chi tiết và cập nhật tiến độ trên dxnet.")
    shot(page, "urging-form")
    notice_form.get_by_role("button", name="Ban hành và thông báo cho các đơn vị").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Văn bản đôn đốc {NOTICE_NUMBER}")
    expect(page.get_by_test_id("notice-text")).to_contain_text("khẩn trương ban hành kế hoạch chi tiết")
    recipients = page.get_by_test_id("recipients")
    expect(recipients.get_by_role("listitem")).to_have_count(1)
    expect(recipients).to_contain_text("Xã Ea Kar")
    expect(recipients).not_to_contain_text("Đã xác nhận lúc")
    expect(page.get_by_text("Nơi nhận (0/1 đơn vị đã xác nhận)")).to_be_visible()
    docx = page.get_by_test_id("docx")
    expect(docx).to_have_attribute("href", re.compile(r"/plans/urging/notices/\d+/docx/$"))
    download = page.request.get(base + (docx.get_attribute("href") or ""))
    assert download.ok and download.body()[:2] == b"PK", download.status  # a real .docx (a zip)
    expect(page.get_by_test_id("tasks")).to_contain_text(TASK_LATE)
    notice_url = page.url
    shot(page, "urging-notice")

    # 6. The commune sees the notice (badge, notifications, inbox) and acknowledges it.
    sign_in(page, base, "xa.eakar")
    badge = page.get_by_test_id("notification-badge")
    expect(badge).to_have_attribute("data-count", re.compile(r"^[1-9]\d*$"))
    badge.click()
    notification = page.get_by_test_id("notification").filter(
        has_text=f"Văn bản đôn đốc số {NOTICE_NUMBER} của Tỉnh Đắk Lắk")
    expect(notification).to_have_count(1)
    shot(page, "notifications")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="Văn bản đôn đốc đã nhận").click()
    received = page.get_by_test_id("received").filter(has_text=NOTICE_NUMBER)
    expect(received).to_contain_text("Xã Ea Kar")
    expect(page.get_by_test_id("pending")).to_be_visible()
    received.get_by_test_id("acknowledge").click()
    expect(received).to_contain_text("Đã xác nhận lúc")
    expect(received.get_by_test_id("acknowledge")).to_have_count(0)
    shot(page, "acknowledged")
    received.get_by_role("link", name=NOTICE_NUMBER).click()
    expect(page.get_by_test_id("recipients")).to_contain_text("Đã xác nhận lúc")

    # The issuer sees the acknowledgement on the notice.
    sign_in(page, base, "snv.daklak")
    page.goto(notice_url)
    expect(page.get_by_text("Nơi nhận (1/1 đơn vị đã xác nhận)")).to_be_visible()
    expect(page.get_by_test_id("recipients")).to_contain_text("Đã xác nhận lúc")
    shot(page, "notice-acknowledged")
    page.get_by_test_id("notification-badge").click()
    expect(page.get_by_test_id("notification").filter(
        has_text=f"Xã Ea Kar đã xác nhận nhận văn bản đôn đốc số {NOTICE_NUMBER}")).to_have_count(1)
