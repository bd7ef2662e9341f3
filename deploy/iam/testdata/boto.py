"""Calls AWS APIs with boto3 for deploy/iam's tests, one per line of stdin,
against the endpoint given as the first argument (moto_server on 127.0.0.1).

Each request is a JSON line {"creds": [key, secret, token], "service": ...,
"op": ..., "params": {...}}; each answer one JSON line, {"ok": result} or
{"error": {"code": ..., "message": ...}}. One long-lived process: the CLI's
start-up, paid per call, made the test minutes longer.
"""
import json
import sys

import boto3
import botocore.config
import botocore.exceptions

endpoint = sys.argv[1]
config = botocore.config.Config(retries={"total_max_attempts": 1})
clients = {}

for line in sys.stdin:
    req = json.loads(line)
    key = (tuple(req["creds"]), req["service"])
    if key not in clients:
        k, s, t = req["creds"]
        clients[key] = boto3.client(
            req["service"], endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id=k, aws_secret_access_key=s, aws_session_token=t or None,
            config=config)
    try:
        out = getattr(clients[key], req["op"])(**req.get("params", {}))
        out.pop("ResponseMetadata", None)
        ans = {"ok": out}
    except botocore.exceptions.ClientError as e:
        err = e.response.get("Error", {})
        ans = {"error": {"code": err.get("Code", ""), "message": err.get("Message", str(e))}}
    except Exception as e:  # a bad parameter: the test's own mistake
        ans = {"error": {"code": type(e).__name__, "message": str(e)}}
    sys.stdout.write(json.dumps(ans, default=str) + "\n")
    sys.stdout.flush()
