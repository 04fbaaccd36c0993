/** Camera and window/level kept equal across the compare viewports (Cornerstone synchronizers). */
import { synchronizers } from '@cornerstonejs/tools';
import { currentEngine } from './engine';

let n = 0;

/** Links the camera of all viewers and the window of `voiIds` (the perturbation panel has its own scale). */
export function linkViewers(cameraIds: readonly string[], voiIds: readonly string[]): () => void {
  const engine = currentEngine();
  if (!engine) return () => undefined;
  const k = ++n;
  const cam = synchronizers.createCameraPositionSynchronizer(`cam-${k}`);
  const voi = synchronizers.createVOISynchronizer(`voi-${k}`, { syncInvertState: true, syncColormap: false });
  for (const id of cameraIds) cam.add({ renderingEngineId: engine.id, viewportId: id });
  for (const id of voiIds) voi.add({ renderingEngineId: engine.id, viewportId: id });
  return () => {
    cam.destroy();
    voi.destroy();
  };
}
