import pytest

from shared_lib.config import ConfigError, load_settings


def test_defaults_for_a_local_run_and_where_they_came_from():
    settings = load_settings({})
    assert settings.env == "local"
    assert settings.project_id == "netra-local"
    assert settings.log_level == "INFO"
    assert settings.is_local
    assert settings.sources["env"] == "default"
    assert settings.sources["project_id"] == "default"


def test_values_come_from_the_environment_and_say_so():
    settings = load_settings(
        {
            "NETRA_ENV": "test",
            "GOOGLE_CLOUD_PROJECT": "proj-a",
            "LOG_LEVEL": "debug",
            "PUBSUB_EMULATOR_HOST": "127.0.0.1:8085",
            "REDIS_URL": "redis://127.0.0.1:6379/1",
        }
    )
    assert (settings.env, settings.project_id, settings.log_level) == ("test", "proj-a", "DEBUG")
    assert settings.sources["project_id"] == "env:GOOGLE_CLOUD_PROJECT"
    assert settings.sources["pubsub_emulator_host"] == "env:PUBSUB_EMULATOR_HOST"
    assert settings.pubsub_emulator_host == "127.0.0.1:8085"


def test_netra_project_id_wins_over_google_cloud_project():
    settings = load_settings({"NETRA_PROJECT_ID": "mine", "GOOGLE_CLOUD_PROJECT": "theirs"})
    assert settings.project_id == "mine"
    assert settings.sources["project_id"] == "env:NETRA_PROJECT_ID"


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        load_settings({"NETRA_ENV": "prod", "LOG_LEVEL": "loud"})
    assert len(caught.value.problems) == 2
    assert "NETRA_ENV must be one of local, test, staging, production, got 'prod'" in caught.value.problems[0]
    assert "LOG_LEVEL" in caught.value.problems[1]


def test_staging_and_production_need_a_project_and_refuse_emulators():
    with pytest.raises(ConfigError) as caught:
        load_settings({"NETRA_ENV": "production", "FIRESTORE_EMULATOR_HOST": "127.0.0.1:8080"})
    problems = "\n".join(caught.value.problems)
    assert "NETRA_PROJECT_ID (or GOOGLE_CLOUD_PROJECT) is required when NETRA_ENV=production" in problems
    assert "FIRESTORE_EMULATOR_HOST must not be set when NETRA_ENV=production" in problems
    settings = load_settings({"NETRA_ENV": "staging", "NETRA_PROJECT_ID": "netra-staging"})
    assert not settings.is_local


def test_emulator_hosts_must_be_host_and_port():
    with pytest.raises(ConfigError, match="SECRET_MANAGER_EMULATOR_HOST must be HOST:PORT"):
        load_settings({"SECRET_MANAGER_EMULATOR_HOST": "localhost"})


def test_blank_values_count_as_unset():
    settings = load_settings({"NETRA_ENV": "  ", "REDIS_URL": ""})
    assert settings.env == "local" and settings.redis_url is None


def test_describe_masks_passwords_but_keeps_sources():
    settings = load_settings({"DATABASE_URL": "postgresql://netra:hunter2@db:5432/netra"})
    described = settings.describe()
    assert described["database_url"] == {"value": "postgresql://netra:***@db:5432/netra", "source": "env:DATABASE_URL"}
    assert "hunter2" not in repr(described)


def test_usage_batches_are_compressed_locally_and_deployed_only_when_asked():
    assert load_settings({}).usage_batch_encoding == "gzip"
    deployed = {"NETRA_ENV": "production", "NETRA_PROJECT_ID": "p"}
    # A rollback to a consumer that reads only JSON must not find gzip batches queued.
    assert load_settings(deployed).usage_batch_encoding == "json"
    assert load_settings({**deployed, "USAGE_BATCH_ENCODING": "gzip"}).usage_batch_encoding == "gzip"
    with pytest.raises(ConfigError, match="USAGE_BATCH_ENCODING must be one of gzip, json"):
        load_settings({"USAGE_BATCH_ENCODING": "zstd"})
