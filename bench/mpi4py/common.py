"""Shared by the mpi4py benchmark programs (Python puts this directory on sys.path)."""
from mpi4py import MPI


def slowest(comm, reps, body):
    """The slowest rank's seconds per repetition of body()."""
    comm.Barrier()
    start = MPI.Wtime()
    for _ in range(reps):
        body()
    return comm.allreduce((MPI.Wtime() - start) / reps, op=MPI.MAX)
