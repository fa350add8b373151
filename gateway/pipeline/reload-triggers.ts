import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { ReloadableGateway } from './reloadable-gateway.js';

/**
 * Reloads the gateway's config when the process gets `signal` (SIGHUP, as operators expect).
 * Returns a function that stops listening. The reload logs and counts its own outcome.
 *
 * @example const stop = reloadOnSignal(gateway); // kill -HUP <pid>
 */
export function reloadOnSignal(gateway: ReloadableGateway, signal: NodeJS.Signals = 'SIGHUP'): () => void {
  const onSignal = () => void gateway.reload();
  process.on(signal, onSignal);
  return () => process.off(signal, onSignal);
}

/**
 * Reloads the gateway's config when its file changes. Polls the file's stat rather than using
 * inotify, because editors and Kubernetes ConfigMaps replace the file (a new inode) and a
 * watcher on the old one would hear nothing. Returns a function that stops watching.
 *
 * @example const stop = reloadOnFileChange(gateway, 'hookgate.yaml');
 */
export function reloadOnFileChange(gateway: ReloadableGateway, file: string, intervalMs = 1_000): () => void {
  const onChange = (current: Stats, previous: Stats) => {
    if (current.mtimeMs !== previous.mtimeMs || current.ino !== previous.ino || current.size !== previous.size) void gateway.reload();
  };
  watchFile(file, { interval: intervalMs, persistent: false }, onChange);
  return () => unwatchFile(file, onChange);
}
