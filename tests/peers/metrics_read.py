"""Reads Prometheus text from stdin with the prometheus_client parser and prints each
family's name and type as JSON, so a test knows the text parses as Prometheus reads it."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = {f.name: f.type for f in text_string_to_metric_families(sys.stdin.read())}
print(json.dumps(families))
