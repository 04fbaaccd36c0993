import { describe, expect, it } from 'vitest';
import { chartGeometry, MARGIN } from '../../../../src/renderer/src/lib/audits/curves.js';

describe('curve geometry', () => {
  const pts = [
    { eps: 2 / 255, epsText: '2/255', dice: 0.8, diceLow: 0.7, diceHigh: 0.9 },
    { eps: 8 / 255, epsText: '8/255', dice: 0.2, diceLow: null, diceHigh: null },
  ];
  const [g] = chartGeometry([{ model: 'm', dataset: 'kvasir-seg', label: 'pgd', units: 'pixel', points: pts }], 300, 200);

  it('maps ε in k/255 to x and Dice to y inside the margins', () => {
    expect(g.title).toBe('m · kvasir-seg');
    expect(g.xTicks.map((t) => t.label)).toEqual(['2', '8']);
    const [a, b] = g.series[0].dots;
    expect(b.x).toBeCloseTo(300 - MARGIN.right, 6); // the largest ε at the right edge
    expect(b.y).toBeCloseTo(MARGIN.top + 0.8 * (200 - MARGIN.top - MARGIN.bottom), 6);
    expect(a.y).toBeLessThan(b.y); // higher Dice is higher up
  });

  it('draws the band from the interval, and the mean where no interval exists', () => {
    const band = g.series[0].band.split(' ').map((p) => p.split(',').map(Number));
    expect(band).toHaveLength(4);
    expect(band[1][1]).toBeCloseTo(g.series[0].dots[1].y, 1); // 8/255 high = mean
  });
});
