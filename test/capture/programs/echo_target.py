"""A process to dump while it runs: echoes stdin lines until 'stop'.

argv: MARKER EXIT_CODE [threads]
A marker string and a list of 5000 strings make the dump recognisable. With
`threads`, two worker threads keep the CPU busy meanwhile.
"""
import sys
import threading

MARKER = 'marker-' + sys.argv[1]
DATA = ['item %d of the target' % i for i in range(5000)]
counter = [0]


def work():
    while True:
        counter[0] += 1


if len(sys.argv) > 3 and sys.argv[3] == 'threads':
    for _ in range(2):
        threading.Thread(target=work, daemon=True).start()

print('ready', flush=True)
for line in sys.stdin:
    line = line.strip()
    if line == 'stop':
        break
    print('echo', line, flush=True)
print('bye', flush=True)
sys.exit(int(sys.argv[2]))
