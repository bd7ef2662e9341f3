#!/usr/bin/env bash
# Regenerates every case's plan.json with Terraform and the hashicorp/aws
# provider from a local plugin directory, planned against moto_server on
# 127.0.0.1 (no real account, no network beyond the loopback).
#   TF_PLUGIN_DIR  the plugin directory (default /opt/tf-plugins)
#   MOTO_PORT      a free port for moto_server (default: one the kernel picks)
#   OUT_DIR        where CASE/plan.json goes (default: here, the committed fixtures)
# The overlay case is applied to moto first, then planned three times
# against that account (plan-unchanged.json, plan-drop-ecr-dkr.json,
# plan-drop-s3-route.json): plans that a live audit lays over the account.
# The datasources case applies datasources/account to moto, then plans
# datasources/change (its own state) against it with -var pending=true:
# data sources read at plan time (in prior_state) and one read at apply.
# Usage: audit/terraform/testdata/generate.sh [case...]
set -euo pipefail
cd "$(dirname "$0")"
plugins="${TF_PLUGIN_DIR:-/opt/tf-plugins}"
port="${MOTO_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
  sleep 0.2
done
out="${OUT_DIR:-$PWD}"
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(private-no-endpoints endpoints modules local-link sg-no-egress public-nat unfollowable two-vpcs inline overlay datasources)
# overlay applies the overlay case to moto, then writes one plan per
# change against the account the apply made.
overlay() {
  local work
  work=$(mktemp -d)
  cp -r overlay/. "$work"/
  cp provider.tf.in "$work/provider.tf"
  (
    cd "$work"
    export TF_IN_AUTOMATION=1 TF_CLI_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
    tf() { terraform "$@" -input=false -no-color -var "endpoint=http://127.0.0.1:$port" >/dev/null; }
    terraform init -input=false -no-color -plugin-dir="$plugins" >/dev/null
    tf apply -auto-approve
    tf plan -out=unchanged.tfplan
    tf plan -out=drop-s3-route.tfplan -var s3_route=false
    rm ecr_dkr.tf
    tf plan -out=drop-ecr-dkr.tfplan
    for p in unchanged drop-s3-route drop-ecr-dkr; do
      terraform show -json "$p.tfplan" >"plan-$p.json"
    done
  )
  mkdir -p "$out/overlay"
  for p in unchanged drop-s3-route drop-ecr-dkr; do
    sed "s#http://127.0.0.1:$port#http://127.0.0.1:5000#g" "$work/plan-$p.json" | python3 -m json.tool --indent 1 >"$out/overlay/plan-$p.json"
    echo "$out/overlay/plan-$p.json"
  done
  rm -rf "$work"
}
# datasources applies the account to moto, then plans the change that
# reads it through data sources.
datasources() {
  local work
  work=$(mktemp -d)
  cp -r datasources/. "$work"/
  cp provider.tf.in "$work/account/provider.tf"
  cp provider.tf.in "$work/change/provider.tf"
  (
    export TF_IN_AUTOMATION=1 TF_CLI_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
    vars=(-input=false -no-color -var "endpoint=http://127.0.0.1:$port")
    cd "$work/account"
    terraform init -input=false -no-color -plugin-dir="$plugins" >/dev/null
    terraform apply -auto-approve "${vars[@]}" >/dev/null
    cd "$work/change"
    terraform init -input=false -no-color -plugin-dir="$plugins" >/dev/null
    terraform plan -out=tfplan "${vars[@]}" -var pending=true >/dev/null
    terraform show -json tfplan >plan.json
  )
  mkdir -p "$out/datasources"
  sed "s#http://127.0.0.1:$port#http://127.0.0.1:5000#g" "$work/change/plan.json" | python3 -m json.tool --indent 1 >"$out/datasources/plan.json"
  echo "$out/datasources/plan.json"
  rm -rf "$work"
}
for c in "${cases[@]}"; do
  if [ "$c" = overlay ] || [ "$c" = datasources ]; then
    "$c"
    continue
  fi
  work=$(mktemp -d)
  cp -r "$c"/. "$work"/
  cp provider.tf.in "$work/provider.tf"
  (
    cd "$work"
    export TF_IN_AUTOMATION=1 TF_CLI_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
    terraform init -input=false -no-color -plugin-dir="$plugins" >/dev/null
    terraform plan -input=false -no-color -out=tfplan -var "endpoint=http://127.0.0.1:$port" >/dev/null
    terraform show -json tfplan >plan.json
  )
  # The moto port is not part of the case: write the variable's default.
  mkdir -p "$out/$c"
  sed "s#http://127.0.0.1:$port#http://127.0.0.1:5000#g" "$work/plan.json" | python3 -m json.tool --indent 1 >"$out/$c/plan.json"
  rm -rf "$work"
  echo "$out/$c/plan.json"
done
