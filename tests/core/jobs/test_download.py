"""Streaming downloads and the weights download job, with the network replaced."""

import hashlib
import urllib.error
import urllib.request

import pytest
import torch

from deepscope.core.jobs import Message, ProgressEvent
from deepscope.core.jobs.download import ChecksumError, stream
from deepscope.core.models import torchvision_zoo as zoo
from tests.core.data.test_data import FakeResponse

PAYLOAD = bytes(range(256)) * 1000


@pytest.fixture
def served(monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: FakeResponse(PAYLOAD))


def test_stream_reports_progress_and_checks_md5(tmp_path, served):
    calls = []
    stream("http://x.invalid/f", tmp_path / "f", lambda *a: calls.append(a),
           hashlib.md5(PAYLOAD).hexdigest())
    assert (tmp_path / "f").read_bytes() == PAYLOAD
    assert calls[-1] == (len(PAYLOAD), len(PAYLOAD))
    with pytest.raises(ChecksumError, match="MD5"):
        stream("http://x.invalid/f", tmp_path / "g", md5="0" * 32)
    assert not (tmp_path / "g").exists() and not list(tmp_path.glob("*.part"))


def test_a_progress_callback_that_raises_cancels_without_a_partial_file(tmp_path, served):
    def cancel(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        stream("http://x.invalid/f", tmp_path / "f", cancel)
    assert list(tmp_path.iterdir()) == []


def test_weights_job_downloads_into_the_hub_cache(tmp_path, served, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    events = [e for e in zoo.download_weights_job("resnet18") if e is not None]
    assert any(isinstance(e, ProgressEvent) for e in events)
    assert isinstance(events[-1], Message) and "resnet18 weights ready" in events[-1].text
    assert zoo.weights_path("resnet18").read_bytes() == PAYLOAD


def test_weights_download_offline_says_where_to_put_the_file(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(zoo.WeightsUnavailable, match="offline") as info:
        list(zoo.download_weights_job("alexnet"))
    assert str(zoo.weights_path("alexnet")) in str(info.value)
