"""Parses metrics text with the Prometheus project's own Python client, for the tests.

Usage: prometheus.py prometheus|openmetrics < metrics.txt
Prints {"families": {name: type}, "samples": {"name{k="v",...}": value}} with label names
sorted; exits non-zero (with the parser's message) on text the parser refuses or on two
families with the same name.
"""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
from prometheus_client.parser import text_string_to_metric_families as prometheus

text = sys.stdin.read()
parse = openmetrics if sys.argv[1] == "openmetrics" else prometheus
families = list(parse(text))
names = [f.name for f in families]
clashes = sorted({n for n in names if names.count(n) > 1})
if clashes:
    sys.exit(f"families declared twice (a name collision): {clashes}")
samples = {}
for f in families:
    for s in f.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        key = s.name + ("{" + labels + "}" if labels else "")
        if key in samples:
            sys.exit(f"sample {key} appears twice")
        samples[key] = s.value
json.dump({"families": {f.name: f.type for f in families}, "samples": samples}, sys.stdout)
