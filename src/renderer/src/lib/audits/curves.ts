/**
 * Robustness curves for the page as plain SVG geometry (no charting library in the renderer): x = ε in
 * k/255 (or the value itself for other units), y = mean Dice in [0, 1], the bootstrap band as a polygon.
 */
export interface CurveInput {
  model: string;
  dataset: string;
  label: string;
  units: string;
  points: Array<{ eps: number; epsText: string; dice: number | null; diceLow: number | null; diceHigh: number | null }>;
}

export interface ChartGeometry {
  title: string;
  width: number;
  height: number;
  xTicks: Array<{ x: number; label: string }>;
  yTicks: Array<{ y: number; label: string }>;
  series: Array<{ label: string; colour: string; line: string; band: string; dots: Array<{ x: number; y: number; text: string }> }>;
}

const PALETTE = ['#4c9be8', '#e8744c', '#5cc47a', '#b98ae0', '#e0c04c', '#9aa5b1'];
export const MARGIN = { left: 40, right: 10, top: 12, bottom: 30 };

export function chartGeometry(curves: readonly CurveInput[], width = 320, height = 200): ChartGeometry[] {
  const groups = new Map<string, CurveInput[]>();
  for (const c of curves) {
    const k = `${c.model} · ${c.dataset}${c.units === 'pixel' ? '' : ` (${c.units})`}`;
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  const labels = [...new Set(curves.map((c) => c.label))];
  return [...groups].map(([title, cs]) => {
    const xv = (c: CurveInput, eps: number): number => (c.units === 'pixel' ? eps * 255 : eps);
    const xs = cs.flatMap((c) => c.points.map((p) => xv(c, p.eps)));
    const xMax = Math.max(1e-9, ...xs);
    const w = width - MARGIN.left - MARGIN.right;
    const h = height - MARGIN.top - MARGIN.bottom;
    const X = (v: number): number => MARGIN.left + (v / xMax) * w;
    const Y = (d: number): number => MARGIN.top + (1 - Math.min(1, Math.max(0, d))) * h;
    const series = cs.map((c) => {
      const pts = c.points.filter((p) => p.dice !== null);
      const colour = PALETTE[labels.indexOf(c.label) % PALETTE.length];
      const line = pts.map((p, i) => `${i ? 'L' : 'M'}${X(xv(c, p.eps)).toFixed(1)},${Y(p.dice!).toFixed(1)}`).join(' ');
      const hi = pts.map((p) => `${X(xv(c, p.eps)).toFixed(1)},${Y(p.diceHigh ?? p.dice!).toFixed(1)}`);
      const lo = pts.map((p) => `${X(xv(c, p.eps)).toFixed(1)},${Y(p.diceLow ?? p.dice!).toFixed(1)}`).reverse();
      return { label: c.label, colour, line, band: [...hi, ...lo].join(' '), dots: pts.map((p) => ({ x: X(xv(c, p.eps)), y: Y(p.dice!), text: `${c.label} ε ${p.epsText}: Dice ${p.dice!.toFixed(3)}` })) };
    });
    const xTickValues = [...new Set(xs)].sort((a, b) => a - b);
    return {
      title,
      width,
      height,
      xTicks: xTickValues.map((v) => ({ x: X(v), label: cs[0].units === 'pixel' ? String(Number(v.toFixed(2))) : String(v) })),
      yTicks: [0, 0.25, 0.5, 0.75, 1].map((d) => ({ y: Y(d), label: d.toFixed(2) })),
      series,
    };
  });
}
