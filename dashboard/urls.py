from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from dashboard.views import (
    accounts,
    automining,
    feed,
    health,
    leaderboard,
    mining,
    network,
    notifications,
    overview,
    preferences,
    runs,
    tasks,
    validation,
    wallet,
)

urlpatterns = [
    path("", overview.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    # Accounts
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
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
    path("wallet/key/", wallet.download_key, name="wallet_key"),
    path("wallet/unlink/", wallet.unlink, name="wallet_unlink"),
    # Tasks
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/new/", tasks.publish_task, name="publish_task"),
    path("tasks/mine/", tasks.my_tasks, name="my_tasks"),
    path("tasks/<str:task_id>/", tasks.task_detail, name="task_detail"),
    path("tasks/<str:task_id>/cancel/", tasks.cancel_task, name="cancel_task"),
    # Miner
    path("mining/", mining.mining_tasks, name="mining_tasks"),
    path("mining/preferences/", mining.mining_preferences, name="mining_preferences"),
    path("mining/participations/", mining.participations, name="participations"),
    path("mining/earnings/", mining.mining_earnings, name="mining_earnings"),
    path("mining/earnings.csv", mining.earnings_csv, name="earnings_csv"),
    path("mining/tasks/<str:task_id>/join/", mining.join_task, name="join_task"),
    path("mining/tasks/<str:task_id>/submit/", mining.submit_solution, name="submit_solution"),
    path("reputation/", mining.reputation, name="reputation"),
    # Validator
    path("validation/", validation.review_queue, name="review_queue"),
    path("validation/bulk/", validation.bulk_review, name="bulk_review"),
    path("validation/earnings/", validation.validation_earnings, name="validation_earnings"),
    path("validation/earnings.csv", validation.validation_earnings_csv, name="validation_earnings_csv"),
    path(
        "validation/<str:task_id>/<str:submission_id>/",
        validation.review_submission,
        name="review_submission",
    ),
    # Leaderboards
    path("leaderboard/", leaderboard.leaderboard, name="leaderboard"),
    # Live feed
    path("feed/", feed.feed, name="feed"),
    # Auto-mining
    path("mining/auto/", automining.automining_settings, name="automining"),
    path("mining/auto/toggle/", automining.automining_toggle, name="automining_toggle"),
    path("mining/auto/status/", automining.automining_status, name="automining_status"),
    path("mining/auto/runs/<int:run_id>/", automining.automining_run, name="automining_run"),
    # The network at a glance (public), notifications, preferences
    path("network/", network.network, name="network"),
    path("network/<str:address>/", network.profile, name="public_profile"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/count/", notifications.unread_count, name="unread_count"),
    path("notifications/read/", notifications.mark_read, name="mark_read"),
    path("notifications/settings/", notifications.notification_settings, name="notification_settings"),
    path("account/preferences/", preferences.preferences, name="preferences"),
    path("mining/auto/runs/", runs.automining_runs, name="automining_runs"),
]
