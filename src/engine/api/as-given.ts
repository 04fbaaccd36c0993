/**
 * Errors name the path the caller gave, never the one it resolved to. Handlers open the real path (after
 * the path policy resolved symlinks), but a decode error would then disclose where a symlink points
 * (issue 14: `serve` answered for a link to /etc/shadow with the target's name and first bytes).
 */
import { UserError } from '../errors.js';

export async function asGiven<T>(given: string, real: string, open: (real: string) => Promise<T>): Promise<T> {
  try {
    return await open(real);
  } catch (e) {
    if (e instanceof UserError && real !== given && e.message.includes(real)) e.message = e.message.split(real).join(given);
    throw e;
  }
}
