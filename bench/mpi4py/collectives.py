"""mpi4py twin of bench/collectives.ts's rank program (lists and array.array: Debian's python3 has no numpy)."""
import json, os, statistics
from array import array
from mpi4py import MPI

from common import slowest
comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
small = {"rank": rank, "name": "r%d" % rank}
big = bytearray([rank % 256]) * (1024 * 1024)
vector = array("d", [rank + 0.5]) * (128 * 1024)
result = array("d", [0.0]) * (128 * 1024)
eight = bytearray(8)
def time(reps, body):
    return slowest(comm, reps, body)
def pingpong(buf, reps):
    def body():
        if rank == 0:
            comm.Send([buf, MPI.BYTE], 1, 9); comm.Recv([buf, MPI.BYTE], 1, 9)
        elif rank == 1:
            comm.Recv([buf, MPI.BYTE], 0, 9); comm.Send([buf, MPI.BYTE], 0, 9)
    return time(reps, body) / 2
bench = {
    "L": lambda: pingpong(eight, 500),
    "T": lambda: pingpong(big, 20),
    "barrier": lambda: time(500, comm.Barrier),
    "bcast 8 B object": lambda: time(500, lambda: comm.bcast(3.141592653589793 if rank == 0 else None, 0)),
    "Bcast 1 MiB": lambda: time(20, lambda: comm.Bcast([big, MPI.BYTE], 0)),
    "reduce 1 float64": lambda: time(500, lambda: comm.reduce(rank + 0.5, MPI.SUM, 0)),
    "Reduce 128 Ki float64": lambda: time(20, lambda: comm.Reduce([vector, MPI.DOUBLE], [result, MPI.DOUBLE], MPI.SUM, 0)),
    "allreduce 1 float64": lambda: time(500, lambda: comm.allreduce(rank + 0.5, MPI.SUM)),
    "Allreduce 128 Ki float64": lambda: time(20, lambda: comm.Allreduce([vector, MPI.DOUBLE], [result, MPI.DOUBLE], MPI.SUM)),
    "gather small object": lambda: time(300, lambda: comm.gather(small, 0)),
    "scatter small object": lambda: time(300, lambda: comm.scatter([{"rank": r, "name": "r%d" % r} for r in range(size)] if rank == 0 else None, 0)),
    "allgather small object": lambda: time(300, lambda: comm.allgather(small)),
}
samples = {}
for _ in range(rounds):
    for name, measure in bench.items():
        samples.setdefault(name, []).append(measure())
if rank == 0:
    print(json.dumps({name: statistics.median(values) * 1e6 for name, values in samples.items()}))
