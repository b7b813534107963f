"""Settings as a production server gets them: DEBUG off, everything from the environment."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "Zq8vN2xLr5Tg7Wp1Hc4Jm6Bd9Fs0Ky3" * 2,
    "ALLOWED_HOSTS": "backoffice.example.com",
    "REDIS_URL": "redis://127.0.0.1:6379/0",  # not connected to: checks only read settings
}


def manage(*args, **env_changes):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SECURE_", "SESSION_", "CSRF_"))}
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="config.settings", **env_changes)
    return subprocess.run([sys.executable, "manage.py", *args], env=env,
                          capture_output=True, text=True, cwd=settings.BASE_DIR)


def test_check_deploy_is_clean_with_debug_off():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_each_https_setting_can_be_switched_off_for_plain_http():
    result = manage("check", "--deploy", SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0",
                    CSRF_COOKIE_SECURE="0", SECURE_HSTS_SECONDS="0")
    warnings = result.stderr + result.stdout
    for code in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert code in warnings


def test_without_redis_debug_off_warns_that_login_counters_are_per_process():
    result = manage("check", "--deploy", REDIS_URL="")
    assert "axes.W001" in result.stderr + result.stdout


def test_the_proxy_header_is_read_from_the_environment():
    result = manage("shell", "-v", "0", "-c",
                    "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)",
                    SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO")
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", result.stderr


def database_connection_settings(**env_changes) -> str:
    result = manage("shell", "-v", "0", "-c",
                    "from django.conf import settings; d = settings.DATABASES['default']; "
                    "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])", **env_changes)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_database_connections_persist_with_debug_off_and_are_checked_before_reuse():
    assert database_connection_settings() == "600 True"
    assert database_connection_settings(CONN_MAX_AGE="30") == "30 True"
    # With DEBUG on (runserver, tests) each request opens its own.
    assert database_connection_settings(DEBUG="1") == "0 True"
