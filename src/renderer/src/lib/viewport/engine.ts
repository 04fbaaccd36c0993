/** One Cornerstone rendering engine and the tools, started once per page. */
import { init as initCore, RenderingEngine } from '@cornerstonejs/core';
import { addTool, init as initTools, PanTool, StackScrollTool, WindowLevelTool, ZoomTool } from '@cornerstonejs/tools';
import { registerLoader } from './images';

let engine: RenderingEngine | null = null;
let starting: Promise<RenderingEngine> | null = null;

export function getEngine(): Promise<RenderingEngine> {
  starting ??= (async () => {
    await initCore();
    initTools();
    for (const t of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool]) addTool(t);
    registerLoader();
    engine = new RenderingEngine('vlsm-engine');
    return engine;
  })();
  return starting;
}

export function currentEngine(): RenderingEngine | null {
  return engine;
}
