"""The limits, the login throttling and the mail are set from the environment, with safe defaults."""

from tests.test_backup_and_settings import _run_manage

SHOW = (
    "from django.conf import settings as s; "
    "print(s.IMPORT_MAX_FILE_BYTES, s.IMPORT_MAX_TURN_CHARS, s.IMPORT_MAX_FILES, s.DATA_UPLOAD_MAX_MEMORY_SIZE, "
    "s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, s.EMAIL_BACKEND.rsplit('.', 2)[-2], "
    "sorted(s.CONTENT_SECURITY_POLICY_REPORT_ONLY if hasattr(s, 'CONTENT_SECURITY_POLICY_REPORT_ONLY') else []))"
)


def test_the_defaults():
    result = _run_manage("shell", "-c", SHOW, env_overrides={})
    assert result.stdout.strip().splitlines()[-1].split() == [
        "10485760",
        "1000000",
        "10000",
        "1048576",
        "5",
        "1:00:00",
        "console",
        "[]",
    ]


def test_each_is_read_from_the_environment():
    result = _run_manage(
        "shell",
        "-c",
        SHOW,
        env_overrides={
            "IMPORT_MAX_FILE_BYTES": "2000000",
            "IMPORT_MAX_TURN_CHARS": "5000",
            "IMPORT_MAX_FILES": "7",
            "DATA_UPLOAD_MAX_MEMORY_SIZE": "4096",
            "AXES_FAILURE_LIMIT": "3",
            "AXES_COOLOFF_MINUTES": "15",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "CSP_REPORT_ONLY": "true",
        },
    )
    assert result.stdout.strip().splitlines()[-1].split()[:7] == [
        "2000000",
        "5000",
        "7",
        "4096",
        "3",
        "0:15:00",
        "smtp",
    ]
    assert "DIRECTIVES" in result.stdout  # sent as Content-Security-Policy-Report-Only


def test_a_limit_that_is_not_a_number_refuses_to_start():
    result = _run_manage("check", env_overrides={"IMPORT_MAX_FILE_BYTES": "ten megabytes"})
    assert result.returncode != 0
    assert "IMPORT_MAX_FILE_BYTES must be a whole number" in result.stderr
