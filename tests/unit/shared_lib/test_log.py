import io
import json
import logging

from shared_lib.log import bind_trace, configure_logging, reset_trace, trace_id_from_headers


def test_lines_are_cloud_logging_json_with_the_trace_and_extra_fields():
    stream = io.StringIO()
    configure_logging("netra-test", "INFO", stream)
    token = bind_trace("0af7651916cd43dd8448eb211c80319c")
    try:
        logging.getLogger("netra.test").warning("run %s failed", "r1", extra={"run_id": "r1"})
    finally:
        reset_trace(token)
    logging.getLogger("netra.test").debug("not at this level")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    entry = lines[0]
    assert entry["severity"] == "WARNING"
    assert entry["message"] == "run r1 failed"
    assert entry["run_id"] == "r1"
    assert entry["logging.googleapis.com/trace"] == "projects/netra-test/traces/0af7651916cd43dd8448eb211c80319c"


def test_configuring_twice_does_not_duplicate_lines():
    stream = io.StringIO()
    configure_logging("p", "INFO", stream)
    configure_logging("p", "INFO", stream)
    logging.getLogger("x").info("once")
    assert len(stream.getvalue().splitlines()) == 1


def test_trace_id_from_either_header():
    assert (
        trace_id_from_headers({"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
        == "0af7651916cd43dd8448eb211c80319c"
    )
    assert (
        trace_id_from_headers({"X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/1;o=1"})
        == "105445aa7843bc8bf206b12000100000"
    )
    assert trace_id_from_headers({"traceparent": "garbage"}) is None
    assert trace_id_from_headers({}) is None
