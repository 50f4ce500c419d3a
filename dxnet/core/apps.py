from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dxnet.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import auth, policies  # noqa: F401  (signal receivers, access policies)
