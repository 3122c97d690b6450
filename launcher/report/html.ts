/**
 * The HTML report of a trace (tsmpi-trace --html): one self-contained page — inline CSS
 * and SVG, no script, no link to anything outside it — holding the space-time diagram
 * (svg.ts), the communication matrix as a heat map, each rank's time split into
 * computing / point-to-point / collectives (src/trace/summary.ts), and for each
 * collective call the α–β model's prediction beside the measured time (model.ts). Pure.
 */
import type { ChromeTrace } from '../../src/trace/chrome.js';
import { summarize, type TraceSummary } from '../../src/trace/summary.js';
import { predict, readModel, type TraceModel } from './model.js';
import { duration, escapeXml, spaceTimeSvg, type Window } from './svg.js';

function bytesText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** The matrix as an SVG heat map: a cell per (sender, receiver), darker for more bytes, the message count written in it. */
function heatMap(summary: TraceSummary): string {
  const cell = Math.max(22, Math.min(48, Math.floor(480 / Math.max(1, summary.size))));
  const left = 70;
  const top = 40;
  const size = summary.size;
  let most = 0;
  for (const row of summary.bytes) for (const value of row) most = Math.max(most, value);
  const width = left + size * cell + 10;
  const height = top + size * cell + 10;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="heat-map" width="${width}" height="${height}" font-family="sans-serif" font-size="10">`,
  ];
  out.push(`<text x="${left}" y="12">receiver →</text><text x="4" y="${top - 6}">sender ↓</text>`);
  for (let rank = 0; rank < size; rank++) {
    out.push(`<text x="${left + rank * cell + cell / 2}" y="${top - 6}" text-anchor="middle">${rank}</text>`);
    out.push(`<text x="${left - 6}" y="${top + rank * cell + cell / 2 + 4}" text-anchor="end">${rank}</text>`);
  }
  summary.bytes.forEach((row, source) =>
    row.forEach((bytes, dest) => {
      const count = summary.messages[source]?.[dest] ?? 0;
      const level = most === 0 ? 0 : Math.sqrt(bytes / most);
      const shade = Math.round(255 - level * 200);
      out.push(
        `<g class="matrix-cell"><rect x="${left + dest * cell}" y="${top + source * cell}" width="${cell - 1}" height="${cell - 1}" fill="rgb(${shade},${Math.round(255 - level * 120)},255)"><title>rank ${source} → rank ${dest}: ${count} messages, ${bytesText(bytes)}</title></rect>` +
          (count > 0
            ? `<text x="${left + dest * cell + cell / 2}" y="${top + source * cell + cell / 2 + 4}" text-anchor="middle" fill="${level > 0.6 ? '#ffffff' : '#000000'}">${count}</text>`
            : '') +
          '</g>',
      );
    }),
  );
  out.push('</svg>');
  return out.join('\n');
}

/** Each rank's window as one stacked bar: computing, point-to-point waits, collectives. */
function timeBars(summary: TraceSummary): string {
  const left = 150;
  const bar = 18;
  const plot = 700;
  const longest = Math.max(1e-9, ...summary.ranks.map((rank) => rank.totalMs));
  const height = 30 + summary.ranks.length * (bar + 6);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="time-bars" width="${left + plot + 20}" height="${height}" font-family="sans-serif" font-size="11">`,
  ];
  const parts = [
    ['compute', '#54a24b'],
    ['p2p', '#4c78a8'],
    ['collective', '#f58518'],
  ] as const;
  parts.forEach(([name, color], index) =>
    out.push(
      `<rect x="${left + index * 130}" y="4" width="12" height="12" fill="${color}"/><text x="${left + index * 130 + 16}" y="14">${name === 'p2p' ? 'point-to-point wait' : name}</text>`,
    ),
  );
  summary.ranks.forEach((rank, index) => {
    const y = 26 + index * (bar + 6);
    out.push(`<text x="8" y="${y + 13}">${escapeXml(`rank ${rank.rank} @ ${rank.host}`)}</text>`);
    let x = left;
    for (const [name, color] of parts) {
      const ms = name === 'compute' ? rank.computeMs : name === 'p2p' ? rank.p2pMs : rank.collectiveMs;
      const width = (ms / longest) * plot;
      out.push(
        `<rect class="time-bar" x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${bar}" fill="${color}"><title>rank ${rank.rank} ${name}: ${ms.toFixed(3)} ms</title></rect>`,
      );
      x += width;
    }
  });
  out.push('</svg>');
  return out.join('\n');
}

