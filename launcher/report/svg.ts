/**
 * The space-time diagram of a trace as one SVG (tsmpi-trace --svg, and the top of the
 * HTML report): ranks as horizontal lanes, time left to right, each call a box on its
 * rank's lane, one arrow per message from where its send began to where its receive
 * ended, and each collective call's rounds shaded and labelled (`r1`, `r2`, …; `agree`
 * for the agreement round). Pure: a model in, text out.
 *
 * Elements carry classes the tests count: `lane`, `call` (a box), `message` (one per
 * message, `data-id` its flow id), `round` (a shaded round).
 */
import type { CollectiveCall, TraceMessage, TraceModel } from './model.js';

const LANE = 44;
const TOP = 36;
const LEFT = 150;
const RIGHT = 20;
const WIDTH = 1200;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
}

const fixed = (value: number): string => (Math.round(value * 10) / 10).toString();

/** A readable duration from µs. */
export function duration(us: number): string {
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(2)} ms`;
  return `${us.toFixed(1)} µs`;
}

const COLORS: Readonly<Record<string, string>> = {
  p2p: '#4c78a8',
  message: '#f58518',
  agree: '#9d9d9d',
  wait: '#b279a2',
  collective: '#eeca3b',
};

function colorOf(message: TraceMessage): string {
  if (message.collective === null) return COLORS.p2p as string;
  return message.round === 'agree' ? (COLORS.agree as string) : (COLORS.message as string);
}

/** Where the diagram puts things: the time span it shows and its x and y scales. */
interface Frame {
  readonly start: number;
  readonly end: number;
  readonly x: (us: number) => number;
  readonly y: (rank: number) => number;
  readonly height: number;
}

/** A part of the trace's time to draw, in µs on the trace's axis. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

function frame(model: TraceModel, window: Window | null): Frame {
  let start = Infinity;
  let end = -Infinity;
  for (const slice of model.slices) {
    start = Math.min(start, slice.ts);
    end = Math.max(end, slice.ts + slice.dur);
  }
  if (!Number.isFinite(start)) [start, end] = [model.start, model.end];
  const pad = Math.max(1, (end - start) * 0.01);
  start -= pad;
  end += pad;
  if (window !== null) [start, end] = [window.start, window.end];
  const plot = WIDTH - LEFT - RIGHT;
  return {
    start,
    end,
    x: (us) => LEFT + ((us - start) / (end - start)) * plot,
    y: (rank) => TOP + rank * LANE + LANE / 2,
    height: TOP + model.size * LANE + 24,
  };
}

/** The shaded rounds of one collective call: each round's span, from its first send to its last receive. */
function rounds(call: CollectiveCall, messages: readonly TraceMessage[]): { label: string; start: number; end: number }[] {
  const spans = new Map<string, { start: number; end: number }>();
  for (const message of messages) {
    if (message.collective !== call.label || message.comm !== call.comm || message.round === null) continue;
    const label = message.round === 'agree' ? 'agree' : `r${message.round}`;
    const span = spans.get(label) ?? { start: Infinity, end: -Infinity };
    span.start = Math.min(span.start, message.sendStart);
    span.end = Math.max(span.end, message.recvEnd);
    spans.set(label, span);
  }
  return [...spans].map(([label, span]) => ({ label, ...span })).sort((a, b) => a.start - b.start);
}

/**
 * The diagram as a standalone SVG document (`<svg …>…</svg>`); with `window`, only that
 * span of time (what lies partly outside is clipped).
 */
export function spaceTimeSvg(model: TraceModel, window: Window | null = null, agreement = true): string {
  const f = frame(model, window);
  const inside = (from: number, to: number): boolean => to >= f.start && from <= f.end;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="space-time" width="${WIDTH}" height="${f.height}" viewBox="0 0 ${WIDTH} ${f.height}" font-family="sans-serif" font-size="11">`,
    '<defs>',
    ...Object.entries(COLORS).map(
      ([name, color]) =>
        `<marker id="head-${name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`,
    ),
    '</defs>',
    `<clipPath id="plot"><rect x="${LEFT}" y="0" width="${WIDTH - LEFT - RIGHT}" height="${f.height}"/></clipPath>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${f.height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="16" font-size="12">time → (${escapeXml(duration(f.end - f.start))} shown; blue: point-to-point, orange: collective rounds, grey: agreement rounds)</text>`,
  );
  const hosts = new Map(model.ranks.map((rank) => [rank.rank, rank.host]));
  for (let rank = 0; rank < model.size; rank++) {
    const y = f.y(rank);
    out.push(
      `<g class="lane" data-rank="${rank}"><line x1="${LEFT}" y1="${fixed(y)}" x2="${WIDTH - RIGHT}" y2="${fixed(y)}" stroke="#cccccc"/>`,
      `<text x="8" y="${fixed(y + 4)}">${escapeXml(`rank ${rank} @ ${hosts.get(rank) ?? '?'}`)}</text></g>`,
    );
  }
  // Rounds first, so boxes and arrows are drawn over them; all of it clipped to the plot.
  out.push('<g clip-path="url(#plot)">');
  for (const call of model.calls) {
    const spans = rounds(call, model.messages);
    spans.forEach((span, index) => {
      if (!inside(span.start, span.end) || (!agreement && span.label === 'agree')) return;
      const x = f.x(span.start);
      const width = Math.max(1, f.x(span.end) - x);
      const shade = span.label === 'agree' ? '#eeeeee' : index % 2 === 0 ? '#fde9c8' : '#fbd49a';
      out.push(
        `<g class="round"><rect x="${fixed(x)}" y="${TOP - 12}" width="${fixed(width)}" height="${model.size * LANE + 12}" fill="${shade}" opacity="0.6"><title>${escapeXml(`${call.label} (${call.comm}) ${span.label}: ${duration(span.end - span.start)}`)}</title></rect>`,
        `<text x="${fixed(x + 2)}" y="${TOP - 2}" font-size="9" fill="#7a4d00">${escapeXml(span.label === 'agree' ? `${call.name} agree` : span.label)}</text></g>`,
      );
    });
  }
  for (const slice of model.slices) {
    if (!inside(slice.ts, slice.ts + slice.dur)) continue;
    const y = f.y(slice.pid);
    const x = f.x(slice.ts);
    const width = Math.max(1, f.x(slice.ts + slice.dur) - x);
    const collective = slice.cat === 'collective';
    const height = collective ? LANE - 10 : 14;
    const color = COLORS[slice.cat === 'message' ? 'message' : (slice.cat ?? 'p2p')] ?? (COLORS.p2p as string);
    out.push(
      `<rect class="call" x="${fixed(x)}" y="${fixed(y - height / 2)}" width="${fixed(width)}" height="${height}" fill="${color}" fill-opacity="${collective ? 0.25 : 0.55}" stroke="${color}"><title>${escapeXml(`rank ${slice.pid}: ${slice.name} (${duration(slice.dur)})`)}</title></rect>`,
    );
  }
  for (const message of model.messages) {
    if (!inside(message.sendStart, message.recvEnd) || (!agreement && message.round === 'agree')) continue;
    const color = colorOf(message);
    const kind = message.collective === null ? 'p2p' : message.round === 'agree' ? 'agree' : 'message';
    const what =
      message.collective === null
        ? 'point-to-point'
        : `${message.collective} ${message.round === 'agree' ? 'agreement' : `round ${message.round}`}`;
    out.push(
      `<line class="message" data-id="${message.id}" x1="${fixed(f.x(message.sendStart))}" y1="${fixed(f.y(message.source))}" x2="${fixed(f.x(message.recvEnd))}" y2="${fixed(f.y(message.dest))}" stroke="${color}" stroke-width="1.3" marker-end="url(#head-${kind})"><title>${escapeXml(`${what}: rank ${message.source} → rank ${message.dest}, ${message.bytes} B, ${duration(message.recvEnd - message.sendStart)}`)}</title></line>`,
    );
  }
  out.push('</g>', '</svg>');
  return out.join('\n');
}
