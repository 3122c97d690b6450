// The lesson's ipyparallel example: start a cluster of 4 engines that are ranks of one job, run a
// function on every engine, print what each returned.
//   node dist/examples/lesson/ipyparallel-hello.js [ENGINES]
//
// Python:
//   def mpi_example():
//       from mpi4py import MPI
//       comm = MPI.COMM_WORLD
//       return f"Hello World from rank {comm.Get_rank()}. Total ranks={comm.Get_size()}"
//   with ipp.Cluster(engines='mpi', n=4) as cluster:
//       view = cluster.broadcast_view()
//       r = view.apply_sync(mpi_example)
//   print("\n".join(r))
import { Cluster } from 'tsmpi';

// Runs on the engines: it imports tsmpi there, as mpi_example imports mpi4py on the engines.
async function mpiExample(): Promise<string> {
  const { init } = await import('tsmpi');
  const comm = await init();
  return `Hello World from rank ${comm.Get_rank()}. Total ranks=${comm.Get_size()}`;
}

const engines = Number(process.argv[2] ?? 4);
// The lesson's `with` block: close() stops the engines however the block ends (in TypeScript 5.2
// and later, `await using cluster = await Cluster.start(...)` does the same).
const cluster = await Cluster.start({ n: engines });
let r: string[];
try {
  r = await cluster.apply(mpiExample);
} finally {
  await cluster.close();
}
console.log(r.join('\n'));
