"""The demo cast: named people on several levels, used by ``manage.py load_demo`` and by the
tests (as Zulip's ``example_user``), so that both speak of the same people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from . import services
from .models import Unit, UnitType

DEMO_PASSWORD = "dxnet-demo-2025"
ROLES_FROM = dt.date(2025, 7, 1)


@dataclass(frozen=True)
class Extra:
    code: str
    name: str
    name_en: str
    unit_type: str
    parent: str


# Agencies and a team the cast belongs to (real bodies; codes are dxnet's own).
EXTRA_UNITS = [
    Extra("66-SNV", "Sở Nội vụ tỉnh Đắk Lắk", "Dak Lak Department of Home Affairs", UnitType.AGENCY, "66"),
    Extra("66-MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Đắk Lắk",
          "Viet Nam Fatherland Front Committee of Dak Lak", UnitType.AGENCY, "66"),
    Extra("24133-TCNS", "Tổ công nghệ số cộng đồng phường Buôn Ma Thuột",
          "Buon Ma Thuot Ward community digital-technology team", UnitType.TEAM, "24133"),
]


@dataclass(frozen=True)
class Member:
    username: str
    full_name: str
    unit: str  # profile unit code
    position: str
    roles: tuple[tuple[str, str], ...]  # (role, unit code)
    superuser: bool = False


CAST = [
    Member("admin", "Quản trị hệ thống", "VN", "Quản trị viên", (("admin", "VN"),), superuser=True),
    Member("bo.khcn", "Nguyễn Văn Minh", "BKHCN", "Chuyên viên Cục Chuyển đổi số quốc gia",
           (("supervisor", "BKHCN"), ("reporter", "BKHCN"))),
    Member("ubnd.daklak", "Đỗ Quang Huy", "66", "Chủ tịch UBND tỉnh", (("leader", "66"),)),
    Member("snv.daklak", "Trần Thị Hoa", "66-SNV", "Phó Giám đốc Sở Nội vụ",
           (("supervisor", "66"), ("focal_point", "66"))),
    Member("px.buonmathuot", "Lê Văn Nam", "24133", "Công chức Văn phòng HĐND và UBND phường",
           (("reporter", "24133"), ("focal_point", "24133"))),
    Member("xa.eakar", "H'Linh Niê", "24373", "Công chức Văn hóa – Xã hội xã", (("reporter", "24373"),)),
    Member("px.hoankiem", "Phạm Thu Trang", "00070", "Công chức Văn phòng HĐND và UBND phường",
           (("reporter", "00070"),)),
    Member("mttq.daklak", "Y Khoa Niê", "66-MTTQ", "Phó Chủ tịch Ủy ban MTTQ tỉnh", (("observer", "66"),)),
]


def load_cast(password: str = DEMO_PASSWORD) -> dict[str, Any]:
    """Create the extra units and the cast if they are missing; return the users by name."""
    User = get_user_model()
    users: dict[str, Any] = {}
    with transaction.atomic():
        for extra in EXTRA_UNITS:
            if not Unit.objects.filter(code=extra.code).exists():
                services.unit_create(actor=None, code=extra.code, name=extra.name, name_en=extra.name_en,
                                     unit_type=extra.unit_type, parent=Unit.objects.get(code=extra.parent),
                                     valid_from=ROLES_FROM)
        for m in CAST:
            user = User.objects.filter(username=m.username).first()
            if user is None:
                user = services.person_create(actor=None, username=m.username, full_name=m.full_name,
                                              email=f"{m.username}@demo.dxnet.local", position=m.position,
                                              unit=Unit.objects.get(code=m.unit), password=password)
                if m.superuser:
                    user.is_superuser = user.is_staff = True
                    user.save(update_fields=["is_superuser", "is_staff"])
                for role, code in m.roles:
                    services.role_assign(actor=None, user=user, unit=Unit.objects.get(code=code), role=role,
                                         starts_on=ROLES_FROM)
            users[m.username] = user
    return users
