"""The lookup's rate limit counts in the cache, so every web process must share it: the setting makes sure."""

import pytest

from tests.ops.test_settings import manage

SHOW = "from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"CACHE_URL": "redis://10.0.0.5:6379/3", "CELERY_BROKER_URL": ""}, "RedisCache redis://10.0.0.5:6379/3"),
        ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, "RedisCache redis://127.0.0.1:6379/0"),
        ({"CELERY_BROKER_URL": "", "CACHE_DIR": "/tmp/ruziniu-cache"}, "FileBasedCache /tmp/ruziniu-cache"),
    ],
)
def test_the_cache_is_shared_between_processes(env, expected):
    result = manage("shell", "-c", SHOW, CACHE_URL=env.pop("CACHE_URL", ""), **env)
    assert result.returncode == 0, result.stderr
    backend, location = expected.split()
    assert backend in result.stdout and location in result.stdout


def test_a_malformed_cache_url_stops_start_up():
    result = manage("check", CACHE_URL="memcached://x")
    assert result.returncode != 0 and "CACHE_URL" in result.stderr
