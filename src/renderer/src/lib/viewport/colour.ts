/** The perturbation heat map's colour scale (no DOM, so it is unit-tested in Node). */
/** Diverging blue–white–red: t in [−1, 1]. */
export function divergingColour(t: number): [number, number, number] {
  const a = Math.min(1, Math.abs(t));
  return t >= 0 ? [255, Math.round(255 * (1 - a)), Math.round(255 * (1 - a))] : [Math.round(255 * (1 - a)), Math.round(255 * (1 - a)), 255];
}
