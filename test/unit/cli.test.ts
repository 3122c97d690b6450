import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportedEnv, normaliseArgv, parse, parseWithCommander, quickParse } from '../../launcher/cli.js';
import { LaunchError } from '../../launcher/launch-error.js';

describe('tsmpirun argument parsing', () => {
  it('reads -np as the rank count, not as -n -p', () => {
    for (const argv of [['-np', '4'], ['-n', '4'], ['--np', '4'], ['--np=4'], ['-np=4']]) {
      const parsed = parse([...argv, 'node', 'prog.js']);
      assert.equal(parsed.options.np, 4, argv.join(' '));
      assert.equal(parsed.program, 'node');
      assert.deepEqual(parsed.args, ['prog.js']);
    }
  });

  it('passes everything after the program untouched, options included', () => {
    const parsed = parse(['-np', '2', '--tag-output', 'node', 'prog.js', '--help', '-np', '9', '--', '-x']);
    assert.equal(parsed.options.np, 2);
    assert.equal(parsed.options.tagOutput, true);
    assert.deepEqual(parsed.args, ['prog.js', '--help', '-np', '9', '--', '-x']);
  });

  it('collects repeated -x and reads --wdir and --timeout', () => {
    const parsed = parse(['-x', 'A', '-x', 'B=2', '--wdir', '/tmp', '--timeout', '1.5', 'prog']);
    assert.deepEqual(parsed.options.export, ['A', 'B=2']);
    assert.equal(parsed.options.wdir, '/tmp');
    assert.equal(parsed.options.timeout, 1.5);
    assert.equal(parsed.program, 'prog');
  });

  it('reads the common forms without commander exactly as commander does', () => {
    for (const argv of [
      ['-np', '4', 'node', 'prog.js'],
      ['-n', '4', 'node', 'prog.js', '--help', '-np', '9'],
      ['--np', '04', 'node'],
      ['node', 'prog.js', 'a', '--', '-x'],
      ['./prog'],
    ]) {
      const quick = quickParse(argv);
      assert.notEqual(quick, undefined, argv.join(' '));
      assert.deepEqual(quick, parseWithCommander(argv), argv.join(' '));
    }
    // Everything else is commander's: other options, bad counts, no program, --help.
    for (const argv of [
      ['-np', '2', '--tag-output', 'node'],
      ['-np', '0', 'node'],
      ['-np', '2.5', 'node'],
      ['-np', '2'],
      ['--help'],
      ['-np=4', 'node'],
      [],
    ])
      assert.equal(quickParse(argv), undefined, argv.join(' '));
  });

  it('does not rewrite -np once the program has started', () => {
    assert.deepEqual(
      normaliseArgv(['-np', '2', 'prog', '-np', '3'], (flag) => flag === '-np' || flag === '--np'),
      ['--np', '2', '--', 'prog', '-np', '3'],
    );
  });

  it('rejects bad counts and unknown options with a LaunchError', () => {
    for (const argv of [
      ['-np', '0', 'p'],
      ['-np', '-1', 'p'],
      ['-np', '2.5', 'p'],
      ['-np', 'x', 'p'],
      ['--nope', 'p'],
      ['-np', '2'],
    ]) {
      assert.throws(() => parse(argv), LaunchError, argv.join(' '));
    }
  });

  it('resolves -x from the environment or its value, and rejects unset or invalid names', () => {
    assert.deepEqual(exportedEnv(['A', 'B=x=y', 'C='], { A: 'a' }), { A: 'a', B: 'x=y', C: '' });
    assert.throws(() => exportedEnv(['MISSING'], {}), /MISSING is not set/);
    assert.throws(() => exportedEnv(['1BAD=2'], {}), /not a valid environment variable name/);
  });
});
