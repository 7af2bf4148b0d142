from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from dashboard.views import accounts, health, tasks, wallet

urlpatterns = [
    path("", health.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    # Accounts
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", accounts.signup, name="signup"),
    path("account/", accounts.roles, name="roles"),
    path("account/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Wallet
    path("wallet/", wallet.wallet, name="wallet"),
    path("wallet/generate/", wallet.generate, name="wallet_generate"),
    path("wallet/import/", wallet.import_key, name="wallet_import"),
    path("wallet/qr.svg", wallet.qr_code, name="wallet_qr"),
    # Tasks
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/new/", tasks.publish_task, name="publish_task"),
    path("tasks/mine/", tasks.my_tasks, name="my_tasks"),
    path("tasks/<str:task_id>/", tasks.task_detail, name="task_detail"),
    path("tasks/<str:task_id>/cancel/", tasks.cancel_task, name="cancel_task"),
]