function modelTable(model: TraceModel): string {
  const { fit } = model;
  const rows = model.calls.map((call) => {
    const prediction = predict(call, fit);
    const measured = call.end - call.start;
    return `<tr><td>${escapeXml(call.label)}</td><td>${escapeXml(call.comm)}</td><td>${escapeXml(call.algorithm ?? '?')}</td><td>${call.root ?? ''}</td><td>${call.ranks}</td><td>${bytesText(call.bytes)}</td><td>${call.messages}</td><td>${call.rounds}</td><td>${escapeXml(prediction.formula)}</td><td>${prediction.us === null ? '' : duration(prediction.us)}</td><td>${duration(measured)}</td></tr>`;
  });
  return [
    `<p>Fitted from this trace's own messages: α = ${duration(fit.alpha)} per message (median of ${fit.small} messages of 1 KiB or less), β = ${(fit.beta * 1e3).toFixed(3)} ns per byte (${escapeXml(fit.how)}).</p>`,
    '<table class="model"><thead><tr><th>call</th><th>comm</th><th>algorithm</th><th>root</th><th>p</th><th>n (largest message)</th><th>messages</th><th>rounds</th><th>α–β model</th><th>predicted</th><th>measured</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody></table>`,
  ].join('\n');
}

/** The whole report for `trace` (its file name as `title`). */
export function reportHtml(trace: ChromeTrace, title: string, window: Window | null = null, agreement = true): string {
  const model = readModel(trace);
  const summary = summarize(trace);
  const notes =
    model.notes.length === 0 ? '' : `<ul class="notes">${model.notes.map((note) => `<li>${escapeXml(note)}</li>`).join('')}</ul>`;
  const hosts = [...new Set(model.ranks.map((rank) => rank.host))];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(`tsmpi trace: ${title}`)}</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
.scroll { overflow-x: auto; border: 1px solid #ddd; }
table.model { border-collapse: collapse; font-size: 0.85em; }
table.model td, table.model th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
table.model td:first-child, table.model th:first-child { text-align: left; }
.notes { color: #8a4b00; }
</style>
</head>
<body>
<h1>${escapeXml(`tsmpi trace: ${title}`)}</h1>
<p>${model.size} rank${model.size === 1 ? '' : 's'} on ${hosts.length} host${hosts.length === 1 ? '' : 's'} (${escapeXml(hosts.join(', '))}), ${model.messages.length} message${model.messages.length === 1 ? '' : 's'}, ${model.calls.length} collective call${model.calls.length === 1 ? '' : 's'}.</p>
${notes}
<h2>Space-time diagram</h2>
<p>One lane per rank, time to the right. Boxes are calls (collective calls are the tall pale boxes); each arrow is one message, from where its send began to where its receive ended. Shaded bands are a collective's rounds.</p>
<div class="scroll">${spaceTimeSvg(model, window, agreement)}</div>
<h2>Communication matrix</h2>
<p>Messages from each sender (row) to each receiver (column), collectives' own messages included; the darker the cell, the more bytes.</p>
${heatMap(summary)}
<h2>Time per rank</h2>
<p>From init to finalize: computing (outside tsmpi calls), waiting in point-to-point calls, and in collectives.</p>
${timeBars(summary)}
<h2>Collective calls against the α–β model</h2>
${modelTable(model)}
</body>
</html>
`;
}
