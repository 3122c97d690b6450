"""The mpi4py twin of bench/cases/hello.ts (run by bench/cases/launch.ts)."""
from mpi4py import MPI

comm = MPI.COMM_WORLD
print("Hello from rank %d of %d" % (comm.Get_rank(), comm.Get_size()))
