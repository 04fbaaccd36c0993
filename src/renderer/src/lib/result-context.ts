/** What a result was computed from; a result is shown only while this still matches (no stale metrics). */
export function contextKey(p: { imagePath: string | null; frame: number; groundTruth: string | null; modelDir: string | null; prompt: string }): string {
  return JSON.stringify([p.imagePath, p.frame, p.groundTruth, p.modelDir, p.prompt.trim()]);
}
