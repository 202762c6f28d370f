import pytest

from emulators.platform import gcloud


def test_a_missing_sdk_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("NETRA_GCLOUD_SDK", str(tmp_path))  # a folder without the emulators
    with pytest.raises(gcloud.PrerequisiteMissing) as caught:
        gcloud.find_emulators()
    assert "apt-get install -y google-cloud-cli-pubsub-emulator google-cloud-cli-firestore-emulator" in str(
        caught.value
    )


def test_a_partial_sdk_names_the_missing_emulator(monkeypatch, tmp_path):
    (tmp_path / gcloud.PUBSUB_SCRIPT).parent.mkdir(parents=True)
    (tmp_path / gcloud.PUBSUB_SCRIPT).write_text("#!/bin/sh\n")
    monkeypatch.setenv("NETRA_GCLOUD_SDK", str(tmp_path))
    with pytest.raises(gcloud.PrerequisiteMissing, match="the Firestore emulator is not installed"):
        gcloud.find_emulators()


def test_a_missing_java_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(gcloud.PrerequisiteMissing, match="apt-get install -y openjdk-17-jre-headless"):
        gcloud.find_emulators()


def test_an_old_java_is_refused(monkeypatch, tmp_path):
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(gcloud.PrerequisiteMissing, match="is Java 11; the emulators need Java >= 17"):
        gcloud.find_emulators()
