import { init } from 'tsmpi';
const comm = await init();
const n = Number(process.argv[2]);
if (comm.rank === 0) {
  const s = (process.argv[3] ?? 'x').repeat(n);
  try {
    await comm.send(s, 1, 0);
    console.log('sent');
  } catch (e) {
    console.log('send error', e.constructor.name, e.code, e.message);
  }
} else {
  try {
    const v = await comm.recv(0);
    console.log('got', typeof v, v?.length ?? v);
  } catch (e) {
    console.log('recv error', e.constructor.name, e.code, e.message);
  }
}
