"""Reads hub-sampler.sh's lines and prints, for each window of about 6 s with answers in it: answers
per second, the hub's CPU, managed allocation and context switches per answered request, Redis
calls per batch, and the share of time the GC paused the hub. (Context switches are summed over
the threads alive at each sample, so a window where threads ended can read low, even below zero;
the machine's, from /proc/stat, count every process, the harness's client and agents too, but
nothing is lost when a thread ends.)"""
import re
import sys

WINDOW = 3  # samples (2 s apart)


def parse(path):
    rows = []
    for line in open(path, encoding="utf-8"):
        fields = line.split()
        if len(fields) < 3:
            continue
        values = {}
        for m in re.finditer(r'(\w+)(\{[^}]*\})? ([\d.e+-]+)', line[len(fields[0]):]):
            name = m.group(1) + (m.group(2) or '')
            if 'outcome="answered"' in name:
                values['answered'] = values.get('answered', 0) + float(m.group(3))
            values[name] = float(m.group(3))
        if 'answered' in values and 'process_cpu_seconds_total' in values:
            rows.append((int(fields[0]), values))
    return rows


for path in sys.argv[1:]:
    rows = parse(path)
    print(path)
    print("  from   answers/s  CPU us/answer  alloc KB/answer  ctx switches/answer  machine's  Redis calls/batch  GC paused")
    for i in range(0, len(rows) - WINDOW, WINDOW):
        (t0, a), (t1, b) = rows[i], rows[i + WINDOW]
        delta = lambda k: b.get(k, 0) - a.get(k, 0)
        n = delta('answered')
        if n < 100:
            continue
        batches = delta('nocert_redis_batch_calls_count')
        print(f"  +{t0 - rows[0][0]:4d} s {n / (t1 - t0):9.0f} {1e6 * delta('process_cpu_seconds_total') / n:14.0f}"
              f" {delta('dotnet_gc_allocated_bytes_total') / n / 1024:16.1f} {delta('ctx_switches') / n:20.1f} {delta('machine_ctxt') / n:10.1f}"
              f" {delta('nocert_redis_batch_calls_sum') / max(batches, 1):18.1f} {100 * delta('dotnet_gc_pause_seconds_total') / (t1 - t0):9.1f} %")
