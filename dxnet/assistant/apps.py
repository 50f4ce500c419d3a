from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "dxnet.assistant"
    label = "assistant"
    verbose_name = _("Virtual assistant")

    def ready(self) -> None:
        from . import policies  # noqa: F401
