#!/bin/bash
# Group commit: workers commit without syncing and wait for the syncer's
# fdatasync of the WAL, so a webhook is answered only once durable; with the
# syncer stopped, workers sync the WAL themselves.
. "$top_srcdir/tests/integration/lib.sh"
command -v strace >/dev/null || skip_all "strace not found (apt-get install strace)"
IT_WORKERS=1
it_init 12
it_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }
D="$top_srcdir/tests/integration/data"
worker=$(pgrep -P "$IT_MAMORI_PID" mamori-worker)
syncer=$(pgrep -P "$IT_MAMORI_PID" mamori-syncer)
tap_ok $([ -n "$syncer" ]; echo $?) "the supervisor runs a syncer process (synchronous = full)"

send() {  # send N webhooks with fresh event ids
    for i in $(seq "$1"); do
        sed "s/evt-1001/evt-$2-$i/" "$D/ticket-refund.json" > "$IT_DIR/d.json"
        it_post_generic acme "$IT_DIR/d.json"
        [ "$HTTP_STATUS" = 200 ] || echo "# status $HTTP_STATUS"
    done
}
strace -f -qq -e trace=fdatasync,fsync -o "$IT_DIR/worker.strace" -p "$worker" & ws=$!
strace -f -qq -e trace=fdatasync,fsync -o "$IT_DIR/syncer.strace" -p "$syncer" & ss=$!
t0=$(date +%s.%N)
sleep 0.5
send 10 a
sleep 0.3
kill -INT $ws $ss; wait $ws $ss 2>/dev/null
t1=$(date +%s.%N)   # the window strace watched
tap_is "$(it_sql "select count(*) from events where event_id like 'evt-a-%'")" 10 "ten webhooks committed"
# sqlite itself syncs when it restarts the WAL after a checkpoint (about
# once a second, so more on a slow machine); commits are never synced by
# the worker, which would be 10 syncs.
w=$(grep -c 'fdatasync' "$IT_DIR/worker.strace")
allow=$(python3 -c "import math; print(min(7, math.ceil($t1 - $t0) + 2))")
tap_ok $([ "$w" -le "$allow" ]; echo $?) \
    "the worker does not sync its commits while the syncer runs ($w syncs for 10 commits in $(python3 -c "print(round($t1 - $t0, 1))") s watched, at most $allow: WAL restarts only)"
n=$(grep -c 'fdatasync(.*= 0' "$IT_DIR/syncer.strace")
tap_ok $([ "$n" -ge 1 ] && [ "$n" -le 10 ]; echo $?) "the syncer synced the WAL ($n fdatasync calls for 10 commits)"

# Stop the syncer: the worker must make its commits durable itself.
kill -STOP "$syncer"
strace -f -qq -e trace=fdatasync -o "$IT_DIR/worker2.strace" -p "$worker" & ws=$!
sleep 0.5
start=$(date +%s.%N)
send 2 b
end=$(date +%s.%N)
kill -INT $ws; wait $ws 2>/dev/null
kill -CONT "$syncer"
tap_is "$(it_sql "select count(*) from events where event_id like 'evt-b-%'")" 2 "with the syncer stopped, webhooks are still answered and committed"
n=$(grep -c 'fdatasync(.*= 0' "$IT_DIR/worker2.strace")
tap_ok $([ "$n" -ge 2 ]; echo $?) "... the worker synced the WAL itself ($n fdatasync calls)"
tap_ok $(python3 -c "import sys; sys.exit(0 if $end - $start < 5 else 1)"; echo $?) \
    "... after waiting at most about a second each ($(python3 -c "print(round($end - $start, 2))") s for 2)"
send 1 c
tap_is "$HTTP_STATUS" 200 "after the syncer resumes, webhooks go through"

# Held answers: with the syncer stopped, the one worker serves three
# concurrent webhooks while their answers wait for a sync (its own, after
# about a second), so all three are answered together, none early.
kill -STOP "$syncer"
strace -f -qq -e trace=fdatasync -o "$IT_DIR/worker3.strace" -p "$worker" & ws=$!
sleep 0.5
start=$(date +%s.%N)
clients=""
for i in 1 2 3; do
    ( sed "s/evt-1001/evt-d-$i/" "$D/ticket-refund.json" > "$IT_DIR/d$i.json"
      it_post_generic acme "$IT_DIR/d$i.json"
      echo "$HTTP_STATUS $(python3 -c "import time; print(round(time.time() - $start, 2))")" > "$IT_DIR/d$i.out" ) &
    clients="$clients $!"
done
wait $clients
kill -INT $ws; wait $ws 2>/dev/null
kill -CONT "$syncer"
tap_is "$(cat "$IT_DIR"/d?.out | awk '{print $1}' | sort -u)" 200 "three concurrent webhooks with the syncer stopped are answered"
first=$(cat "$IT_DIR"/d?.out | awk '{print $2}' | sort -n | head -1)
last=$(cat "$IT_DIR"/d?.out | awk '{print $2}' | sort -n | tail -1)
tap_ok $(python3 -c "import sys; sys.exit(0 if $first >= 0.9 else 1)"; echo $?) \
    "... none before the worker's own sync made it durable (first after $first s)"
# One sync after another would take three of the worker's own syncs (and
# about 3 s); held together they all go with the first sync, or the second
# if a client started late on a busy machine. Counted, not timed.
n=$(grep -c 'fdatasync(.*= 0' "$IT_DIR/worker3.strace")
tap_ok $([ "$n" -ge 1 ] && [ "$n" -le 2 ]; echo $?) \
    "... and held together, not one sync after another ($n syncs of the worker for 3 answers, last after $last s)"
# A redelivery while the first delivery's answer is still held waits for
# the same sync.
kill -STOP "$syncer"
sed "s/evt-1001/evt-e-1/" "$D/ticket-refund.json" > "$IT_DIR/e.json"
( it_post_generic acme "$IT_DIR/e.json" ) &
client=$!
sleep 0.3
start=$(date +%s.%N)
it_post_generic acme "$IT_DIR/e.json"
end=$(date +%s.%N)
wait $client
kill -CONT "$syncer"
tap_ok $([ "$HTTP_STATUS" = 200 ] && python3 -c "import sys; sys.exit(0 if $end - $start >= 0.4 else 1)"; echo $?) \
    "a duplicate of a held webhook is answered only after the sync ($HTTP_STATUS after $(python3 -c "print(round($end - $start, 2))") s)"
it_done
