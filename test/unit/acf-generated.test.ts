// The built-in generated Zipf text and the SVG chart.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateZipfText } from '../../examples/lib/generated-text.js';
import { lineChart } from '../../examples/lib/svg.js';
import { countWords, tokenize } from '../../examples/lib/words.js';

describe('generateZipfText', () => {
  const text = generateZipfText();
  const words = tokenize(text);

  it('is a few hundred thousand words, the same every time', () => {
    assert.equal(words.length, 300_000);
    assert.equal(generateZipfText(), text);
  });

  it('is the same bytes on every platform (pinned digest)', () => {
    assert.equal(createHash('sha256').update(text).digest('hex').slice(0, 16), PINNED_DIGEST);
  });

  it('follows Zipf: the k-th word occurs about 1/k as often as the first', () => {
    const counts = countWords(words);
    const first = counts[0]?.count ?? 0;
    for (const rank of [2, 4, 10]) {
      const ratio = (counts[rank - 1]?.count ?? 0) / first;
      assert.ok(ratio > 0.5 / rank && ratio < 2 / rank, `rank ${rank}: ${ratio}`);
    }
    assert.equal(counts[0]?.word, 'the');
  });

  it('a different seed gives a different text', () => {
    assert.notEqual(generateZipfText(1000, 100, 1), generateZipfText(1000, 100, 2));
  });
});

describe('lineChart', () => {
  it('draws labelled axes, a title and one line per series, escaping text', () => {
    const svg = lineChart({
      title: 'ACF of <pg58> & co',
      xLabel: 'lag',
      yLabel: 'value',
      series: [
        {
          name: 'a',
          points: [
            [0, 1],
            [1, 0.5],
            [2, 0.25],
          ],
        },
        {
          name: 'b',
          points: [
            [0, 0.3],
            [1, NaN],
            [2, 0.1],
          ],
        },
      ],
    });
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.ok(svg.includes('ACF of &#60;pg58&#62; &#38; co'));
    assert.ok(svg.includes('>lag</text>') && svg.includes('>value</text>'));
    assert.equal(svg.match(/<polyline /g)?.length, 2);
    assert.ok(!svg.includes('NaN'));
  });

  it('log axes skip points that cannot be drawn and tick at powers of ten', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'rank',
      yLabel: 'count',
      logX: true,
      logY: true,
      series: [
        {
          name: 'a',
          points: [
            [1, 1000],
            [10, 100],
            [100, 0],
          ],
        },
      ],
    });
    assert.ok(svg.includes('>1000</text>') && svg.includes('>100</text>'));
    assert.ok(!svg.includes('Infinity'));
  });
});

const PINNED_DIGEST = '98d9d368d7b20844';
