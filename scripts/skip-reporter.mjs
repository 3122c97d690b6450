// A node:test reporter that writes one JSON line per skipped test or suite (file, name,
// reason), for scripts/test.mjs to list at the end of the run.
export default async function* skipReporter(source) {
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.skip !== undefined) {
      const { file, name, skip, details } = event.data;
      yield `${JSON.stringify({ file, name, reason: skip === true ? '' : String(skip), suite: details?.type === 'suite' })}\n`;
    }
  }
}
