/** Native file-open dialogs; a chosen path is what makes a file readable by the API (see paths.ts). */
import { BrowserWindow, dialog, type OpenDialogOptions, type SaveDialogOptions } from 'electron';
import type { PathKind } from '../engine/api/paths.js';

const options: Record<Exclude<PathKind, 'new-store'>, OpenDialogOptions> = {
  study: {
    title: 'Open study',
    properties: ['openFile'],
    filters: [
      { name: 'Images and DICOM', extensions: ['png', 'jpg', 'jpeg', 'dcm', 'dicom', 'ima'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  mask: { title: 'Open ground-truth mask', properties: ['openFile'], filters: [{ name: 'PNG masks', extensions: ['png'] }] },
  model: { title: 'Open model package folder', properties: ['openDirectory'] },
  folder: { title: 'Open study or dataset folder', properties: ['openDirectory'] },
  export: { title: 'Export results to folder', properties: ['openDirectory', 'createDirectory'] },
  store: {
    title: 'Open results store',
    properties: ['openFile'],
    filters: [
      { name: 'Results stores', extensions: ['sqlite', 'db'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
};

const newStore: SaveDialogOptions = {
  title: 'New results store',
  defaultPath: 'audit.sqlite',
  filters: [{ name: 'Results stores', extensions: ['sqlite'] }],
  properties: ['createDirectory', 'showOverwriteConfirmation'],
};

export async function openFileDialog(kind: PathKind): Promise<string | null> {
  const win = BrowserWindow.getFocusedWindow();
  if (kind === 'new-store') {
    const saved = win ? await dialog.showSaveDialog(win, newStore) : await dialog.showSaveDialog(newStore);
    return saved.canceled || !saved.filePath ? null : saved.filePath;
  }
  const result = win ? await dialog.showOpenDialog(win, options[kind]) : await dialog.showOpenDialog(options[kind]);
  return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
}
