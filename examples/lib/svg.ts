/**
 * A small, dependency-free SVG line chart: labelled axes with ticks, a title, one polyline per
 * series and a legend when there is more than one. Linear or log-10 axes.
 */

export interface Series {
  readonly name: string;
  /** [x, y] points, drawn in the order given; points that cannot be drawn (log of <= 0, NaN) are skipped. */
  readonly points: readonly (readonly [number, number])[];
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Escape text for SVG content and attributes. */
function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Short tick label: up to 4 significant digits, no trailing zeros. */
function tickText(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(0).replace('e+', 'e');
  return String(Number(value.toPrecision(4)));
}

/** "Nice" linear ticks (steps of 1, 2 or 5 times a power of ten) covering [low, high]. */
function linearTicks(low: number, high: number): number[] {
  const span = high - low || Math.abs(high) || 1;
  const raw = span / 6;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? raw;
  const ticks: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

/** The SVG document as a string. */
export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 800;
  const legendHeight = options.series.length > 1 ? 80 + options.series.length * 16 : 0;
  const height = options.height ?? Math.max(500, legendHeight);
  const margin = { left: 80, right: options.series.length > 1 ? 170 : 30, top: 50, bottom: 60 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const fx = (x: number): number => (options.logX ? Math.log10(x) : x);
  const fy = (y: number): number => (options.logY ? Math.log10(y) : y);
  const usable = ([x, y]: readonly [number, number]): boolean =>
    Number.isFinite(x) && Number.isFinite(y) && (!options.logX || x > 0) && (!options.logY || y > 0);

  const all = options.series.flatMap((series) => series.points.filter(usable));
  const xs = all.map(([x]) => fx(x));
  const ys = all.map(([, y]) => fy(y));
  let [xLow, xHigh] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [yLow, yHigh] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (!options.logY) yLow = Math.min(0, yLow);
  if (options.logX) [xLow, xHigh] = [Math.floor(xLow), Math.ceil(xHigh)];
  if (options.logY) [yLow, yHigh] = [Math.floor(yLow), Math.ceil(yHigh)];
  if (xHigh === xLow) xHigh = xLow + 1;
  if (yHigh === yLow) yHigh = yLow + 1;
  const px = (x: number): number => margin.left + ((fx(x) - xLow) / (xHigh - xLow)) * plotWidth;
  const py = (y: number): number => margin.top + plotHeight - ((fy(y) - yLow) / (yHigh - yLow)) * plotHeight;
  const round = (value: number): string => value.toFixed(2);

  const ticksFor = (low: number, high: number, log: boolean | undefined): number[] =>
    log ? Array.from({ length: high - low + 1 }, (_, index) => 10 ** (low + index)) : linearTicks(low, high);
  const xTicks = ticksFor(xLow, xHigh, options.logX);
  const yTicks = ticksFor(yLow, yHigh, options.logY);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="28" text-anchor="middle" font-size="16">${escapeXml(options.title)}</text>`,
  ];
  for (const tick of xTicks) {
    const x = round(px(tick));
    parts.push(`<line x1="${x}" y1="${margin.top}" x2="${x}" y2="${margin.top + plotHeight}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x}" y="${margin.top + plotHeight + 18}" text-anchor="middle">${tickText(tick)}</text>`);
  }
  for (const tick of yTicks) {
    const y = round(py(tick));
    parts.push(`<line x1="${margin.left}" y1="${y}" x2="${margin.left + plotWidth}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickText(tick)}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="black"/>`);
  parts.push(
    `<text x="${margin.left + plotWidth / 2}" y="${height - 15}" text-anchor="middle" font-size="14">${escapeXml(options.xLabel)}</text>`,
  );
  parts.push(
    `<text x="20" y="${margin.top + plotHeight / 2}" text-anchor="middle" font-size="14" transform="rotate(-90 20 ${margin.top + plotHeight / 2})">${escapeXml(options.yLabel)}</text>`,
  );
  options.series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length] ?? 'black';
    const points = series.points.filter(usable).map(([x, y]) => `${round(px(x))},${round(py(y))}`);
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.join(' ')}"><title>${escapeXml(series.name)}</title></polyline>`,
    );
    if (options.series.length > 1) {
      const y = margin.top + 10 + index * 16;
      const x = margin.left + plotWidth + 12;
      parts.push(`<line x1="${x}" y1="${y}" x2="${x + 20}" y2="${y}" stroke="${color}" stroke-width="2"/>`);
      parts.push(`<text x="${x + 26}" y="${y}" dominant-baseline="middle">${escapeXml(series.name)}</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
