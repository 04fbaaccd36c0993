/**
 * Robustness curves as SVG, drawn in Node: a Vega-Lite spec compiled to Vega and rendered headless
 * (renderer 'none' → toSVG, no canvas package). The SVG keeps its text as text, so pdfmake embeds it as
 * vector text that pdftotext (and a screen reader) can read.
 */
import type { TopLevelSpec } from 'vega-lite';

export interface CurvePoint {
  /** Series name (the attack, e.g. "pgd"). */
  series: string;
  /** ε on the x axis: k of k/255 for pixel units, the value itself otherwise (0 = clean). */
  eps255: number;
  mean: number;
  /** 95 % bootstrap interval; NaN when not available. */
  low: number;
  high: number;
}

export interface CurveChart {
  title: string;
  xTitle: string;
  yTitle: string;
  points: CurvePoint[];
}

/** A stable colour per attack so every chart of a report uses the same legend. */
const PALETTE = ['#1f5f99', '#c2452d', '#2e8540', '#8a5a9e', '#b8860b', '#4d4d4d', '#0e8a8a'];

export function curveSpec(chart: CurveChart, seriesOrder: readonly string[]): TopLevelSpec {
  const pixel = chart.xTitle.includes('k/255');
  const values = chart.points.map((p) => ({
    series: p.series,
    eps: p.eps255,
    mean: p.mean,
    low: Number.isFinite(p.low) ? p.low : p.mean,
    high: Number.isFinite(p.high) ? p.high : p.mean,
  }));
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: 'attack',
    scale: { domain: [...seriesOrder], range: PALETTE.slice(0, Math.max(1, seriesOrder.length)) },
  };
  const x = { field: 'eps', type: 'quantitative' as const, title: chart.xTitle, axis: pixel ? { tickMinStep: 1 } : {} };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 200,
    height: 130,
    title: { text: chart.title, fontSize: 11, fontWeight: 'normal', anchor: 'start' },
    background: 'white',
    config: {
      font: 'Roboto',
      axis: { labelFontSize: 9, titleFontSize: 9, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
      legend: { labelFontSize: 9, titleFontSize: 9, titleFontWeight: 'normal' },
      view: { stroke: '#bbbbbb' },
    },
    data: { values },
    layer: [
      { mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color } },
      {
        mark: { type: 'line', point: { size: 22 }, strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative', title: chart.yTitle, scale: { domain: [0, 1] } },
          color,
        },
      },
    ],
  };
}

/** Render one chart to an SVG string. */
export async function curveSvg(chart: CurveChart, seriesOrder: readonly string[]): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const compiled = vl.compile(curveSpec(chart, seriesOrder)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
