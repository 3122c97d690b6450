"""mpi4py twin of bench/cases/collectives-rank.ts (run under Open MPI's mpirun by bench/cases/collectives.ts).

Allreduce (SUM) and Bcast (root 0) of float64 arrays (array.array: Debian's python3 has no
numpy) for each bytes:repetitions pair in BENCH_SIZES, interleaved, BENCH_ROUNDS rounds; the
slowest rank's seconds per operation; rank 0 prints one JSON line of medians.
"""
import json
import os
import statistics
from array import array

from mpi4py import MPI

from common import slowest

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
plan = [tuple(int(x) for x in pair.split(":")) for pair in os.environ.get("BENCH_SIZES", "8:100").split(",")]
rounds = int(os.environ.get("BENCH_ROUNDS", "3"))


def operations(nbytes, reps):
    data = array("d", [rank + 0.5]) * (nbytes // 8)
    result = array("d", [0.0]) * (nbytes // 8)
    return [
        ("Allreduce %d" % nbytes, reps, lambda: comm.Allreduce([data, MPI.DOUBLE], [result, MPI.DOUBLE], op=MPI.SUM)),
        ("Bcast %d" % nbytes, reps, lambda: comm.Bcast([data, MPI.DOUBLE], root=0)),
    ]


ops = [op for nbytes, reps in plan for op in operations(nbytes, reps)]
# Untimed warm-up, as in the tsmpi rank program: each operation 2 times its repetitions.
for _, reps, run in ops:
    for _ in range(2 * reps):
        run()
samples = {}
for _ in range(rounds):
    for key, reps, run in ops:
        samples.setdefault(key, []).append(slowest(comm, reps, run))
if rank == 0:
    print(json.dumps({key: statistics.median(values) for key, values in samples.items()}))
