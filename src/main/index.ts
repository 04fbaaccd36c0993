/**
 * Electron main process — thin: hardens the session, opens one window and registers the API handler
 * table (src/engine/api) on IPC. All behaviour lives in the engine.
 */
import { app, BrowserWindow, screen } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiService, type ApiService } from '../engine/api/handlers.js';
import { openFileDialog } from './dialogs.js';
import { handle } from './ipc.js';
import { loadWindowState, saveWindowState } from './window-state.js';
import { APP_ORIGIN, defaultSession, guardWebContents, hardenSession, registerAppScheme, serveRenderer } from './security.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const devServer = !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : null;

app.enableSandbox();
registerAppScheme();
guardWebContents();

function isTrustedUrl(url: string): boolean {
  if (url.startsWith(`${APP_ORIGIN}/`)) return true;
  return devServer !== null && url.startsWith(new URL(devServer).origin + '/');
}

function createWindow(): BrowserWindow {
  // The window comes back where the user left it (size, position, maximised).
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const state = loadWindowState(stateFile, screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    title: 'VLSM Audit',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize();
    win.show();
  });
  win.on('close', () => saveWindowState(stateFile, { ...win.getNormalBounds(), maximized: win.isMaximized() }));
  void win.loadURL(devServer ?? `${APP_ORIGIN}/index.html`);
  return win;
}

let service: ApiService | null = null;
let unregister: (() => void) | null = null;

void app.whenReady().then(() => {
  hardenSession(defaultSession(), devServer);
  serveRenderer(join(here, '../renderer'));
  const modelsDir = app.isPackaged ? join(process.resourcesPath, 'models') : join(app.getAppPath(), 'resources', 'models');
  service = createApiService({
    transport: 'ipc',
    app: { name: 'VLSM Audit', version: app.getVersion() },
    modelRoots: [{ dir: modelsDir, origin: 'bundled' }],
    pathMode: 'granted-only',
    openDialog: openFileDialog,
  });
  unregister = handle(service, isTrustedUrl);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  unregister?.();
  void service?.dispose();
});
