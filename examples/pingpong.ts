// pingpong: ranks 0 and 1 bounce a message back and forth and report the half
// round-trip latency (and bandwidth) for several sizes. Other ranks sit it out.
//   npx tsmpirun -np 2 node dist/examples/pingpong.js [repetitions]
import { init, Wtime } from 'tsmpi';

const comm = await init();
if (comm.size < 2) {
  if (comm.rank === 0) console.error('pingpong needs at least 2 ranks: tsmpirun -np 2 node dist/examples/pingpong.js');
  process.exit(1);
}
const repetitions = Number(process.argv[2] ?? 200);
const sizes = [8, 1024, 64 * 1024, 1024 * 1024];

if (comm.rank === 0) console.log('bytes\thalf round trip (us)\tbandwidth (MB/s)');
for (const bytes of sizes) {
  const buffer = new Uint8Array(bytes);
  const reps = bytes >= 1024 * 1024 ? Math.max(10, repetitions / 10) : repetitions;
  if (comm.rank <= 1) {
    const other = 1 - comm.rank;
    const start = Wtime();
    for (let i = 0; i < reps; i++) {
      if (comm.rank === 0) {
        await comm.Send(buffer, other);
        await comm.Recv(buffer, other);
      } else {
        await comm.Recv(buffer, other);
        await comm.Send(buffer, other);
      }
    }
    const half = (Wtime() - start) / reps / 2;
    if (comm.rank === 0) console.log(`${bytes}\t${(half * 1e6).toFixed(1)}\t${(bytes / half / 1e6).toFixed(1)}`);
  }
}
