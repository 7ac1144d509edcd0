# A local S3-protocol server for the tests of the blob store's S3 backend. Sourced by .ci/test.
#
#   s3_start <data-dir>   installs s3rver (npm, pinned in .ci/s3) when missing, starts it on a free loopback port with
#                         its buckets under <data-dir>, and sets S3_URL (http://127.0.0.1:PORT) and S3_PID
#   s3_stop               stops it
#
# s3rver stores objects as files and speaks the S3 REST API (SigV4, multipart uploads, ranged GETs, listing), which is
# what the backend uses; its fixed credentials are S3RVER / S3RVER.

s3_start() {
    local data="$1" here port
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    if [ ! -x "$here/s3/node_modules/.bin/s3rver" ]; then
        echo "Installing s3rver (npm) for the S3 blob-store tests..."
        (cd "$here/s3" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
    rm -rf "$data" && mkdir -p "$data"
    port="$(pg_free_port_from 45680)"
    node "$here/s3/node_modules/.bin/s3rver" -d "$data" -a 127.0.0.1 -p "$port" --silent >"$data.log" 2>&1 &
    S3_PID=$!
    for _ in $(seq 1 100); do
        if pg_port_in_use "$port"; then break; fi
        sleep 0.1
    done
    if ! pg_port_in_use "$port"; then echo "s3rver did not start (log: $data.log)" >&2; return 1; fi
    S3_URL="http://127.0.0.1:$port"
    echo "Started s3rver on $S3_URL"
    export S3_URL S3_PID
}

s3_stop() {
    if [ -n "${S3_PID:-}" ]; then kill "$S3_PID" 2>/dev/null || true; wait "$S3_PID" 2>/dev/null || true; fi
}
