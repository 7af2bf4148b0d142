#!/bin/sh
# ctest runs each example through this: against $TOS_NODE_URL, skipped without one (exit 77), failed
# without one under TOS_CONFORMANCE=1.
if [ -z "$TOS_NODE_URL" ]; then
  if [ "$TOS_CONFORMANCE" = 1 ]; then
    echo "TOS_CONFORMANCE=1 but TOS_NODE_URL is unset"
    exit 1
  fi
  echo "skipped: needs a devnode: run make test-clients from the repository root (or set TOS_NODE_URL)"
  exit 77
fi
exec "$@"
