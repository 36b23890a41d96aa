"""Parses expositions with Python's prometheus_client, a judge that no one here wrote.

Reads one JSON request per line on stdin, {"format": "openmetrics" | "prometheus", "text": "..."}, and answers
each with one JSON line: {"ok": true, "families": [...]} or {"ok": false, "error": "..."}. OpenMetrics goes
through the strict parser (prometheus_client.openmetrics.parser), Prometheus text through the text parser
(prometheus_client.parser). Numbers are sent as text ("NaN", "+Inf", "-Inf", or Python's shortest repr), since
JSON has no NaN or infinities. Runs until stdin closes.
"""

import json
import math
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_prometheus


def number(value):
    if value is None:
        return None
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def timestamp(value):
    return None if value is None else number(float(value))


def family(metric):
    samples = []
    for sample in metric.samples:
        entry = {"name": sample.name, "labels": sample.labels, "value": number(sample.value)}
        if sample.exemplar is not None:
            entry["exemplar"] = {
                "labels": sample.exemplar.labels,
                "value": number(sample.exemplar.value),
                "timestamp": timestamp(sample.exemplar.timestamp),
            }
        samples.append(entry)
    return {
        "name": metric.name,
        "type": metric.type,
        "help": metric.documentation,
        "unit": metric.unit,
        "samples": samples,
    }


def answer(request):
    parse = parse_openmetrics if request["format"] == "openmetrics" else parse_prometheus
    try:
        return {"ok": True, "families": [family(metric) for metric in parse(request["text"])]}
    except Exception as error:  # noqa: BLE001 - every rejection is an answer
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}


def main():
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(answer(json.loads(line))) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
