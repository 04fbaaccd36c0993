/**
 * IPC channel names shared by the Electron main process and the preload. Kept free of imports so the
 * sandboxed preload bundles nothing but these strings. Calls use their contract name as the channel
 * (`segment:run`); events are sent on `event:<name>` (`event:progress`).
 */
export const EVENT_CHANNEL_PREFIX = 'event:';
