from typing import Any

from django.conf import settings
from django.http import HttpRequest


def dxnet(request: HttpRequest) -> dict[str, Any]:
    return {"DXNET_DEBUG": settings.DEBUG}
