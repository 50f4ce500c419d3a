from django.urls import path, re_path

from . import views_core as v

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
    # Programme codes are free text; the reserved first segments above and the other features'
    # prefixes (import/, urging/) are never programme pages.
    re_path(r"^(?!(?:import|urging|task|overdue|my|evidence)/)(?P<code>[^/]+)/$", v.programme_page, name="programme"),
    re_path(r"^(?!(?:import|urging|task|overdue|my|evidence)/)(?P<code>[^/]+)/export/$", v.programme_export,
            name="programme_export"),
    re_path(r"^(?!(?:import|urging|task|overdue|my|evidence)/)(?P<code>[^/]+)/tasks/new/$", v.task_new,
            name="task_new"),
]
