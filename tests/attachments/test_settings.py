"""Where files are stored: the filesystem by default, an S3-compatible store when its bucket is configured."""

from tests.ops.test_settings import manage

SHOW = (
    "from django.core.files.storage import storages; s = storages['default']; "
    "print(type(s).__name__, getattr(s, 'bucket_name', ''), getattr(s, 'endpoint_url', ''), getattr(s, 'location', ''))"
)


def test_files_go_to_media_root_on_the_filesystem_by_default(tmp_path):
    result = manage("shell", "-v", "0", "-c", SHOW, MEDIA_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "FileSystemStorage"
    assert str(tmp_path) in result.stdout


def test_an_s3_bucket_in_the_environment_sends_files_to_an_s3_compatible_store():
    env = {
        "ATTACHMENT_S3_BUCKET": "ruziniu-files",
        "ATTACHMENT_S3_ENDPOINT_URL": "https://minio.intranet.example:9000",
        "ATTACHMENT_S3_ACCESS_KEY_ID": "ruziniu",
        "ATTACHMENT_S3_SECRET_ACCESS_KEY": "not-a-real-secret",
    }
    result = manage("shell", "-v", "0", "-c", SHOW, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "ruziniu-files", "https://minio.intranet.example:9000", "ruziniu"]


def test_a_malformed_endpoint_stops_start_up_naming_the_variable():
    result = manage("check", ATTACHMENT_S3_BUCKET="b", ATTACHMENT_S3_ENDPOINT_URL="minio:9000")
    assert result.returncode != 0 and "ATTACHMENT_S3_ENDPOINT_URL" in result.stderr
