// A small scatter plot as SVG text: accuracy against file size (log scale), one labelled
// point per recipe, one colour per model. No dependencies.
export interface PlotPoint {
  series: string;
  label: string;
  bytes: number;
  accuracy: number;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

export function scatterSvg(points: PlotPoint[], title: string): string {
  const W = 760;
  const H = 440;
  const m = { l: 60, r: 20, t: 36, b: 50 };
  const xs = points.map((p) => Math.log10(p.bytes));
  const ys = points.map((p) => p.accuracy * 100);
  const x0 = Math.floor(Math.min(...xs) * 2) / 2;
  const x1 = Math.ceil(Math.max(...xs) * 2) / 2;
  const y0 = Math.floor(Math.min(...ys) - 1);
  const y1 = Math.ceil(Math.max(...ys) + 0.5);
  const px = (v: number) => m.l + ((v - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const py = (v: number) => H - m.b - ((v - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const series = [...new Set(points.map((p) => p.series))];
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">.mote file size (bytes, log scale)</text>`,
    `<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">accuracy on 2,000 held-out digits (%)</text>`,
  ];
  for (let e = x0; e <= x1 + 1e-9; e += 0.5) {
    const bytes = Math.pow(10, e);
    const label =
      bytes >= 1e6
        ? `${(bytes / 1e6).toFixed(1)} MB`
        : bytes >= 1e3
          ? `${Math.round(bytes / 1e3)} KB`
          : `${Math.round(bytes)} B`;
    out.push(`<line x1="${px(e)}" y1="${H - m.b}" x2="${px(e)}" y2="${H - m.b + 4}" stroke="black"/>`);
    out.push(`<text x="${px(e)}" y="${H - m.b + 16}" text-anchor="middle">${label}</text>`);
  }
  for (let y = y0; y <= y1; y++) {
    out.push(`<line x1="${m.l - 4}" y1="${py(y)}" x2="${W - m.r}" y2="${py(y)}" stroke="#eee"/>`);
    out.push(`<text x="${m.l - 8}" y="${py(y) + 4}" text-anchor="end">${y}</text>`);
  }
  points.forEach((p, i) => {
    const c = COLOURS[series.indexOf(p.series) % COLOURS.length];
    out.push(`<circle cx="${px(xs[i]).toFixed(1)}" cy="${py(ys[i]).toFixed(1)}" r="4" fill="${c}"/>`);
    out.push(
      `<text x="${(px(xs[i]) + 6).toFixed(1)}" y="${(py(ys[i]) - 5).toFixed(1)}" fill="${c}">${esc(p.label)}</text>`,
    );
  });
  series.forEach((s, i) => {
    out.push(
      `<circle cx="${W - 170}" cy="${m.t + 10 + i * 16}" r="4" fill="${COLOURS[i % COLOURS.length]}"/>`,
    );
    out.push(`<text x="${W - 160}" y="${m.t + 14 + i * 16}">${esc(s)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
