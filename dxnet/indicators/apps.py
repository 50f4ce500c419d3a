from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "dxnet.indicators"
    label = "indicators"
    verbose_name = _("Indicators and reporting")

    def ready(self) -> None:
        from . import policies  # noqa: F401
