"""Prometheus metrics. With several gunicorn workers, `refbot serve` sets
PROMETHEUS_MULTIPROC_DIR before this module is imported, and /metrics aggregates all workers."""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

HTTP_REQUESTS = Counter(
    "refbot_http_requests_total", "HTTP requests answered", ["path", "method", "status"]
)
HTTP_SECONDS = Histogram(
    "refbot_http_request_seconds",
    "Time to answer an HTTP request (the ack, for Slack requests)",
    ["path"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
SLACK_REQUESTS = Counter("refbot_slack_requests_total", "Verified Slack requests", ["kind"])


def exposition() -> tuple[bytes, str]:
    """The metrics text of this process, or of every worker in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
