from django.urls import path, re_path

from . import views_core as v
from . import views_programme as vp

# First segments of /plans/… that are never a programme code.
NOT_A_CODE = r"^(?!(?:new|guidance|import|urging|task|overdue|my|evidence)/)"

urlpatterns = [
    path("", v.plans_home, name="plans_home"),
    path("my/", v.my_tasks, name="my_tasks"),
    path("overdue/", v.overdue_start, name="overdue_start"),
    path("overdue/<str:unit_code>/", v.overdue_board, name="overdue_board"),
    path("task/<int:task_id>/", v.task_page, name="task"),
    path("task/<int:task_id>/update/", v.task_update, name="task_update"),
    path("task/<int:task_id>/accept/", v.task_accept, name="task_accept"),
    path("task/<int:task_id>/reopen/", v.task_reopen, name="task_reopen"),
    path("task/<int:task_id>/cancel/", v.task_cancel, name="task_cancel"),
    path("task/<int:task_id>/detail/", v.task_detail_plan, name="task_detail_plan"),
    path("task/<int:task_id>/assign-all/", v.task_assign_all, name="task_assign_all"),
    path("evidence/<int:evidence_id>/", v.evidence_download, name="evidence_download"),
    path("new/", vp.programme_new, name="programme_new"),
    path("guidance/<int:guidance_id>/", vp.guidance_download, name="guidance_download"),
    re_path(NOT_A_CODE + r"(?P<code>[^/]+)/edit/$", vp.programme_edit, name="programme_edit"),
    re_path(NOT_A_CODE + r"(?P<code>[^/]+)/phases/$", vp.phase_add, name="phase_add"),
    re_path(NOT_A_CODE + r"(?P<code>[^/]+)/phases/(?P<phase_id>[0-9]+)/remove/$", vp.phase_remove,
            name="phase_remove"),
    re_path(NOT_A_CODE + r"(?P<code>[^/]+)/guidance/$", vp.guidance_add, name="guidance_add"),
    # Programme codes are free text; the reserved first segments above and the other features'
    # prefixes (import/, urging/) are never programme pages.
    re_path(NOT_A_CODE + r"(?P<code>[^/]+)/$", v.programme_page, name="programme"),
    re_path(NOT_A_CODE + r"(?P<code>[^/]+)/export/$", v.programme_export,
            name="programme_export"),
    re_path(NOT_A_CODE + r"(?P<code>[^/]+)/tasks/new/$", v.task_new,
            name="task_new"),
]
