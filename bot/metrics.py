"""Prometheus metrics. With several gunicorn workers, `refbot serve` sets
PROMETHEUS_MULTIPROC_DIR before this module is imported, and /metrics aggregates all workers."""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
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
SLACK_REQUESTS = Counter(
    "refbot_slack_requests_total",
    "Verified Slack requests by listener and outcome (ok, error, duplicate, malformed)",
    ["listener", "outcome"],
)
SLACK_ACK_SECONDS = Histogram(
    "refbot_slack_ack_seconds",
    "Time from a verified Slack request to its ack, by listener",
    ["listener"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
LISTENER_ERRORS = Counter(
    "refbot_listener_errors_total", "Listener failures answered with an apology", ["listener"]
)


def exposition() -> tuple[bytes, str]:
    """The metrics text of this process, or of every worker in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


DELIVERIES_SENT = Counter("refbot_deliveries_sent_total", "Deliveries sent", ["kind"])
DELIVERIES_FAILED = Counter("refbot_deliveries_failed_total", "Deliveries given up", ["kind"])
DELIVERIES_RETRIED = Counter(
    "refbot_deliveries_retried_total", "Sends to be retried later", ["reason"]
)
QUEUE_DEPTH = Gauge(
    "refbot_delivery_queue_depth", "Deliveries pending or in flight", multiprocess_mode="mostrecent"
)
OLDEST_DUE_SECONDS = Gauge(
    "refbot_delivery_oldest_due_seconds",
    "Age of the oldest delivery that is due and not yet sent",
    multiprocess_mode="mostrecent",
)
SEND_SECONDS = Histogram(
    "refbot_delivery_send_seconds",
    "Time to post one message to Slack",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WAITING_FOR_TOKEN = Gauge(
    "refbot_deliveries_waiting_for_install",
    "Deliveries that came due in a workspace without a working token (revoked, uninstalled): "
    "kept, and sent marked late once refbot is installed again",
    multiprocess_mode="mostrecent",
)
