# Load-benchmark helpers shared by .ci/bench-library and .ci/bench-api. Sourced; the caller sets web_dir (the site's
# Release build folder), connection (its database), and work (a scratch folder).
#
#   bench_require_wrk                 installs Debian's wrk when missing (root only)
#   bench_start_site LOG [K=V...]     starts the site on a free loopback port with those settings in its environment,
#                                     waits for /health; sets site_pid, site_port and base
#   bench_stop_site                   stops it
#   bench_wrk PATH [BASELINE_RPS]     wrk -t$threads -c$connections -d${duration}s --latency on $base$PATH; prints one row
#                                     (req/s, p50/p90/p99, ratio to BASELINE_RPS when given) and sets wrk_rps

bench_require_wrk() {
    command -v wrk >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing wrk..."
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
            || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
    else
        echo "wrk is not installed (Debian package 'wrk')." >&2
        return 1
    fi
}

site_pid=""

bench_start_site() {
    local log="$1"
    shift
    site_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    base="http://127.0.0.1:$site_port"
    (cd "$web_dir" && exec env ConnectionStrings__Archive="$connection" ASPNETCORE_ENVIRONMENT=Production "$@" dotnet Archive.Web.dll --urls "$base") >"$log" 2>&1 &
    site_pid=$!
    for _ in $(seq 1 120); do
        if curl -fsS -o /dev/null "$base/health" 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    echo "The site did not start; its log:" >&2
    tail -n 40 "$log" >&2
    exit 1
}

bench_stop_site() {
    if [ -n "$site_pid" ]; then
        kill "$site_pid" 2>/dev/null || true
        wait "$site_pid" 2>/dev/null || true
        site_pid=""
    fi
}

bench_wrk() {
    local path="$1" baseline="${2:-}" errors p50 p90 p99 ratio=""
    wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "$base$path" >"$work/wrk.txt"
    wrk_rps="$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.txt")"
    errors="$(awk '/Non-2xx or 3xx responses:/ { print $NF } /Socket errors:/ { print "socket:" $0 }' "$work/wrk.txt" | tr '\n' ' ')"
    p50="$(awk '$1 == "50%" { print $2 }' "$work/wrk.txt")"
    p90="$(awk '$1 == "90%" { print $2 }' "$work/wrk.txt")"
    p99="$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")"
    [ -n "$baseline" ] && ratio="$(awk -v a="$wrk_rps" -v b="$baseline" 'BEGIN { printf "%.3f", a / b }')"
    printf '%-52s %10s req/s   p50 %9s   p90 %9s   p99 %9s   %s %s\n' "$path" "$wrk_rps" "$p50" "$p90" "$p99" "${ratio:+ratio $ratio}" "${errors:+errors: $errors}"
}
