"""mpi4py ping-pong for comparison with tsmpi (run by bench/p2p.ts under Open MPI's mpirun).

Same sizes, repetitions and rounds as bench/pingpong-rank.ts; prints one JSON line on
rank 0: {"latency": {"buffer": {bytes: median half round trip in us}, "object": {...}}}.
BENCH_ROUNDS, BENCH_SIZES (bytes, comma-separated) and BENCH_VARIANTS (buffer,object) narrow it down.
"""
import json
import os
import statistics

from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
other = 1 - rank
sizes = [int(size) for size in os.environ.get("BENCH_SIZES", "8,1024,65536,1048576,16777216").split(",")]
rounds = int(os.environ.get("BENCH_ROUNDS", "7"))
variants = os.environ.get("BENCH_VARIANTS", "buffer,object").split(",")


def repetitions(nbytes):
    if nbytes >= 16 * 1024 * 1024:
        return 4
    if nbytes >= 1024 * 1024:
        return 20
    if nbytes >= 64 * 1024:
        return 200
    return 1000


def buffer_pingpong(buf, reps):
    start = MPI.Wtime()
    for _ in range(reps):
        if rank == 0:
            comm.Send(buf, dest=other)
            comm.Recv(buf, source=other)
        else:
            comm.Recv(buf, source=other)
            comm.Send(buf, dest=other)
    return (MPI.Wtime() - start) / reps / 2


def object_pingpong(buf, reps):
    start = MPI.Wtime()
    for _ in range(reps):
        if rank == 0:
            comm.send({"payload": buf}, dest=other)
            comm.recv(source=other)
        else:
            comm.recv(source=other)
            comm.send({"payload": buf}, dest=other)
    return (MPI.Wtime() - start) / reps / 2


# Untimed warm-up rounds first, as in the tsmpi rank program.
warmup_rounds = int(os.environ.get("BENCH_WARMUP_ROUNDS", "6"))

samples = {name: {} for name in variants}
for round_ in range(-warmup_rounds, rounds):
    for nbytes in sizes:
        buf = bytearray(nbytes)
        for name, run in (("buffer", buffer_pingpong), ("object", object_pingpong)):
            if name not in variants:
                continue
            seconds = run(buf, repetitions(nbytes))
            if round_ >= 0:
                samples[name].setdefault(nbytes, []).append(seconds * 1e6)

if rank == 0:
    print(json.dumps({"latency": {name: {str(k): statistics.median(v) for k, v in by_size.items()} for name, by_size in samples.items()}}))
