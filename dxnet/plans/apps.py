from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "dxnet.plans"
    label = "plans"
    verbose_name = _("Plans and tasks")

    def ready(self) -> None:
        from . import policies, urging  # noqa: F401  (urging connects the late-report receiver)
