import type { RunningServer } from '../../shared/http/http-server.js';

/** A started tier (or the whole embedded platform): its HTTP server, and how to stop it gracefully. */
export interface RunningTier {
  readonly server: RunningServer;
  /** Set on an embedded first start that generated the operator token. */
  readonly generatedAdminToken?: string;
  /** Stops taking work, finishes or hands back what it holds, closes its connections. */
  stop(): Promise<void>;
}
